"""The log line formats, and the one place that picks which every handler uses."""

import logging
import traceback
from collections.abc import Iterator
from types import TracebackType

from .context import escape_controls
{%- if cookiecutter.log_format == "json" %}
from .json_format import JsonLineFormatter
{%- endif %}

LINE_FORMAT = (
    "%(asctime)s %(levelname)s %(name)s "
    "[%(request_id)s %(remote_addr)s %(method)s %(path)s] "
    "%(message)s [in %(pathname)s:%(lineno)d]"
)
# The web server's own lines: no place in the app's code to name.
SERVER_FORMAT = LINE_FORMAT.removesuffix(" [in %(pathname)s:%(lineno)d]")

ExcInfo = (
    tuple[type[BaseException], BaseException, TracebackType | None]
    | tuple[None, None, None]
)


def line_formatter() -> logging.Formatter:
    """The format of every handler that writes log lines."""
{%- if cookiecutter.log_format == "json" %}
    return JsonLineFormatter()
{%- else %}
    return TextFormatter()
{%- endif %}


def server_formatter() -> logging.Formatter:
    """The format of the web server's lines (gunicorn's), next to the app's."""
{%- if cookiecutter.log_format == "json" %}
    return JsonLineFormatter()
{%- else %}
    return TextFormatter(SERVER_FORMAT)
{%- endif %}


class TextFormatter(logging.Formatter):
    """LINE_FORMAT with control characters in the message escaped.

    A traceback still follows on its own lines, as usual, but the exception messages
    inside it are escaped too: request data cannot start a line that looks like a
    record.
    """

    def __init__(self, fmt: str = LINE_FORMAT) -> None:
        super().__init__(fmt)

    def formatMessage(self, record: logging.LogRecord) -> str:
        return escape_controls(super().formatMessage(record))

    def formatException(self, ei: ExcInfo) -> str:
        text = super().formatException(ei)
        for exc in exception_chain(ei[1]):
            if needs_escaping(exc):
                only = "".join(traceback.format_exception_only(type(exc), exc))
                only = only.rstrip("\n")
                text = text.replace(only, escape_controls(only))
        return text


def needs_escaping(exc: BaseException) -> bool:
    try:
        message = str(exc)
    except Exception:
        return False  # the traceback module prints a placeholder instead
    return escape_controls(message) != message


def exception_chain(exc: BaseException | None) -> Iterator[BaseException]:
    """The exception and those it was raised from or during, each once."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__
