"""`flask check-logging`: one test record through every configured handler, now."""

import logging
import sys

import click
from flask import Flask, current_app

from .context import RequestContextFilter

MESSAGE = "Test record from `flask check-logging`; no action needed."


def register_check_command(app: Flask) -> None:
    @app.cli.command("check-logging")
    def check_logging() -> None:
        """Send a test record through each log handler and report which ones work.

        A handler whose setting is present but which could not start is reported as
        failed too. The exit status is 1 if any failed.
        """
        results = {
            name: f"FAILED: {reason}"
            for name, reason in current_app.extensions["log_failures"].items()
        }
        for handler in current_app.extensions["log_handlers"]:
            error = check_handler(handler, current_app.logger)
            results[handler.name] = (
                "ok" if error is None else f"FAILED: {type(error).__name__}: {error}"
            )
        for name, result in results.items():
            click.echo(f"{name}: {result}")
        sys.exit(1 if any(r != "ok" for r in results.values()) else 0)


def check_handler(
    handler: logging.Handler, logger: logging.Logger
) -> BaseException | None:
    """Emit a test record through handler now; return what went wrong, or None.

    A handler with a background thread delivers the record on this thread instead,
    so the answer comes before the command ends.
    """
    record = logger.makeRecord(
        logger.name, logging.WARNING, __file__, 0, MESSAGE, (), None
    )
    RequestContextFilter().filter(record)
    check = getattr(handler, "check", None)  # a handler with a background thread
    if check is not None:
        error: BaseException | None = check(record)
        return error
    errors: list[BaseException | None] = []
    # Handlers hand their failures to handleError instead of raising: catch them there.
    handler.handleError = (  # type: ignore[method-assign]
        lambda record: errors.append(sys.exc_info()[1])
    )
    try:
        handler.handle(record)
        handler.flush()
    finally:
        del handler.handleError
    return errors[0] if errors else None
