"""What every record carries to the handlers: its request, its source, its error.

A record is prepared once, on the thread that logged it (where its request is), as a
copy: the logging call's record stays as it was for other handlers (caplog's, other
libraries'). Its message and traceback become text, escaped and bounded, so that the
copy crosses to the logging thread small and safe.
"""

import copy
import logging
import os
import traceback

from flask import has_request_context, request

from ..request_id import get_request_id
from ..scrub import scrub_text
from ..users import user_for_logs
from .escape import clip, escape_controls, escape_lines
from .tracebacks import MAX_MESSAGE, MAX_TEXT, format_exception, safe_str

CONTEXT_FIELDS = ("request_id", "method", "path", "remote_addr", "user")
MAX_FIELD = 1024  # characters of each, escaped and cut as a message is
# What a line shows of a record that was not prepared (gunicorn's own).
FIELD_DEFAULTS = {
    **dict.fromkeys(CONTEXT_FIELDS, "-"),
{%- if cookiecutter.use_opentelemetry %}
    "trace_id": "-",  # given to every record the app logs by tracing/ids.py
    "span_id": "-",
{%- endif %}
    "source_file": "-",
    "source_line": 0,
}
# The project's code: an error is known by its innermost place in it.
PROJECT = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def prepare(record: logging.LogRecord) -> logging.LogRecord:
    """A copy of record, with no exc_info to keep frames alive, and these attributes:

    - request_id, method, path, remote_addr, user: the request's ("-" outside one),
      unless the logging call passed them in `extra`;
    - source_file, source_line, source_function: the line that raised the record's
      exception, else the logging call;
    - msg: the message, escaped and cut (escape.clip); exc_text: the traceback;
      both with their secrets replaced (scrub.py);
    - with an exception, error_type, error_message (its message on one line),
      error_summary (one line naming it) and error_place (its type and innermost
      place in the project's code).
    """
    prepared = copy.copy(record)
    if has_request_context():
        fields = (get_request_id(), request.method, request.path, request.remote_addr)
        values = [clip(value or "-", MAX_FIELD) for value in fields]
        values.append(clip(user_for_logs(), MAX_FIELD))
    else:
        values = ["-"] * len(CONTEXT_FIELDS)
    for field, value in zip(CONTEXT_FIELDS, values, strict=True):
        if field not in record.__dict__:
            setattr(prepared, field, value)
    prepared.msg = scrub_text(clip(record.getMessage(), MAX_MESSAGE))
    prepared.args = None
    prepared.source_file = escape_controls(record.pathname)
    prepared.source_line = record.lineno
    prepared.source_function = record.funcName
    if record.exc_info and record.exc_info[1] is not None:
        add_error(prepared, record.exc_info[1])
    prepared.exc_info = None
    if record.stack_info:
        prepared.stack_info = escape_lines(record.stack_info[-MAX_TEXT:])
    return prepared


def add_error(record: logging.LogRecord, exc: BaseException) -> None:
    record.exc_text = traceback_text(exc)
    name = type(exc).__name__
    words = " ".join(scrub_text(safe_str(exc)[:400]).split())  # cut: it may be huge
    summary = escape_controls(f"{name}: {words}" if words else name)
    record.error_type, record.error_message = name, escape_controls(words)
    record.error_summary = summary if len(summary) <= 160 else summary[:157] + "..."
    frames = list(traceback.walk_tb(exc.__traceback__))
    place = f"{record.pathname}:{record.lineno}"  # made, never raised
    if frames:
        frame, line = frames[-1]
        record.source_file = escape_controls(frame.f_code.co_filename)
        record.source_line = line
        record.source_function = frame.f_code.co_name
        own = [f for f in frames if f[0].f_code.co_filename.startswith(PROJECT)]
        frame, line = (own or frames)[-1]
        place = f"{frame.f_code.co_filename}:{line}"
    record.error_place = f"{name} at {place}"


def traceback_text(exc: BaseException | None) -> str:
    """The traceback of exc as a log shows it: escaped, bounded, secrets replaced."""
    return scrub_text(format_exception(exc)) if exc is not None else ""
