"""One JSON object per log line, through python-json-logger."""

import logging
from datetime import UTC, datetime

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

RENAMED = {"asctime": "time", "levelname": "level", "name": "logger",
           "source_file": "pathname", "source_line": "lineno"}  # fmt: skip
# What records.py adds for the handlers' own use; the rest of a record's own
# attributes (the request's, the error's, what a call passed in `extra`) follow.
INTERNAL = [
    "source_function",
    "error_summary",
    "error_place",
    "queued_size",
    "held_back",
]


class JsonLineFormatter(JsonFormatter):
    """The time (ISO 8601, UTC, with its offset), level, logger and message, then the
    record's own fields; "exc_info" holds a traceback."""

    def __init__(self) -> None:
        super().__init__(
            ["asctime", "levelname", "name", "message"],
            rename_fields=RENAMED,
            reserved_attrs=[*RESERVED_ATTRS, *INTERNAL],
        )

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, UTC).isoformat(
            timespec="milliseconds"
        )
