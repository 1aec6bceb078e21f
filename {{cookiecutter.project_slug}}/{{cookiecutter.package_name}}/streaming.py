"""Errors raised while a response streams, logged like any other unhandled error.

A view that returns a generator sends its status and headers first and runs the
generator afterwards, when Flask's error handling is over: an error then reaches
only the WSGI server, which cuts the body short and writes a line of its own. Here
such a body is wrapped so that the error is logged first, through the app's logger
and so to every handler, with its request and traceback; then the server sees it.
Only streamed bodies are wrapped: other responses pass untouched.
"""

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, request

if TYPE_CHECKING:  # the WSGI types exist for type checkers only
    from _typeshed.wsgi import WSGIEnvironment


def init_streaming_errors(app: Flask) -> None:
    @app.after_request
    def log_errors_while_streaming(response: Response) -> Response:
        # A file the server sends itself (direct_passthrough) stays as it is.
        if response.is_streamed and not response.direct_passthrough:
            response.response = LoggedBody(app, request.environ, response.response)
        return response


class LoggedBody:
    """A response body whose errors are logged as they reach the server."""

    def __init__(
        self, app: Flask, environ: "WSGIEnvironment", body: Iterable[Any]
    ) -> None:
        self.app, self.environ, self.body = app, environ, body

    def __iter__(self) -> Iterator[Any]:
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
        """The server calls it when the response ends, however it ends (a HEAD
        request's body is never iterated, but closed)."""
        close = getattr(self.body, "close", None)
        if close is not None:
            close()
