"""What every record carries to the handlers: its request, its source and its error.

A record is prepared once, on the thread that logged it (where its request is), as a
copy: the record the logging call made stays as it was for every other handler
(Sentry's, pytest's caplog). The copy's message and traceback are text already, cut
and escaped, so it crosses to the logging thread small and safe.
"""

import copy
import logging
import os
import traceback

from flask import has_request_context, request

from ..request_id import get_request_id
from ..users import user_for_logs
from .escape import cut, escape_controls
from .tracebacks import MAX_MESSAGE, format_exception, safe_str

CONTEXT_FIELDS = ("request_id", "method", "path", "remote_addr", "user")
NO_REQUEST = ("-", "-", "-", "-", "-")
# What the formats show of a record that did not come through prepare() (gunicorn's).
FIELD_DEFAULTS = {
    **dict(zip(CONTEXT_FIELDS, NO_REQUEST, strict=True)),
    "source_file": "-", "source_line": 0,
}  # fmt: skip
ENVIRON_KEY = f"{__name__}.request"
# The project's own code: the throttle of error mail names an error by its place here.
PROJECT = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def prepare(record: logging.LogRecord) -> logging.LogRecord:
    """A copy of record with these attributes, and no exc_info to hold frames alive:

    - request_id, method, path, remote_addr, user: the request's, or "-" (a value
      passed in `extra` is kept);
    - source_file, source_line, source_function: where the record comes from, that is
      the line that raised its exception, else the logging call;
    - error_type, error_summary and error_place, with an exception: its class, a line
      naming it for a mail subject, and its type and innermost place in the project;
    - msg: the message, cut at MAX_MESSAGE characters and escaped (escape.py), so
      that no sink shows text from a request as lines or controls of its own;
      exc_text: the traceback, made so too (tracebacks.py).
    """
    prepared = copy.copy(record)
    values = request_values() if has_request_context() else NO_REQUEST
    for field, value in zip(CONTEXT_FIELDS, values, strict=True):
        if field not in record.__dict__:
            setattr(prepared, field, value)
    prepared.msg = escape_controls(cut(record.getMessage(), MAX_MESSAGE))
    prepared.args = None
    prepared.source_file, prepared.source_line = record.pathname, record.lineno
    prepared.source_function = record.funcName
    prepared.error_type = prepared.error_summary = prepared.error_place = None
    exc = record.exc_info[1] if record.exc_info else None
    if exc is not None:
        add_error(prepared, exc)
    prepared.exc_info = None
    if record.stack_info:
        prepared.stack_info = cut(record.stack_info, MAX_MESSAGE)
    return prepared


def request_values() -> tuple[str, ...]:
    """The request's fields, escaped: worked out once per request (kept in its WSGI
    environment), but for the user, who may sign in or out during it."""
    values: tuple[str, ...] | None = request.environ.get(ENVIRON_KEY)
    if values is None:
        fields = (get_request_id(), request.method, request.path, request.remote_addr)
        values = tuple(escape_controls(value or "-") for value in fields)
        request.environ[ENVIRON_KEY] = values
    return (*values, escape_controls(user_for_logs()))


def add_error(record: logging.LogRecord, exc: BaseException) -> None:
    record.exc_text = format_exception(exc)
    name = type(exc).__name__
    words = " ".join(safe_str(exc)[:400].split())  # cut first: a message may be huge
    summary = escape_controls(f"{name}: {words}" if words else name)
    record.error_type = name
    record.error_summary = summary if len(summary) <= 160 else summary[:157] + "..."
    frames = list(traceback.walk_tb(exc.__traceback__))
    if not frames:  # made, never raised
        record.error_place = f"{name} at {record.pathname}:{record.lineno}"
        return
    frame, line = frames[-1]  # where it was raised
    record.source_file, record.source_line = frame.f_code.co_filename, line
    record.source_function = frame.f_code.co_name
    own = [f for f in frames if f[0].f_code.co_filename.startswith(PROJECT)] or frames
    frame, line = own[-1]
    record.error_place = f"{name} at {frame.f_code.co_filename}:{line}"
