"""One id per request: the caller's X-Request-ID, its trace id, or a new one.

The id is on flask.g, on every response, in error bodies and in every log record, so a
user who quotes it leads straight to what was logged about the request. Taken from a
W3C traceparent header, it is the trace id, so the logs join up with a distributed
trace without any tracing library.
"""

import os
import re

from flask import Flask, Response, g, has_request_context, request

HEADER = "X-Request-ID"
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
# version-traceid-parentid-flags; version ff and all-zero ids are invalid. Versions
# after 00 may add fields, so only 00 must end after the flags.
TRACEPARENT = re.compile(
    r"(?!ff)(?P<version>[0-9a-f]{2})-(?!0{32})(?P<trace_id>[0-9a-f]{32})"
    r"-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}(?P<rest>-.*)?"
)


def get_request_id() -> str:
    """The current request's id, or "-" outside a request."""
    if not has_request_context():
        return "-"
    if "request_id" not in g:
        g.request_id = incoming_request_id() or os.urandom(16).hex()
    request_id: str = g.request_id
    return request_id


def incoming_request_id() -> str | None:
    """A well-formed X-Request-ID, else the trace id of a valid traceparent, or None."""
    given = request.headers.get(HEADER)
    if given and VALID_REQUEST_ID.fullmatch(given):
        return given
    traceparent = request.headers.get("traceparent")
    match = traceparent and TRACEPARENT.fullmatch(traceparent.strip())
    if match and not (match["version"] == "00" and match["rest"]):
        return match["trace_id"]
    return None


def init_request_id(app: Flask) -> None:
    @app.after_request
    def add_request_id_header(response: Response) -> Response:
        response.headers[HEADER] = get_request_id()
        return response

    @app.teardown_request
    def forget_request_id(exc: BaseException | None) -> None:
        # g can outlive the request (a test may hold one app context across
        # requests): the next request must not inherit this id.
        g.pop("request_id", None)
