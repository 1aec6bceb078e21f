"""Errors raised while a response streams, logged like any other unhandled error.

A view that returns a generator sends its status and headers first and runs the
generator afterwards, when Flask's error handling is over: an error then reaches
only the WSGI server, which cuts the body short and writes a line of its own. This
middleware logs the error first, through the app's logger and so to every handler,
with its request and traceback, then lets the server see it.
"""

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from flask import Flask, request

if TYPE_CHECKING:  # the WSGI types exist for type checkers only
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment


def init_streaming_errors(app: Flask) -> None:
    app.wsgi_app = LogStreamingErrors(app, app.wsgi_app)  # type: ignore[method-assign]


class LogStreamingErrors:
    """Wraps each response body in a LoggedBody (the server's file wrapper aside)."""

    def __init__(self, app: Flask, wsgi_app: "WSGIApplication") -> None:
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(
        self, environ: "WSGIEnvironment", start_response: "StartResponse"
    ) -> Iterable[bytes]:
        body = self.wsgi_app(environ, start_response)
        # A file sent by the server itself (os.sendfile) stays as it is.
        file_wrapper = environ.get("wsgi.file_wrapper")
        if isinstance(file_wrapper, type) and isinstance(body, file_wrapper):
            return body
        return LoggedBody(self.app, environ, body)


class LoggedBody:
    """A response body whose errors are logged as they reach the server."""

    def __init__(
        self, app: Flask, environ: "WSGIEnvironment", body: Iterable[bytes]
    ) -> None:
        self.app, self.environ, self.body = app, environ, body

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self.body
        except Exception:
            # The view's request context is gone: a new one, on the same request.
            with self.app.request_context(self.environ):
                self.app.logger.exception(
                    "Exception while streaming %s [%s]", request.path, request.method
                )
            raise

    def close(self) -> None:
        """The server calls it when the response ends, however it ends."""
        close = getattr(self.body, "close", None)
        if close is not None:
            close()
