"""One JSON object per log line, through python-json-logger, with the field names of
the platform that reads the lines (LOG_SCHEMA): the project's own, Elastic's,
OpenTelemetry's or Google Cloud Logging's.

A dotted name is written flat, as one key ("log.level"), which Elastic and
OpenTelemetry read as they read nested objects; Cloud Logging's few objects
(sourceLocation, httpRequest, labels) are objects.
"""

import logging
import os
from datetime import UTC, datetime
from typing import Any, ClassVar

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from .records import traceback_text

# What records.py adds for the handlers' own use, left out unless a schema names it;
# the rest of a record's own attributes (the request's, the error's, what a call
# passed in `extra`) follow the standard fields.
INTERNAL = [
    "source_function",
    "error_summary",
    "error_place",
    "error_message",
    "queued_size",
    "held_back",
]
ECS_VERSION = "8.11.0"
# OpenTelemetry's severity numbers, and Cloud Logging's severities, of the lowest
# level each begins at.
SEVERITY_NUMBERS = {50: 21, 40: 17, 30: 13, 20: 9, 10: 5, 0: 1}
GCP_SEVERITY = {50: "CRITICAL", 40: "ERROR", 30: "WARNING", 20: "INFO", 10: "DEBUG"}


def severity(levels: dict[int, Any], levelno: int, lowest: Any) -> Any:
    """The value levels gives the highest level at or below levelno."""
    return next((v for level, v in levels.items() if levelno >= level), lowest)


class JsonLineFormatter(JsonFormatter):
    """native: the time (ISO 8601, UTC, with its offset), level, logger and message,
    then the record's own fields; "exc_info" holds a traceback."""

    # A record's field: its name in the line. A field not named keeps its own.
    names: ClassVar[dict[str, str]] = {
        "asctime": "time",
        "levelname": "level",
        "name": "logger",
        "source_file": "pathname",
        "source_line": "lineno",
    }
    # The objects of the line: their fields, by their names there.
    objects: ClassVar[dict[str, dict[str, str]]] = {}

    def __init__(self) -> None:
        shown = {*self.names, *(f for fields in self.objects.values() for f in fields)}
        super().__init__(
            ["asctime", "levelname", "name", "message"],
            rename_fields=self.names,
            reserved_attrs=[*RESERVED_ATTRS, *(f for f in INTERNAL if f not in shown)],
        )

    def formatException(self, ei: Any) -> str:
        """The traceback of a record that was not prepared (gunicorn's)."""
        return traceback_text(ei[1])

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, UTC).isoformat(
            timespec="milliseconds"
        )


class PlatformFormatter(JsonLineFormatter):
    """A platform's schema: a field without a value ("-") is left out, fields move
    into the schema's objects, and finish() writes what a new name is not enough
    for (the level's)."""

    def add_fields(
        self,
        log_data: dict[str, Any],
        record: logging.LogRecord,
        message_dict: dict[str, Any],
    ) -> None:
        super().add_fields(log_data, record, message_dict)
        for key in [k for k, value in log_data.items() if value == "-"]:
            del log_data[key]
        for name, fields in self.objects.items():
            found = {key: log_data.pop(f) for f, key in fields.items() if f in log_data}
            if found:
                log_data[name] = found
        self.finish(log_data, record)

    def finish(self, log_data: dict[str, Any], record: logging.LogRecord) -> None:
        pass


class EcsFormatter(PlatformFormatter):
    """ecs: the Elastic Common Schema, which Elasticsearch and Kibana read."""

    names: ClassVar[dict[str, str]] = {
        "asctime": "@timestamp",
        "levelname": "log.level",
        "name": "log.logger",
        "source_file": "log.origin.file.name",
        "source_line": "log.origin.file.line",
        "source_function": "log.origin.function",
        "error_type": "error.type",
        "error_message": "error.message",
        "exc_info": "error.stack_trace",
        "trace_id": "trace.id",
        "span_id": "span.id",
        "request_id": "http.request.id",
        "method": "http.request.method",
        "path": "url.path",
        "remote_addr": "client.ip",
        "user": "user.id",
        "status": "http.response.status_code",
    }

    def finish(self, log_data: dict[str, Any], record: logging.LogRecord) -> None:
        log_data["log.level"] = record.levelname.lower()
        log_data["ecs.version"] = ECS_VERSION


class OtelFormatter(PlatformFormatter):
    """otel: OpenTelemetry's log data model and attribute names, which its
    collectors read (the logger is the instrumentation scope, as OpenTelemetry's own
    Python handler makes it)."""

    names: ClassVar[dict[str, str]] = {
        "asctime": "timestamp",
        "levelname": "severity_text",
        "message": "body",
        "name": "scope.name",
        "source_file": "code.file.path",
        "source_line": "code.line.number",
        "source_function": "code.function.name",
        "error_type": "exception.type",
        "error_message": "exception.message",
        "exc_info": "exception.stacktrace",
        "method": "http.request.method",
        "path": "url.path",
        "remote_addr": "client.address",
        "user": "user.id",
        "status": "http.response.status_code",
    }

    def finish(self, log_data: dict[str, Any], record: logging.LogRecord) -> None:
        log_data["severity_number"] = severity(SEVERITY_NUMBERS, record.levelno, 1)


class GcpFormatter(PlatformFormatter):
    """gcp: Google Cloud Logging's special fields, which its agents read from a
    container's or a VM's lines. With GOOGLE_CLOUD_PROJECT set, the trace is named
    as Cloud Trace names it, which links the line to its trace."""

    names: ClassVar[dict[str, str]] = {
        "asctime": "time",
        "levelname": "severity",
        "exc_info": "stack_trace",
        "trace_id": "logging.googleapis.com/trace",
        "span_id": "logging.googleapis.com/spanId",
    }
    objects: ClassVar[dict[str, dict[str, str]]] = {
        "logging.googleapis.com/sourceLocation": {
            "source_file": "file",
            "source_line": "line",
            "source_function": "function",
        },
        "httpRequest": {
            "method": "requestMethod",
            "path": "requestUrl",
            "remote_addr": "remoteIp",
            "status": "status",
        },
        "logging.googleapis.com/labels": {
            "name": "python_logger",
            "request_id": "request_id",
        },
    }

    def finish(self, log_data: dict[str, Any], record: logging.LogRecord) -> None:
        log_data["severity"] = severity(GCP_SEVERITY, record.levelno, "DEFAULT")
        trace_id = log_data.get("logging.googleapis.com/trace")
        project = os.environ.get("GOOGLE_CLOUD_PROJECT")
        if trace_id and project:
            trace = f"projects/{project}/traces/{trace_id}"
            log_data["logging.googleapis.com/trace"] = trace


# LOG_SCHEMA's choices.
SCHEMAS: dict[str, type[JsonLineFormatter]] = {
    "native": JsonLineFormatter,
    "ecs": EcsFormatter,
    "otel": OtelFormatter,
    "gcp": GcpFormatter,
}
