"""The console: stderr, where development servers and gunicorn collect output."""

import logging
import sys
from typing import TextIO

from flask import Flask

from .formatters import {% if cookiecutter.log_format == "json" %}TextFormatter, {% endif %}line_formatter
from .report import ReportsFailures


class StderrHandler(ReportsFailures, logging.StreamHandler[TextIO]):
    """Writes to sys.stderr as it is at the time, as logging.lastResort does: servers
    and test runners replace it after the app is made."""

    destination = "stderr"

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


def build_console_handler(app: Flask) -> logging.Handler:
    handler = StderrHandler()
{%- if cookiecutter.log_format == "json" %}
    # Development keeps a readable console, not JSON lines.
    handler.setFormatter(TextFormatter() if app.debug else line_formatter())
{%- else %}
    handler.setFormatter(line_formatter())
{%- endif %}
    return handler
