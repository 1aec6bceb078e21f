"""One id per request: taken from X-Request-ID when well-formed, generated otherwise.

The id is on flask.g, on every response, in error bodies and in every log record, so a
user who quotes it leads straight to what was logged about the request.
"""

import os
import re

from flask import g, has_request_context, request

HEADER = "X-Request-ID"
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")


def get_request_id():
    """The current request's id, or "-" outside a request."""
    if not has_request_context():
        return "-"
    if "request_id" not in g:
        incoming = request.headers.get(HEADER, "")
        valid = VALID_REQUEST_ID.fullmatch(incoming)
        g.request_id = incoming if valid else os.urandom(16).hex()
    return g.request_id


def init_request_id(app):
    @app.after_request
    def add_request_id_header(response):
        response.headers[HEADER] = get_request_id()
        return response

    @app.teardown_request
    def forget_request_id(exc):
        # g can outlive the request (a test may hold one app context across
        # requests): the next request must not inherit this id.
        g.pop("request_id", None)
