"""The log file, shared safely by every worker process through concurrent-log-handler.

Its handlers take an inter-process lock around each write and rotation, so gunicorn
workers writing one file neither lose nor interleave lines.
"""

import os

{% if cookiecutter.file_rotation == "time" -%}
from concurrent_log_handler import ConcurrentTimedRotatingFileHandler
{%- else -%}
from concurrent_log_handler import ConcurrentRotatingFileHandler
{%- endif %}

{% if cookiecutter.log_format == "json" -%}
from .json_format import json_formatter
{%- else -%}
from .formatters import TextFormatter
{%- endif %}
from .stderr import warn


def build_file_handler(app):
    if not app.config.get("LOG_FILE"):
        return None
    # A relative path is taken from the instance folder; an absolute one stays.
    path = os.path.join(app.instance_path, app.config["LOG_FILE"])
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        handler = open_log_file(path, app.config)
    except OSError as exc:
        warn(f"file logging is off: cannot write {path} ({exc})")
        return None
    handler.name = "file"
    handler.setLevel(app.config["LOG_FILE_LEVEL"])
{%- if cookiecutter.log_format == "json" %}
    handler.setFormatter(json_formatter())
{%- else %}
    handler.setFormatter(TextFormatter())
{%- endif %}
    return handler


def open_log_file(path, config):
{%- if cookiecutter.file_rotation == "size" %}
    """Rotate to path.1, path.2, ... when the file reaches LOG_FILE_MAX_BYTES."""
    return ConcurrentRotatingFileHandler(
        path,
        maxBytes=int(config["LOG_FILE_MAX_BYTES"]),
        backupCount=int(config["LOG_FILE_BACKUP_COUNT"]),
        encoding="utf-8",
    )
{%- elif cookiecutter.file_rotation == "time" %}
    """Rotate on the LOG_FILE_WHEN schedule (midnight by default)."""
    return ConcurrentTimedRotatingFileHandler(
        path,
        when=config["LOG_FILE_WHEN"],
        backupCount=int(config["LOG_FILE_BACKUP_COUNT"]),
        encoding="utf-8",
    )
{%- else %}
    """Never rotate here: once logrotate moves the file, the next write reopens it."""
    return ConcurrentRotatingFileHandler(path, maxBytes=0, encoding="utf-8")
{%- endif %}
