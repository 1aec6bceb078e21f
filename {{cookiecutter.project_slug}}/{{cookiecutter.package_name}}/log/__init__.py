"""Logging setup: the chosen handlers, built from app.config and attached once.

Calling init_logging again (a second create_app in one process) replaces the handlers
it attached before instead of adding more. It never touches other loggers' handlers
and never disables existing loggers.
"""

import logging
from collections.abc import Callable

from flask import Flask
from flask.logging import default_handler

from .console import build_console_handler
from .context import RequestContextFilter
{%- if cookiecutter.use_file_handler %}
from .file import build_file_handler
{%- endif %}
{%- if cookiecutter.use_smtp_handler %}
from .mail import build_mail_handler
{%- endif %}
{%- if cookiecutter.use_nt_eventlog_handler %}
from .nteventlog import build_nt_eventlog_handler
{%- endif %}
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

# The handlers init_logging attached, by logger name.
_attached: dict[str, list[logging.Handler]] = {}


def init_logging(app: Flask) -> None:
    handlers, failures = build_handlers(app)
    context = RequestContextFilter()
    for handler in handlers:
        handler.addFilter(context)

    extra = [logging.getLogger(name) for name in app.config["LOG_EXTRA_LOGGERS"]]
    replaced = set()
    for logger in [app.logger, *extra]:
        replaced.update(attach_handlers(logger, handlers, propagate=app.testing))
    for handler in replaced:
        handler.close()

    app.logger.removeHandler(default_handler)
    app.logger.setLevel(app.config["LOG_LEVEL"])
    app.extensions["log_handlers"] = handlers
    app.extensions["log_failures"] = failures
    app.extensions["log_destinations"] = {
        h.name: getattr(h, "destination", "-") for h in handlers
    }


def log_startup(app: Flask) -> None:
    """In production, say first thing which configuration runs and where it logs.

    One record per process, naming each destination (a file, a server and its
    recipients, an address), never a password or a key.
    """
    if app.config["CONFIG_NAME"] != "production":
        return
    destinations = app.extensions["log_destinations"]
    where = ", ".join(f"{name} ({target})" for name, target in destinations.items())
    app.logger.info("%s started in production; logging to %s", app.name, where)


def build_handlers(app: Flask) -> tuple[list[logging.Handler], dict[str, str]]:
    """The handlers that could start, and {name: reason} for those that could not."""
    handlers: list[logging.Handler] = []
    failures: dict[str, str] = {}
    for name, build in HANDLER_BUILDERS.items():
        try:
            handler = build(app)
        except HandlerUnavailable as exc:
            warn(f"{name} logging is off: {exc}")
            failures[name] = str(exc)
            continue
        if handler is not None:
            handlers.append(handler)
    return handlers, failures


def attach_handlers(
    logger: logging.Logger, handlers: list[logging.Handler], propagate: bool
) -> list[logging.Handler]:
    """Put handlers on logger in place of earlier ones; return those it replaced."""
    old = _attached.pop(logger.name, [])
    for handler in old:
        logger.removeHandler(handler)
    for handler in handlers:
        logger.addHandler(handler)
    # The handlers above are the whole output: passing records on to the root
    # logger as well would print every line twice wherever root has a handler.
    # Tests are the exception: pytest's caplog listens on the root logger.
    logger.propagate = propagate
    _attached[logger.name] = list(handlers)
    return [handler for handler in old if handler not in handlers]
