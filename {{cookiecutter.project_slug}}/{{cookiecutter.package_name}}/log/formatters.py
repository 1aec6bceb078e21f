"""The log line formats, and the one place that picks which every handler uses."""

import copy
import logging
from typing import Any

from .escape import escape_controls
{%- if cookiecutter.log_format == "json" %}
from .json_format import SCHEMAS
{%- endif %}
from .records import FIELD_DEFAULTS, traceback_text

LINE_FORMAT = (
    "%(asctime)s %(levelname)s %(name)s "
    "[%(request_id)s %(remote_addr)s %(method)s %(path)s] "
{%- if cookiecutter.use_opentelemetry %}
    "[trace_id=%(trace_id)s span_id=%(span_id)s] "
{%- endif %}
    "%(message)s [in %(source_file)s:%(source_line)d]"
)
{%- if cookiecutter.log_format == "text" %}
# The web server's own lines: no place in the app's code to name.
SERVER_FORMAT = LINE_FORMAT.removesuffix(" [in %(source_file)s:%(source_line)d]")
{%- endif %}
{%- if cookiecutter.log_format == "json" %}

# The field names of every line of this process: LOG_SCHEMA, which init_logging()
# sets (and gunicorn.conf.py, for gunicorn's own process).
_schema = "native"


def use_schema(name: str) -> None:
    global _schema
    if name not in SCHEMAS:
        valid = ", ".join(SCHEMAS)
        raise ValueError(f"Unknown LOG_SCHEMA {name!r}; valid names: {valid}.")
    _schema = name
{%- endif %}


def line_formatter() -> logging.Formatter:
    """The format of every handler that writes log lines."""
{%- if cookiecutter.log_format == "json" %}
    return SCHEMAS[_schema]()
{%- else %}
    return TextFormatter()
{%- endif %}


def server_formatter() -> logging.Formatter:
    """The format of the web server's lines (gunicorn's), next to the app's."""
{%- if cookiecutter.log_format == "json" %}
    return SCHEMAS[_schema]()
{%- else %}
    return TextFormatter(SERVER_FORMAT)
{%- endif %}


class TextFormatter(logging.Formatter):
    """LINE_FORMAT, escaped: only a traceback adds lines (its messages are escaped
    already), and gunicorn's own lines may quote a request."""

    def __init__(self, fmt: str = LINE_FORMAT) -> None:
        super().__init__(fmt, defaults=FIELD_DEFAULTS)

    def format(self, record: logging.LogRecord) -> str:
        """A record that was not prepared (gunicorn's) gets its traceback from
        formatException(), not from what another handler may have cached."""
        if record.exc_info:
            record = copy.copy(record)
            record.exc_text = None
        return super().format(record)

    def formatMessage(self, record: logging.LogRecord) -> str:
        return escape_controls(super().formatMessage(record))

    def formatException(self, ei: Any) -> str:
        return traceback_text(ei[1])
