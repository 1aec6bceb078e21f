"""The log line formats, and the one place that picks which every handler uses."""

import logging

from .escape import escape_controls
{%- if cookiecutter.log_format == "json" %}
from .json_format import JsonLineFormatter
{%- endif %}
from .tracebacks import ExcInfo, format_exc_info

LINE_FORMAT = (
    "%(asctime)s %(levelname)s %(name)s "
    "[%(request_id)s %(remote_addr)s %(method)s %(path)s] "
    "%(message)s [in %(pathname)s:%(lineno)d]"
)
# The web server's own lines: no place in the app's code to name.
SERVER_FORMAT = LINE_FORMAT.removesuffix(" [in %(pathname)s:%(lineno)d]")


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

    A traceback still follows on its own lines, as usual, with the exception
    messages inside it escaped too (see tracebacks.py): request data cannot start a
    line that looks like a record.
    """

    def __init__(self, fmt: str = LINE_FORMAT) -> None:
        super().__init__(fmt)

    def formatMessage(self, record: logging.LogRecord) -> str:
        return escape_controls(super().formatMessage(record))

    def formatException(self, ei: ExcInfo) -> str:
        return format_exc_info(ei)
