"""One id per request: the caller's X-Request-ID, its trace id, or a new one.

The id is on every response, in error bodies and in every log record, so a user who
quotes it leads straight to what was logged about the request. Taken from a W3C
traceparent header, it is the trace id, so the logs join up with a distributed trace
without any tracing library.
"""

import random
import re
from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING

from flask import Flask, has_request_context, request

if TYPE_CHECKING:  # the WSGI types exist for type checkers only
    from _typeshed import OptExcInfo
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

HEADER = "X-Request-ID"
LOWER_HEADER = HEADER.lower()
# Letters, digits and ".-_", with a letter or digit: "-" means "no request" in logs.
VALID_REQUEST_ID = re.compile(r"(?=.*[A-Za-z0-9])[A-Za-z0-9._-]{1,128}")
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
        request_id = incoming_request_id(environ) or new_request_id()
        environ[ENVIRON_KEY] = request_id
    return request_id


def new_request_id() -> str:
    """128 random bits as 32 hex digits, the form of a W3C trace id.

    An id is not a secret (a caller may send its own), so it comes from the random
    module, which Python reseeds in every forked worker, rather than from a system
    call per request.
    """
    return f"{random.getrandbits(128):032x}"


def incoming_request_id(environ: dict[str, object]) -> str | None:
    """A well-formed X-Request-ID, else the trace id of a valid traceparent, or None."""
    given = given_request_id(environ)
    if given is not None:
        return given
    traceparent = environ.get("HTTP_TRACEPARENT")
    if not isinstance(traceparent, str):
        return None
    match = TRACEPARENT.fullmatch(traceparent.strip())
    if match and not (match["version"] == "00" and match["rest"]):
        return match["trace_id"]
    return None


def given_request_id(environ: dict[str, object]) -> str | None:
    """The caller's X-Request-ID if it is well-formed, else None."""
    given = environ.get("HTTP_X_REQUEST_ID")
    if isinstance(given, str) and VALID_REQUEST_ID.fullmatch(given):
        return given
    return None


def init_request_id(app: Flask) -> None:
    """Give each request its id, and each response the header.

    A WSGI middleware, like Werkzeug's ProxyFix, rather than an after_request hook,
    which costs every request more.
    """
    app.wsgi_app = RequestIdMiddleware(app.wsgi_app)  # type: ignore[method-assign]


class RequestIdMiddleware:
    """Puts the request's id on its response's headers.

    The id is made when it is first needed (by a log record, an error page or the
    response's start), so that the app may still set it before then.
    """

    def __init__(self, wsgi_app: "WSGIApplication") -> None:
        self.wsgi_app = wsgi_app

    def __call__(
        self, environ: "WSGIEnvironment", start_response: "StartResponse"
    ) -> Iterable[bytes]:
        start = partial(start_response_with_id, start_response, environ)
        return self.wsgi_app(environ, start)


def start_response_with_id(
    start_response: "StartResponse",
    environ: "WSGIEnvironment",
    status: str,
    headers: list[tuple[str, str]],
    exc_info: "OptExcInfo | None" = None,
) -> Callable[[bytes], object]:
    """Start the response with X-Request-ID set to the id, replacing any other."""
    request_id = request_id_of(environ)
    for name, _ in headers:
        if name.lower() == LOWER_HEADER:
            headers = [h for h in headers if h[0].lower() != LOWER_HEADER]
            break
    headers.append((HEADER, request_id))
    return start_response(status, headers, exc_info)
