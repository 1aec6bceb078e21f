"""The stream handler: stderr, where development servers and gunicorn collect output."""

import logging
import sys

from .formatters import TextFormatter
{%- if cookiecutter.log_format == "json" %}
from .json_format import json_formatter
{%- endif %}


class StderrHandler(logging.StreamHandler):
    """Write to whatever sys.stderr is at the time, as logging.lastResort does.

    Servers and test runners replace sys.stderr after the app is created.
    """

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


def build_console_handler(app):
    handler = StderrHandler()
    handler.name = "console"
{%- if cookiecutter.log_format == "json" %}
    # Development keeps a readable console; everywhere else a JSON line.
    handler.setFormatter(TextFormatter() if app.debug else json_formatter())
{%- else %}
    handler.setFormatter(TextFormatter())
{%- endif %}
    return handler
