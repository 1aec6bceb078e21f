"""The stream handler: stderr, where development servers and gunicorn collect output."""

import logging
import sys

from .formatters import TextFormatter
{%- if cookiecutter.log_format == "json" %}
from .json_format import json_formatter
{%- endif %}


def build_console_handler(app):
    handler = logging.StreamHandler(sys.stderr)
    handler.name = "console"
{%- if cookiecutter.log_format == "json" %}
    # Development keeps a readable console; everywhere else a JSON line.
    handler.setFormatter(TextFormatter() if app.debug else json_formatter())
{%- else %}
    handler.setFormatter(TextFormatter())
{%- endif %}
    return handler
