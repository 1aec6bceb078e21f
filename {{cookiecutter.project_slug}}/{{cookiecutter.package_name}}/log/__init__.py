"""Logging, set up once per process: the chosen handlers behind one queue.

init_logging(app) builds the handlers from app.config and puts one LogQueueHandler
(queue.py) on the app's logger and LOG_EXTRA_LOGGERS. Another create_app() reuses
them, or replaces them if its settings differ: never a handler or a line twice.
What it built, a LogSetup, is app.extensions["logging"].
"""

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from flask import {% if cookiecutter.use_smtp_handler or cookiecutter.use_syslog_handler %}Config, {% endif %}Flask
from flask.logging import default_handler

from .console import build_console_handler
{%- if cookiecutter.use_file_handler %}
from .file import build_file_handler
{%- endif %}
{%- if cookiecutter.log_format == "json" %}
from .formatters import use_schema
{%- endif %}
{%- if cookiecutter.use_smtp_handler %}
from .mail import build_mail_handler
{%- endif %}
{%- if cookiecutter.use_nt_eventlog_handler %}
from .nteventlog import build_nt_eventlog_handler
{%- endif %}
from .queue import LogQueueHandler
from .report import HandlerUnavailable, warn
{%- if cookiecutter.use_syslog_handler %}
from .syslog import build_syslog_handler
{%- endif %}

# name -> builder. Each returns a ready handler, None when its setting is empty, or
# raises HandlerUnavailable when its backend cannot be used at all (or a library's
# ValueError, for a setting it refuses).
HANDLER_BUILDERS: dict[str, Callable[[Flask], logging.Handler | None]] = {
    "console": build_console_handler,
{%- if cookiecutter.use_smtp_handler %}
    "mail": build_mail_handler,
{%- endif %}
{%- if cookiecutter.use_file_handler %}
    "file": build_file_handler,
{%- endif %}
{%- if cookiecutter.use_syslog_handler %}
    "syslog": build_syslog_handler,
{%- endif %}
{%- if cookiecutter.use_nt_eventlog_handler %}
    "nteventlog": build_nt_eventlog_handler,
{%- endif %}
}

# Seconds a normal exit waits for queued records, at most (LogQueueHandler.flush).
EXIT_WAIT = 5.0


@dataclass
class LogSetup:
    settings: str  # a digest of what it was built from
    handlers: dict[str, logging.Handler]  # those that started, by name
    failures: dict[str, str]  # why the others could not start
    queue: LogQueueHandler
    destinations: dict[str, str]  # where records go, for the startup line


_current: LogSetup | None = None


def init_logging(app: Flask) -> None:
    global _current
{%- if cookiecutter.log_format == "json" %}
    use_schema(app.config["LOG_SCHEMA"])
{%- endif %}
    # A digest of what the handlers are made of: that holds passwords.
    made_of = repr([app.import_name, app.instance_path, sorted(app.config.items())])
    settings = hashlib.sha256(made_of.encode("utf-8", "replace")).hexdigest()
    if _current is None or _current.settings != settings:
        if _current is not None:
            _current.queue.stop()  # it handles what it has queued, then ends
        _current = build_setup(app, settings)
    extra = [logging.getLogger(name) for name in app.config["LOG_EXTRA_LOGGERS"]]
    for logger in [app.logger, *extra]:
        for old in [h for h in logger.handlers if isinstance(h, LogQueueHandler)]:
            logger.removeHandler(old)
        logger.addHandler(_current.queue)
        # Passing records on to the root logger would print them twice where it has
        # a handler; but pytest's caplog listens there.
        logger.propagate = app.testing
    app.logger.removeHandler(default_handler)
    app.logger.setLevel(app.config["LOG_LEVEL"])
    app.extensions["logging"] = _current


def build_setup(app: Flask, settings: str) -> LogSetup:
    """Each handler whose setting is set; one that cannot start is left out, with
    one warning."""
    handlers, failures = {}, {}
    for name, build in HANDLER_BUILDERS.items():
        try:
            handler = build(app)
        except (HandlerUnavailable, ValueError) as exc:
            warn(f"{name} logging is off: {exc}")
            failures[name] = str(exc)
            continue
        if handler is not None:
            handler.name, handlers[name] = name, handler
    max_bytes = int(app.config["LOG_QUEUE_BYTES"])
{%- if cookiecutter.use_smtp_handler or cookiecutter.use_syslog_handler %}
    queue = LogQueueHandler(list(handlers.values()), max_bytes, exit_wait(app.config))
{%- else %}
    queue = LogQueueHandler(list(handlers.values()), max_bytes, EXIT_WAIT)
{%- endif %}
    destinations = {n: getattr(h, "destination", "-") for n, h in handlers.items()}
    return LogSetup(settings, handlers, failures, queue, destinations)


{%- if cookiecutter.use_smtp_handler or cookiecutter.use_syslog_handler %}


def exit_wait(config: Config) -> float:
    """Seconds a normal exit waits for queued records: the wait of the handlers that
    may need one, else EXIT_WAIT. gunicorn.conf.py lets a stopping worker wait that
    long."""
    waits: list[float] = []
{%- if cookiecutter.use_smtp_handler %}
    if config["MAIL_SERVER"]:
        waits.append(float(config["MAIL_EXIT_WAIT"]))
{%- endif %}
{%- if cookiecutter.use_syslog_handler %}
    if config["SYSLOG_ADDRESS"]:
        waits.append(float(config["SYSLOG_TIMEOUT"]))
{%- endif %}
    return max(waits, default=EXIT_WAIT)
{%- endif %}


def log_startup(app: Flask) -> None:
    """In production, say first where it logs: each destination (a file, a server,
    an address), never a password or a key."""
    if app.config["CONFIG_NAME"] == "production":
        destinations = app.extensions["logging"].destinations.items()
        where = ", ".join(f"{name} ({target})" for name, target in destinations)
        app.logger.info("%s started in production; logging to %s", app.name, where)
