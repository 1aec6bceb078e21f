"""What every record carries: the request it belongs to, and where its error was raised.

Safe anywhere (outside a request the fields read "-"), and never able to forge a line.
"""

import logging
import os
import re

from flask import g, has_request_context, request

from ..request_id import get_request_id

CONTEXT_FIELDS = ("request_id", "method", "path", "remote_addr", "user")

# Characters that could end a log line, hide text or reorder it on screen: C0 and C1
# controls, DEL, the Unicode line separators and the bidirectional controls.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_ESCAPES = {code: f"\\x{code:02x}" for code in [*range(32), *range(0x7F, 0xA0)]}
_ESCAPES.update({ord("\t"): "\\t", ord("\n"): "\\n", ord("\r"): "\\r"})
_ESCAPES.update(
    {code: f"\\u{code:04x}" for code in [0x2028, 0x2029, *range(0x202A, 0x202F)]}
)
_ESCAPES.update({code: f"\\u{code:04x}" for code in range(0x2066, 0x206A)})


def escape_controls(text: object) -> str:
    """Make text safe to put on one log line or in a message header."""
    text = str(text)
    if _UNSAFE.search(text) is None:  # nearly always: skip the translation
        return text
    return text.translate(_ESCAPES)


class RequestContextFilter(logging.Filter):
    """Add the request's fields, and the place an exception was raised, to records.

    Request fields: request_id, method, path, remote_addr and user ("-" outside a
    request). A record with an exception gets the file, line and function where it
    was raised as its pathname, lineno and funcName, so every handler names the bug
    rather than the logging call inside Flask.

    It filters nothing out. Attached to every handler, so records from other
    libraries' loggers get the fields too; the work is done once per record.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_request_context", False):
            return True  # another handler's filter got here first
        if has_request_context():
            user = g.get("user")
            values: tuple[str, ...] = (
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
                setattr(record, field, escape_controls(value))
        set_raise_site(record)
        record._request_context = True
        return True


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
