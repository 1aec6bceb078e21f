"""One id per request: the caller's X-Request-ID, its trace id, or a new one.

The id is on every response, in error bodies and in every log record, so a user who
quotes it leads straight to what was logged about the request. Taken from a W3C
traceparent header, it is the trace id, so the logs join up with a distributed trace
without any tracing library.
"""

import os
import re

from flask import Flask, Response, has_request_context, request

HEADER = "X-Request-ID"
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
# version-traceid-parentid-flags; version ff and all-zero ids are invalid. Versions
# after 00 may add fields, so only 00 must end after the flags.
TRACEPARENT = re.compile(
    r"(?!ff)(?P<version>[0-9a-f]{2})-(?!0{32})(?P<trace_id>[0-9a-f]{32})"
    r"-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}(?P<rest>-.*)?"
)
# Kept in the request's WSGI environment: it lives exactly as long as the request.
ENVIRON_KEY = f"{__name__}.id"


def get_request_id() -> str:
    """The current request's id, or "-" outside a request."""
    if not has_request_context():
        return "-"
    return request_id_of(request.environ)


def request_id_of(environ: dict[str, object]) -> str:
    """The id of the request with this WSGI environment, made on first use."""
    request_id = environ.get(ENVIRON_KEY)
    if not isinstance(request_id, str):
        request_id = incoming_request_id(environ) or os.urandom(16).hex()
        environ[ENVIRON_KEY] = request_id
    return request_id


def incoming_request_id(environ: dict[str, object]) -> str | None:
    """A well-formed X-Request-ID, else the trace id of a valid traceparent, or None."""
    given = environ.get("HTTP_X_REQUEST_ID")
    if isinstance(given, str) and VALID_REQUEST_ID.fullmatch(given):
        return given
    traceparent = environ.get("HTTP_TRACEPARENT")
    if not isinstance(traceparent, str):
        return None
    match = TRACEPARENT.fullmatch(traceparent.strip())
    if match and not (match["version"] == "00" and match["rest"]):
        return match["trace_id"]
    return None


def init_request_id(app: Flask) -> None:
    @app.after_request
    def add_request_id_header(response: Response) -> Response:
        response.headers[HEADER] = request_id_of(request.environ)
        return response
