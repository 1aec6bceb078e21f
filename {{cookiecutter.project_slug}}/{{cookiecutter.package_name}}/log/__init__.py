"""Logging, set up once per process: the chosen handlers behind one queue.

init_logging(app) builds the handlers from app.config (handlers whose setting is
empty stay off; one that cannot start is left out with a warning) and puts one
LogQueueHandler on the app's logger and on LOG_EXTRA_LOGGERS (see queue.py). A later
create_app() with the same settings reuses them; with other settings (a test suite's
apps) it replaces them. Never a second handler, never a line twice.

What it built is app.extensions["logging"], a LogSetup: `flask check-logging` and
the startup line read it there.
"""

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Config, Flask
from flask.logging import default_handler

from .console import build_console_handler
{%- if cookiecutter.use_file_handler %}
from .file import build_file_handler
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
# raises HandlerUnavailable when its backend cannot be used at all.
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


@dataclass
class LogSetup:
    """What init_logging built: the handlers by name, why others could not start,
    and the queue in front of them."""

    settings: str  # a digest of what it was built from
    handlers: dict[str, logging.Handler]
    failures: dict[str, str]
    queue: LogQueueHandler
    destinations: dict[str, str] = field(default_factory=dict)


_current: LogSetup | None = None


def init_logging(app: Flask) -> None:
    global _current
    # What the handlers are made of, as a digest: it holds passwords.
    made_of = (
        app.import_name,
        app.instance_path,
        app.debug,
        sorted(app.config.items()),
    )
    settings = hashlib.sha256(repr(made_of).encode("utf-8", "replace")).hexdigest()
    if _current is None or _current.settings != settings:
        if _current is not None:
            _current.queue.stop()  # what it queued is still handled
        _current = build_setup(app, settings)
    queue = _current.queue
    extra = [logging.getLogger(name) for name in app.config["LOG_EXTRA_LOGGERS"]]
    for logger in [app.logger, *extra]:
        for old in [h for h in logger.handlers if isinstance(h, LogQueueHandler)]:
            logger.removeHandler(old)
        logger.addHandler(queue)
        # The queue is the whole output: passing records on to the root logger too
        # would print every line twice wherever root has a handler. Tests are the
        # exception: pytest's caplog listens on the root logger.
        logger.propagate = app.testing
    app.logger.removeHandler(default_handler)
    app.logger.setLevel(app.config["LOG_LEVEL"])
    app.extensions["logging"] = _current


def build_setup(app: Flask, settings: str) -> LogSetup:
    handlers: dict[str, logging.Handler] = {}
    failures: dict[str, str] = {}
    for name, build in HANDLER_BUILDERS.items():
        try:
            handler = build(app)
        except HandlerUnavailable as exc:
            warn(f"{name} logging is off: {exc}")
            failures[name] = str(exc)
            continue
        if handler is not None:
            handler.name = name
            handlers[name] = handler
    wait, setting = exit_wait(app.config)
    queue = LogQueueHandler(
        list(handlers.values()),
        max_bytes=int(app.config["LOG_QUEUE_BYTES"]),
        exit_wait=wait,
        exit_label=f"{setting}={wait:g}s",
    )
    destinations = {n: getattr(h, "destination", "-") for n, h in handlers.items()}
    return LogSetup(settings, handlers, failures, queue, destinations)


def exit_wait(config: Config) -> tuple[float, str]:
    """How long a normal exit waits for queued records, and the setting that says so.

    gunicorn.conf.py gives a stopping worker that much time, and some to spare.
    """
    waits = [(5.0, "the local handlers' wait")]
{%- if cookiecutter.use_smtp_handler %}
    if config["MAIL_SERVER"]:
        waits.append((float(config["MAIL_EXIT_WAIT"]), "MAIL_EXIT_WAIT"))
{%- endif %}
{%- if cookiecutter.use_syslog_handler %}
    if config["SYSLOG_ADDRESS"]:
        waits.append((float(config["SYSLOG_TIMEOUT"]), "SYSLOG_TIMEOUT"))
{%- endif %}
    return max(waits[1:] or waits)


def log_startup(app: Flask) -> None:
    """In production, say first thing which configuration runs and where it logs:
    each destination (a file, a server and its recipients, an address), never a
    password or a key."""
    if app.config["CONFIG_NAME"] != "production":
        return
    destinations = app.extensions["logging"].destinations
    where = ", ".join(f"{name} ({target})" for name, target in destinations.items())
    app.logger.info("%s started in production; logging to %s", app.name, where)
