"""One mail per error per window for the whole host: a burst is one mail, not 500.

The workers share marks in a folder (the instance folder's mail-throttle/): one file
per error and window, which one process creates, the one that mails it; the others
append a byte for each time they hold the error back, for the next mail to count.
Windows follow the clock: with 300 seconds, 12:00:00 to 12:04:59 is one.
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
        self.window, self.folder = window, folder
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as exc:
            warn(f"mail is not throttled: cannot make {folder} ({exc})")
            self.window = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if self.window <= 0:
            return True
        # The error's type and innermost place in the project (records.py), else the
        # logging call: a library line, or a message's values, do not make errors
        # the same or different.
        name = getattr(record, "error_place", f"{record.pathname}:{record.lineno}")
        key = hashlib.sha256(name.encode("utf-8", "replace")).hexdigest()[:24]
        window = int(time.time() // self.window)
        mark = os.path.join(self.folder, f"{key}.{window}")
        try:
            try:
                os.close(os.open(mark, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
            except FileNotFoundError:  # the folder was removed (a cleanup): again
                os.makedirs(self.folder, exist_ok=True)
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
