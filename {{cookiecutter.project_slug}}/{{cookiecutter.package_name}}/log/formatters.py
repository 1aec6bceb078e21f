"""The log line formats, and the one place that picks which every handler uses."""

import logging

from .escape import escape_controls
{%- if cookiecutter.log_format == "json" %}
from .json_format import JsonLineFormatter
{%- endif %}
from .records import FIELD_DEFAULTS

LINE_FORMAT = (
    "%(asctime)s %(levelname)s %(name)s "
    "[%(request_id)s %(remote_addr)s %(method)s %(path)s] "
    "%(message)s [in %(source_file)s:%(source_line)d]"
)
# The web server's own lines: no place in the app's code to name.
SERVER_FORMAT = LINE_FORMAT.removesuffix(" [in %(source_file)s:%(source_line)d]")


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
    """LINE_FORMAT, escaped: only a traceback adds lines (its messages are escaped
    already), and gunicorn's own lines may quote a request."""

    def __init__(self, fmt: str = LINE_FORMAT) -> None:
        super().__init__(fmt, defaults=FIELD_DEFAULTS)

    def formatMessage(self, record: logging.LogRecord) -> str:
        return escape_controls(super().formatMessage(record))
