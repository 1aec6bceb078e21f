"""One JSON object per log line, through python-json-logger."""

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


def json_formatter():
    return JsonFormatter(
        JSON_FIELDS,
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
    )
