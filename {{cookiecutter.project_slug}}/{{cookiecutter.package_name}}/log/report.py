"""What logging tells the operator about itself, straight to stderr.

These lines cannot go through the handlers: they are about the handlers. They have
the format of every other line (JSON in a JSON project), and the process id, so that
the lines of several workers sharing stderr stay apart.
"""

import logging
import os
import sys
import time

from .escape import escape_controls
from .formatters import line_formatter

LOGGER = __name__.rsplit(".", 1)[0]  # this package's logger name, e.g. "app.log"


class HandlerUnavailable(Exception):
    """A handler cannot start: it is left out, with this reason, once."""


def warn(message: str) -> None:
    """A problem the operator should know of, even when every handler is broken."""
    write(logging.WARNING, message)


def note(message: str) -> None:
    """Good news after a warning: a handler that works again."""
    write(logging.INFO, message)


def write(level: int, message: str) -> None:
    record = logging.makeLogRecord(
        {"name": LOGGER, "levelno": level, "levelname": logging.getLevelName(level),
         "msg": f"logging (pid {os.getpid()}): {escape_controls(message)}"}
    )  # fmt: skip
    write_records([record])


def write_records(records: list[logging.LogRecord]) -> None:
    """Each record in the line format, in one write (workers share stderr)."""
    formatter = line_formatter()
    text = "".join(formatter.format(record) + "\n" for record in records)
    try:
        sys.stderr.write(text)
        sys.stderr.flush()
    except (OSError, ValueError):
        pass  # stderr is closed or gone: there is nobody left to tell


class ReportsFailures(logging.Handler):
    """Mixed into a handler: a record it fails to write is counted, and said on stderr
    at once, then at most once a minute with a count, and when it works again.

    With `rest` (a network handler), a failure also rests the handler: the records
    of the next `rest` seconds are counted, not tried, and the rest doubles with each
    failure up to a minute. A backend that hangs then holds the logging thread for
    one timeout now and then, not for every record.
    """

    REPORT_INTERVAL = 60.0
    MAX_REST = 60.0
    destination = "-"  # where the handler writes, for the messages
    rest = 0.0
    rest_for = 0.0
    failed = 0  # records lost since the last report
    last_report = 0.0
    down_since: float | None = None
    resting_until = 0.0
    error: BaseException | None = None  # the last failure, for flask check-logging

    def handle(self, record: logging.LogRecord) -> bool:
        if self.down_since is not None and time.monotonic() < self.resting_until:
            self.failed += 1
            return False
        self.error = None
        handled = bool(super().handle(record))
        if self.error is None and self.down_since is not None:
            self.recovered()
        return handled

    def handleError(self, record: logging.LogRecord) -> None:
        # emit() calls this with the handler's lock held: no lock of our own.
        now = time.monotonic()
        self.error = sys.exc_info()[1] or Exception("the handler failed")
        self.failed += 1
        if self.down_since is None:
            self.down_since, self.last_report = now, 0.0
            self.rest_for = self.rest
        else:
            self.rest_for = min(self.rest_for * 2, self.MAX_REST)
        self.resting_until = now + self.rest_for
        if now - self.last_report >= self.REPORT_INTERVAL:
            self.report()

    def report(self) -> None:
        reason = f" ({type(self.error).__name__}: {self.error})" if self.error else ""
        warn(f"{self.failed} records could not be written to {self.destination}"
             f"{reason}; the app goes on, and says so again in a minute")  # fmt: skip
        self.failed, self.last_report = 0, time.monotonic()

    def recovered(self) -> None:
        seconds = time.monotonic() - (self.down_since or 0.0)
        lost = f"; {self.failed} more records were lost" if self.failed else ""
        note(f"{self.destination} works again after {seconds:.1f} s{lost}")
        self.failed, self.down_since = 0, None

    def close(self) -> None:
        """At exit, or when replaced: tell what was lost since the last report."""
        if self.failed:
            self.report()
        super().close()
