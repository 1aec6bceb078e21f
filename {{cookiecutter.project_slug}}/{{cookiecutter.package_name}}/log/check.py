"""`flask check-logging`: one test record through every configured handler, now."""

import logging
import sys

import click
from flask import current_app

from .context import RequestContextFilter


def register_check_command(app):
    @app.cli.command("check-logging")
    def check_logging():
        """Send a test record through each log handler and report which ones work."""
        failed = 0
        for handler in current_app.extensions["log_handlers"]:
            error = check_handler(handler, current_app.logger)
            failed += error is not None
            click.echo(
                f"{handler.name}: " + ("ok" if error is None else f"FAILED: {error}")
            )
        sys.exit(1 if failed else 0)


def check_handler(handler, logger):
    """Emit a test record through handler now; return what went wrong, or None.

    A queued handler (mail) is checked through the handler behind its queue, so the
    answer comes before the command ends.
    """
    target = getattr(handler, "target", handler)
    record = logger.makeRecord(
        logger.name,
        logging.WARNING,
        __file__,
        0,
        "Test record from `flask check-logging`; no action needed.",
        None,
        None,
    )
    RequestContextFilter().filter(record)
    errors = []
    # Handlers hand their failures to handleError instead of raising: catch them there.
    target.handleError = lambda record: errors.append(sys.exc_info()[1])
    try:
        target.handle(record)
        target.flush()
    finally:
        del target.handleError
    if not errors:
        return None
    return f"{type(errors[0]).__name__}: {errors[0]}"
