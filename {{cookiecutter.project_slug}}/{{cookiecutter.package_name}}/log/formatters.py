"""The one-line text log format, safe from forged lines."""

import logging
import traceback

from .context import escape_line_breaks

LINE_FORMAT = (
    "%(asctime)s %(levelname)s %(name)s "
    "[%(request_id)s %(remote_addr)s %(method)s %(path)s] "
    "%(message)s [in %(pathname)s:%(lineno)d]"
)


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
            if has_line_break(exc):
                only = "".join(traceback.format_exception_only(type(exc), exc))
                only = only.rstrip("\n")
                text = text.replace(only, escape_line_breaks(only))
        return text


def has_line_break(exc):
    try:
        message = str(exc)
    except Exception:
        return False  # the traceback module prints a placeholder instead
    return escape_line_breaks(message) != message


def exception_chain(exc):
    """The exception and those it was raised from or during, each once."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__
