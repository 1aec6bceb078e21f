"""One JSON object per log line, through python-json-logger."""

import logging
from datetime import UTC, datetime

from pythonjsonlogger.json import JsonFormatter

JSON_FIELDS = (
    "asctime",
    "levelname",
    "name",
    "message",
    "request_id",
    "method",
    "path",
    "remote_addr",
    "user",
    "pathname",
    "lineno",
)


class JsonLineFormatter(JsonFormatter):
    """JSON_FIELDS, with the time in ISO 8601, UTC, with its offset."""

    def __init__(self) -> None:
        super().__init__(
            JSON_FIELDS,
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        created = datetime.fromtimestamp(record.created, UTC)
        return created.isoformat(timespec="milliseconds")
