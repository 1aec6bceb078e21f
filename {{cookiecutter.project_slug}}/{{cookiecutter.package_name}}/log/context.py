"""Request context on every log record, safe anywhere and never able to forge a line."""

import logging

from flask import g, has_request_context, request

from ..request_id import get_request_id

CONTEXT_FIELDS = ("request_id", "method", "path", "remote_addr", "user")

# Line breaks and other control characters, written as escapes instead.
_ESCAPES = {code: f"\\x{code:02x}" for code in [*range(32), 127, 0x85]}
_ESCAPES.update({ord("\t"): "\\t", ord("\n"): "\\n", ord("\r"): "\\r"})
_ESCAPES.update({0x2028: "\\u2028", 0x2029: "\\u2029"})


def escape_line_breaks(text):
    """Make text safe to put on one log line."""
    return str(text).translate(_ESCAPES)


class RequestContextFilter(logging.Filter):
    """Add request_id, method, path, remote_addr and user to records ("-": no request).

    It filters nothing out. Attached to handlers, so records from other libraries'
    loggers get the fields too.
    """

    def filter(self, record):
        if getattr(record, "_request_context", False):
            return True  # another handler's filter got here first
        if has_request_context():
            user = g.get("user")
            values = (
                get_request_id(),
                request.method,
                request.path,
                request.remote_addr or "-",
                "-" if user is None else user,
            )
        else:
            values = ("-",) * len(CONTEXT_FIELDS)
        for field, value in zip(CONTEXT_FIELDS, values, strict=True):
            if not hasattr(record, field):  # a value passed in `extra` wins
                setattr(record, field, escape_line_breaks(value))
        record._request_context = True
        return True
