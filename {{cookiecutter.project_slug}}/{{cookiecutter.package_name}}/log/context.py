"""What every record carries: its request, where its error was raised, its traceback.

Safe anywhere (outside a request the fields read "-"), never able to forge a line,
and worked out once per record, however many handlers there are.
"""

import logging
import os

from flask import has_request_context, request

from ..request_id import get_request_id
from ..users import user_for_logs
from .escape import escape_controls
from .tracebacks import format_traceback

CONTEXT_FIELDS = ("request_id", "method", "path", "remote_addr", "user")
NO_REQUEST = ("-", "-", "-", "-")
ENVIRON_KEY = f"{__name__}.request_values"


class RequestContextFilter(logging.Filter):
    """Add the request's fields, the place an exception was raised and its traceback
    to records.

    Request fields: request_id, method, path, remote_addr and user ("-" outside a
    request). A record with an exception gets the file, line and function where it
    was raised as its pathname, lineno and funcName, so every handler names the bug
    rather than the logging call inside Flask; and its traceback as exc_text, which
    every formatter then uses instead of formatting it again.

    It filters nothing out. Attached to every handler, so records from other
    libraries' loggers get the fields too.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_request_context", False):
            return True  # another handler's filter got here first
        values = (*request_values(), user_value())
        for field, value in zip(CONTEXT_FIELDS, values, strict=True):
            if not hasattr(record, field):  # a value passed in `extra` wins
                setattr(record, field, value)
        if record.exc_info and record.exc_info[1] is not None:
            set_raise_site(record)
            if not record.exc_text:
                record.exc_text = format_traceback(record.exc_info[1])
        record._request_context = True
        return True


def request_values() -> tuple[str, ...]:
    """The request id, method, path and client address, escaped; worked out once
    per request and kept in its WSGI environment."""
    if not has_request_context():
        return NO_REQUEST
    values: tuple[str, ...] | None = request.environ.get(ENVIRON_KEY)
    if values is None:
        values = tuple(
            escape_controls(value)
            for value in (
                get_request_id(),
                request.method,
                request.path,
                request.remote_addr or "-",
            )
        )
        request.environ[ENVIRON_KEY] = values
    return values


def user_value() -> str:
    """The user, as users.user_for_logs names them (it may change mid-request)."""
    return escape_controls(user_for_logs())


def set_raise_site(record: logging.LogRecord) -> None:
    """Point the record at the innermost frame of its exception's traceback."""
    tb = record.exc_info[2] if record.exc_info else None
    if tb is None:
        return
    while tb.tb_next is not None:  # no source lookup: this runs on every error
        tb = tb.tb_next
    code = tb.tb_frame.f_code
    record.pathname = code.co_filename
    record.filename = os.path.basename(code.co_filename)
    record.module = os.path.splitext(record.filename)[0]
    record.lineno = tb.tb_lineno
    record.funcName = code.co_name
