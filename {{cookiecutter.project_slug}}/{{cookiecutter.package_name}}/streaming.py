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
            response.response = logged(app, request.environ, response.response)
        return response


def logged(
    app: Flask, environ: "WSGIEnvironment", body: Iterable[Any]
) -> Iterator[Any]:
    """body, logging the error it raises. Closing it closes body (PEP 380)."""
    try:
        yield from body
    except Exception:
        # The view's request context is gone: a new one, on the same request.
        with app.request_context(environ):
            app.logger.exception(
                "Exception while streaming %s [%s]", request.path, request.method
            )
        raise
