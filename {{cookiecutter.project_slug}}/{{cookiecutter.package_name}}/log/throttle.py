"""One mail per error per window for the whole host: a burst is one mail, not 500.

The workers of a server share what they know through marks in a folder (the instance
folder's mail-throttle/): one file per error and window, which exactly one process can
create, the one that mails it. The others append a byte for each time they hold the
error back, which the next mail of that error counts. Windows follow the clock: with a
window of 300 seconds, an error is mailed at most once between 12:00:00 and 12:04:59.
"""

import contextlib
import hashlib
import logging
import os
import time

from .report import warn


class MailThrottle(logging.Filter):
    """Let one record per error and window through; a window of 0 lets all through."""

    MAX_MARKS = 4096  # files kept in the folder at most: the oldest go first

    def __init__(self, folder: str, window: float) -> None:
        super().__init__()
        self.window = window
        self.folder = folder
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as exc:
            warn(f"mail is not throttled: cannot make {folder} ({exc})")
            self.window = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if self.window <= 0:
            return True
        # The error's type and its innermost place in the project's code (records.py),
        # else the line that logged it: a library line shared by many errors, or the
        # values in a message, do not make errors the same or different.
        error = getattr(record, "error_place", None)
        name = error or f"{record.name} at {record.pathname}:{record.lineno}"
        key = hashlib.sha256(name.encode("utf-8", "replace")).hexdigest()[:24]
        window = int(time.time() // self.window)
        mark = os.path.join(self.folder, f"{key}.{window}")
        try:
            os.close(os.open(mark, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
        except FileExistsError:
            with contextlib.suppress(OSError), open(mark, "ab") as held:
                held.write(b".")
            return False
        except OSError:
            return True  # no mark can be made: better a mail too many than none
        record.held_back = self.clear_earlier(key, window)
        return True

    def clear_earlier(self, key: str, window: int) -> int:
        """Remove this error's marks of earlier windows (and the oldest marks beyond
        MAX_MARKS); return how many times those held it back."""
        held, marks = 0, []
        with contextlib.suppress(OSError), os.scandir(self.folder) as entries:
            for entry in entries:
                name, _, number = entry.name.rpartition(".")
                if name == key and number.isdigit() and int(number) < window:
                    with contextlib.suppress(OSError):
                        held += entry.stat().st_size
                        os.remove(entry.path)
                elif number.isdigit():
                    marks.append((int(number), entry.path))
        for _, path in sorted(marks)[: max(0, len(marks) - self.MAX_MARKS)]:
            with contextlib.suppress(OSError):
                os.remove(path)
        return held
