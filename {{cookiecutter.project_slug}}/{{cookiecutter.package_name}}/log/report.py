"""What logging says about itself, straight to stderr: not through the handlers it
is about. In the line format (JSON in a JSON project), with the process id, so that
the lines of workers sharing stderr stay apart."""

import logging
import os
import sys
import time

from .escape import escape_controls
from .formatters import line_formatter

LOGGER = __name__.rsplit(".", 1)[0]  # this package's logger name
REPORT_INTERVAL = 60.0  # seconds between two reports of what a sink or a queue lost
MAX_REST = 60.0  # seconds a network handler rests after failures, at most
GOING_ON = "the app goes on, and says so again in a minute"


class HandlerUnavailable(Exception):
    """A handler cannot start: it is left out, with this reason, once."""


def warn(message: str) -> None:
    write(logging.WARNING, message)


def note(message: str) -> None:
    """Good news after a warning: a handler that works again."""
    write(logging.INFO, message)


def write(level: int, message: str) -> None:
    message = f"logging (pid {os.getpid()}): {escape_controls(message)}"
    write_records([logging.makeLogRecord({"name": LOGGER, "msg": message,
        "levelno": level, "levelname": logging.getLevelName(level)})])  # fmt: skip


def write_records(records: list[logging.LogRecord]) -> None:
    """Each record as a log line, in one write (workers share stderr)."""
    text = "".join(line_formatter().format(record) + "\n" for record in records)
    try:
        sys.stderr.write(text)
        sys.stderr.flush()
    except (OSError, ValueError):
        pass  # stderr is closed or gone: there is nobody left to tell


class ReportsFailures(logging.Handler):
    """Mixed into a handler: a record it cannot write is counted, and told on stderr
    at once, then at most once a minute with a count, and when it works again.

    A network handler sets `rest`: after a failure, it tries nothing for that many
    seconds (twice as long after each failure, up to a minute) and counts what it
    skips. A backend that hangs then holds the logging thread for one timeout now
    and then, not one for every record.
    """

    destination = "-"  # where the handler writes, for the messages
    rest = rest_for = resting_until = 0.0
    last_report = float("-inf")  # the first failure is told at once, however early
    failed = 0  # records lost since the last report
    down_since: float | None = None
    error: BaseException | None = None  # the last failure, for flask check-logging
    # One that loses no record but lasts (a file it cannot rename): for it too.
    standing_error: BaseException | None = None

    def handle(self, record: logging.LogRecord) -> bool:
        if self.down_since is not None and time.monotonic() < self.resting_until:
            self.failed += 1
            self.skipped(record)
            return False
        error, self.error = self.error, None
        handled = bool(super().handle(record))
        if not handled:  # a filter held it back: nothing was tried
            self.error = error
        if handled and self.error is None and self.down_since is not None:
            seconds = time.monotonic() - self.down_since
            lost = f"; {self.failed} more records were lost" if self.failed else ""
            note(f"{self.destination} works again after {seconds:.1f} s{lost}")
            self.failed, self.down_since = 0, None
        return handled

    def skipped(self, record: logging.LogRecord) -> None:
        """A record not tried while the handler rests: it is lost, as if it failed."""

    def handleError(self, record: logging.LogRecord) -> None:
        now = time.monotonic()
        self.error = sys.exc_info()[1] or Exception("the handler failed")
        self.failed += 1
        if self.down_since is None:
            self.down_since, self.rest_for = now, self.rest
            self.last_report = float("-inf")  # a new outage is told at once
        else:
            self.rest_for = min(self.rest_for * 2, MAX_REST)
        self.resting_until = now + self.rest_for
        if now - self.last_report >= REPORT_INTERVAL:
            self.report()

    def report(self, outlook: str = GOING_ON) -> None:
        reason = f" ({type(self.error).__name__}: {self.error})" if self.error else ""
        warn(f"{self.failed} records could not be written to {self.destination}"
             f"{reason}; {outlook}")  # fmt: skip
        self.failed, self.last_report = 0, time.monotonic()

    def close(self) -> None:
        """At exit: tell what was lost since the last report."""
        if self.failed:
            self.report("logging has stopped")
        super().close()
