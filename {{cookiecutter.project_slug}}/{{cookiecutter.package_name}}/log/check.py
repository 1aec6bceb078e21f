"""`flask check-logging`: one test record through every configured handler, now."""

import logging
import sys

import click
from flask import Flask, current_app

from .records import prepare
from .report import ReportsFailures

MESSAGE = "Test record from `flask check-logging`; no action needed."


def register_check_command(app: Flask) -> None:
    @app.cli.command("check-logging")
    def check_logging() -> None:
        """Send a test record through each log handler and report which ones work.

        A handler whose setting is present but which could not start is reported as
        failed too. The exit status is 1 if any failed.
        """
        setup = current_app.extensions["logging"]
        results = {name: f"FAILED: {reason}" for name, reason in setup.failures.items()}
        for name, handler in setup.handlers.items():
            error = check_handler(handler, current_app.logger)
            results[name] = "ok" if error is None else f"FAILED: {error}"
        for name, result in results.items():
            click.echo(f"{name}: {result}")
        sys.exit(1 if any(r != "ok" for r in results.values()) else 0)


def check_handler(handler: logging.Handler, logger: logging.Logger) -> str | None:
    """Emit a test record through handler now, on this thread, past the queue and the
    handler's level and filters (a throttle); return what went wrong."""
    record = logger.makeRecord(
        logger.name, logging.WARNING, __file__, 0, MESSAGE, (), None
    )
    assert isinstance(handler, ReportsFailures)  # as every handler of log/ is
    handler.error = None
    handler.emit(prepare(record))
    handler.flush()
    error = handler.error or handler.standing_error
    return None if error is None else f"{type(error).__name__}: {error}"
