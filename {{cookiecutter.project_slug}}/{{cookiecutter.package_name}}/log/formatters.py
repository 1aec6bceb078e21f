"""Log formats: one line per record for streams and files, a multi-line one for mail."""

import logging
import traceback

from .context import escape_line_breaks

LINE_FORMAT = (
    "%(asctime)s %(levelname)s %(name)s "
    "[%(request_id)s %(remote_addr)s %(method)s %(path)s] "
    "%(message)s [in %(pathname)s:%(lineno)d]"
)

MAIL_FORMAT = """\
Level:          %(levelname)s
Location:       %(pathname)s:%(lineno)d
Module:         %(module)s
Function:       %(funcName)s
Time:           %(asctime)s
Request ID:     %(request_id)s
Request:        %(method)s %(path)s
Remote address: %(remote_addr)s
User:           %(user)s

%(message)s
"""


class TextFormatter(logging.Formatter):
    """LINE_FORMAT with line breaks in the message escaped.

    A traceback still follows on its own lines, as usual, but the exception messages
    inside it are escaped too: request data cannot start a line that looks like a
    record.
    """

    def __init__(self, fmt=LINE_FORMAT):
        super().__init__(fmt)

    def formatMessage(self, record):
        return escape_line_breaks(super().formatMessage(record))

    def formatException(self, ei):
        text = super().formatException(ei)
        for exc in exception_chain(ei[1]):
            only = "".join(traceback.format_exception_only(type(exc), exc)).rstrip("\n")
            text = text.replace(only, escape_line_breaks(only))
        return text


class MailFormatter(logging.Formatter):
    """MAIL_FORMAT, with Location at the line that raised, not at the logging call."""

    def __init__(self):
        super().__init__(MAIL_FORMAT)

    def format(self, record):
        frame = innermost_frame(record)
        if frame is not None:
            record = logging.makeLogRecord(record.__dict__)
            record.pathname, record.lineno = frame.filename, frame.lineno
            record.funcName = frame.name
        return super().format(record)


def exception_chain(exc):
    """The exception and those it was raised from or during, each once."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def innermost_frame(record):
    """Where the logged exception was raised, or None for a record without one."""
    if not record.exc_info or record.exc_info[2] is None:
        return None
    return traceback.extract_tb(record.exc_info[2])[-1]


def error_summary(record):
    """One line naming the error: "ValueError: bad input", or the log message."""
    if record.exc_info and record.exc_info[1] is not None:
        lines = traceback.format_exception_only(*record.exc_info[:2])
        summary = lines[-1] if lines else ""
    else:
        summary = record.getMessage()
    summary = " ".join(summary.split())
    return summary if len(summary) <= 160 else summary[:157] + "..."
