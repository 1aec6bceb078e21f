"""One JSON object per log line, through python-json-logger."""

import logging
from datetime import UTC, datetime

from pythonjsonlogger.json import JsonFormatter

from .tracebacks import ExcInfo, format_exc_info

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

    def format(self, record: logging.LogRecord) -> str:
        if record.exc_info and record.exc_text:
            # The traceback is formatted already (see context.py): python-json-logger
            # would format it again, unless the record it sees has none to format.
            record = logging.makeLogRecord({**record.__dict__, "exc_info": None})
        return super().format(record)

    def formatException(self, ei: ExcInfo) -> str:
        return format_exc_info(ei)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        created = datetime.fromtimestamp(record.created, UTC)
        return created.isoformat(timespec="milliseconds")
