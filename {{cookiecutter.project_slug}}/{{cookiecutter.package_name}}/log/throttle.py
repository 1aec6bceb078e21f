"""One mail per error per window: a burst of the same failure is one mail, not 500."""

import logging
import threading
import time
from collections.abc import Callable, Hashable


class Throttle:
    """Let one record per error (type and place it was raised) through per window.

    allow() returns None for a record to hold back, else how many of the same error
    were held back before it. A window of 0 lets everything through.
    """

    MAX_KEYS = 4096

    def __init__(
        self, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.window = window
        self.clock = clock
        # key -> (time of the last mail, records held back since)
        self._seen: dict[Hashable, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def allow(self, record: logging.LogRecord) -> int | None:
        if self.window <= 0:
            return 0
        key = throttle_key(record)
        now = self.clock()
        with self._lock:
            last, held = self._seen.get(key, (None, 0))
            if last is not None and now - last < self.window:
                self._seen[key] = (last, held + 1)
                return None
            if len(self._seen) >= self.MAX_KEYS:
                self._forget_older_than(now - self.window)
            self._seen[key] = (now, 0)
        return held

    def _forget_older_than(self, cutoff: float) -> None:
        for key in [k for k, (last, _) in self._seen.items() if last < cutoff]:
            del self._seen[key]


def throttle_key(record: logging.LogRecord) -> Hashable:
    """The error's type and the place it was raised (the context filter put that
    place on the record), or the place and message of a record without one."""
    if record.exc_info:
        return (record.exc_info[0], record.pathname, record.lineno)
    return (None, record.pathname, record.lineno, str(record.msg))
