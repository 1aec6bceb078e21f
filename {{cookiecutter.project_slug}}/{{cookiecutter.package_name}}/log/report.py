"""What the logging setup tells the operator directly, on stderr.

These messages cannot go through logging: they are about logging itself.
"""

import logging
import os
import sys
import time


class HandlerUnavailable(Exception):
    """A handler cannot start: init_logging warns once with this reason and goes on."""


def warn(message: str) -> None:
    """A problem the operator should know about, even when every handler is broken."""
    write("WARNING", message)


def note(message: str) -> None:
    """Good news after a warning, such as a server that is reachable again."""
    write("NOTE", message)


def write(kind: str, message: str) -> None:
    """One write per message, tagged with the process id.

    The workers of one server share stderr: their messages must not merge into each
    other's lines.
    """
    text = f"{kind}: logging (pid {os.getpid()}): {message}\n"
    try:
        sys.stderr.write(text)
        sys.stderr.flush()
    except (OSError, ValueError):
        pass  # stderr is closed or gone: there is nobody left to tell


class ReportsFailures(logging.Handler):
    """Mixed into a handler that writes locally (to a file, say): a record it
    cannot write is counted, and the count is told on stderr at most once per
    REPORT_INTERVAL seconds, instead of logging's traceback for every record."""

    REPORT_INTERVAL = 60.0
    destination = "-"  # where the handler writes, for the message
    failures = 0
    last_report: float | None = None

    def handleError(self, record: logging.LogRecord) -> None:
        # emit() calls this with the handler's lock held: no lock of our own.
        now = time.monotonic()
        self.failures += 1
        if self.last_report is not None and now - self.last_report < (
            self.REPORT_INTERVAL
        ):
            return
        failures, self.failures, self.last_report = self.failures, 0, now
        self.report_failures(failures, sys.exc_info()[1])

    def report_failures(self, failures: int, exc: BaseException | None = None) -> None:
        reason = "" if exc is None else f" ({type(exc).__name__}: {exc})"
        warn(
            f"{failures} records could not be written to {self.destination}{reason}; "
            "the app goes on and tells again in a minute if writing still fails"
        )

    def close(self) -> None:
        """At exit, or when replaced: tell what failed since the last report."""
        if self.failures:
            failures, self.failures = self.failures, 0
            self.report_failures(failures)
        super().close()
