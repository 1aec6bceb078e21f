"""The stream handler: stderr, where development servers and gunicorn collect output."""

import logging
import sys

from .formatters import TextFormatter, line_formatter


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
    handler.destination = "stderr"
    # Development keeps a readable console whatever the log format.
    handler.setFormatter(TextFormatter() if app.debug else line_formatter())
    return handler
