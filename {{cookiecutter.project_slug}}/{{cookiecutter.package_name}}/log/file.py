"""The log file, shared safely by every worker process through concurrent-log-handler.

Its handlers take an inter-process lock around each write and rotation, so gunicorn
workers writing one file neither lose nor interleave lines.
"""

import logging
import os
import tempfile
from typing import Any

{% if cookiecutter.file_rotation == "time" -%}
from concurrent_log_handler import ConcurrentTimedRotatingFileHandler
{%- else -%}
from concurrent_log_handler import ConcurrentRotatingFileHandler
{%- endif %}
from flask import Config, Flask

from .formatters import line_formatter
from .report import HandlerUnavailable, ReportsFailures


def build_file_handler(app: Flask) -> logging.Handler | None:
    if not app.config["LOG_FILE"]:
        return None
    # A relative path is taken from the instance folder; an absolute one stays.
    path = os.path.join(app.instance_path, app.config["LOG_FILE"])
    try:
        check_writable(path)
        handler = open_log_file(path, app.config)
    except OSError as exc:
        raise HandlerUnavailable(f"cannot write {path} ({exc})") from exc
    handler.name = "file"
    handler.setLevel(app.config["LOG_FILE_LEVEL"])
    handler.setFormatter(line_formatter())
    return handler


def check_writable(path: str) -> None:
    """Raise OSError unless path can be appended to and its folder takes new files.

    The handler opens the file lazily and keeps a lock file (and rotated files) beside
    it: without this check, a read-only folder would show up as one error per record.
    """
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    with open(path, "a", encoding="utf-8"):
        pass
    with tempfile.TemporaryFile(dir=directory):
        pass
{%- if cookiecutter.file_rotation == "size" %}


def open_log_file(path: str, config: Config) -> "LogFileHandler":
    """Rotate to path.1, path.2, ... when the file reaches LOG_FILE_MAX_BYTES."""
    return LogFileHandler(
        path,
        maxBytes=int(config["LOG_FILE_MAX_BYTES"]),
        backupCount=int(config["LOG_FILE_BACKUP_COUNT"]),
        encoding="utf-8",
    )
{%- elif cookiecutter.file_rotation == "time" %}


def open_log_file(path: str, config: Config) -> "LogFileHandler":
    """Rotate on the LOG_FILE_WHEN schedule (midnight by default)."""
    return LogFileHandler(
        path,
        when=config["LOG_FILE_WHEN"],
        backupCount=int(config["LOG_FILE_BACKUP_COUNT"]),
        encoding="utf-8",
    )
{%- else %}


def open_log_file(path: str, config: Config) -> "LogFileHandler":
    """Never rotate here: once logrotate moves the file, the next write reopens it."""
    return LogFileHandler(path, maxBytes=0, encoding="utf-8")
{%- endif %}


class LogFileHandler(ReportsFailures, {% if cookiecutter.file_rotation == "time" %}ConcurrentTimedRotatingFileHandler{% else %}ConcurrentRotatingFileHandler{% endif %}):
    """The rotating handler, telling of failed writes (a full disk, a deleted folder)
    at most once a minute, with a count."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.destination = self.baseFilename
