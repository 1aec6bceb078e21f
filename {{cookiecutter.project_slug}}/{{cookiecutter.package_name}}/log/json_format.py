"""One JSON object per log line, through python-json-logger."""

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

    def __init__(self):
        super().__init__(
            JSON_FIELDS,
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )

    def formatTime(self, record, datefmt=None):
        created = datetime.fromtimestamp(record.created, UTC)
        return created.isoformat(timespec="milliseconds")
