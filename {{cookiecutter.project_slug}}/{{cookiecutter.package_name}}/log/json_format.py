"""One JSON object per log line, through python-json-logger."""

import logging
from datetime import UTC, datetime
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from .records import FIELD_DEFAULTS

JSON_FIELDS = (
    "asctime", "levelname", "name", "message", "request_id", "method", "path",
    "remote_addr", "user", "source_file", "source_line", "error_type",
)  # fmt: skip
RENAMED = {"asctime": "time", "levelname": "level", "name": "logger",
           "source_file": "pathname", "source_line": "lineno"}  # fmt: skip
# What records.py adds for the handlers' own use, not for the line.
INTERNAL = [
    "source_function",
    "error_summary",
    "error_place",
    "queued_size",
    "held_back",
]


class JsonLineFormatter(JsonFormatter):
    """JSON_FIELDS, the time in ISO 8601, UTC, with its offset, and what a logging
    call passed in `extra`. "exc_info" holds the traceback, and "error_type" its
    exception's class, when there is one."""

    def __init__(self) -> None:
        super().__init__(
            JSON_FIELDS,
            rename_fields=RENAMED,
            reserved_attrs=[*RESERVED_ATTRS, *INTERNAL],
        )

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        for field, default in FIELD_DEFAULTS.items():
            name = RENAMED.get(field, field)
            if name in log_data and log_data[name] is None:
                log_data[name] = default
        if log_data.get("error_type") is None:
            log_data.pop("error_type", None)
        return log_data

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        created = datetime.fromtimestamp(record.created, UTC)
        return created.isoformat(timespec="milliseconds")
