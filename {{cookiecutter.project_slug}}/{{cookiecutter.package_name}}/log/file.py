"""The log file, shared by every worker process through concurrent-log-handler.

{% if cookiecutter.file_rotation != "external" -%}
Its handlers take an inter-process lock around each write and rotation, so gunicorn
workers writing one file neither lose nor mix lines.
{%- else -%}
Its handlers take an inter-process lock around each write, so gunicorn workers
writing one file neither lose nor mix lines.
{%- endif %}
"""

import logging
import os
import tempfile
{%- if cookiecutter.file_rotation != "external" %}
import time
{%- endif %}

{% if cookiecutter.file_rotation == "time" -%}
from concurrent_log_handler import ConcurrentTimedRotatingFileHandler as Rotating
{%- else -%}
from concurrent_log_handler import ConcurrentRotatingFileHandler as Rotating
{%- endif %}
from flask import Flask

from .formatters import line_formatter
{%- if cookiecutter.file_rotation != "external" %}
from .report import REPORT_INTERVAL, HandlerUnavailable, ReportsFailures, warn
{%- else %}
from .report import HandlerUnavailable, ReportsFailures
{%- endif %}


def build_file_handler(app: Flask) -> logging.Handler | None:
    if not app.config["LOG_FILE"]:
        return None
    # A relative path is taken from the instance folder; an absolute one stays.
    path = os.path.join(app.instance_path, app.config["LOG_FILE"])
    try:
        check_writable(path)
{%- if cookiecutter.file_rotation == "size" %}
        # Rotate to path.1, path.2, ... when the file reaches LOG_FILE_MAX_BYTES.
        handler = LogFileHandler(
            path,
            maxBytes=int(app.config["LOG_FILE_MAX_BYTES"]),
            backupCount=int(app.config["LOG_FILE_BACKUP_COUNT"]),
            encoding="utf-8",
        )
{%- elif cookiecutter.file_rotation == "time" %}
        # Rotate on the LOG_FILE_WHEN schedule (midnight by default).
        handler = LogFileHandler(
            path,
            when=app.config["LOG_FILE_WHEN"],
            backupCount=int(app.config["LOG_FILE_BACKUP_COUNT"]),
            encoding="utf-8",
        )
{%- else %}
        # Never rotate here: once logrotate moves the file, the next write reopens it.
        handler = LogFileHandler(path, maxBytes=0, encoding="utf-8")
{%- endif %}
    except OSError as exc:
        raise HandlerUnavailable(f"cannot write {path} ({exc})") from exc
    handler.destination = handler.baseFilename
    handler.setLevel(app.config["LOG_FILE_LEVEL"])
    handler.setFormatter(line_formatter())
    return handler


def check_writable(path: str) -> None:
    """Raise OSError unless path can be appended to and its folder takes new files.
{% if cookiecutter.file_rotation != "external" %}
    The handler opens the file lazily and keeps a lock file (and rotated files) beside
    it: without this check, a read-only folder would show up as one error per record.
{%- else %}
    The handler opens the file lazily and keeps a lock file beside it: without this
    check, a read-only folder would show up as one error per record.
{%- endif %}
    """
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    open(path, "a", encoding="utf-8").close()
    tempfile.TemporaryFile(dir=directory).close()


class LogFileHandler(ReportsFailures, Rotating):
    """concurrent-log-handler's handler. A failed write (a full disk, a deleted
    folder) is told on stderr (see ReportsFailures), and the next record starts on a
    line of its own: a record cut short is never glued to the next one."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        return text if self.down_since is None else "\n" + text
{%- if cookiecutter.file_rotation != "external" %}

    last_rotation_warning = float("-inf")

    def doRollover(self) -> None:
        """concurrent-log-handler goes on, in silence, after a rotation that fails (a
        folder made read-only), and the file grows past its bound: say so, at most
        once a minute."""
        rotations, self.standing_error = self.num_rollovers, None
        try:
            super().doRollover()
        except Exception as exc:
            self.standing_error = exc
        if self.num_rollovers == rotations:
            error = self.standing_error or OSError("the file could not be renamed")
            self.standing_error = error
            if time.monotonic() - self.last_rotation_warning >= REPORT_INTERVAL:
                self.last_rotation_warning = time.monotonic()
                reason = f"{type(error).__name__}: {error}"
                warn(f"rotating {self.destination} failed ({reason})")
{%- endif %}
