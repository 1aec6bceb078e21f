"""JSON log lines: one object per line with the request context."""

import json
import logging
import re
from datetime import UTC, datetime

from {{ cookiecutter.package_name }}.log.console import build_console_handler
from {{ cookiecutter.package_name }}.log.context import RequestContextFilter
from {{ cookiecutter.package_name }}.log.formatters import line_formatter


def test_console_writes_one_json_object_per_line(app, client, capsys):
    @app.route("/_test/logs")
    def logs_two_lines():
        app.logger.warning("line one\nline two")
        return "ok"

    client.get("/_test/logs?x=1")
    lines = [line for line in capsys.readouterr().err.splitlines() if line]
    record = json.loads(lines[-1])
    assert record["message"] == "line one\nline two"
    assert record["level"] == "WARNING"
    assert record["path"] == "/_test/logs"
    assert record["method"] == "GET"


def test_json_traceback_is_inside_the_object(app, capsys):
    try:
        raise ValueError("bad")
    except ValueError:
        with app.app_context():
            app.logger.exception("failed")
    record = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert "ValueError: bad" in record["exc_info"]
    assert record["request_id"] == "-"
    # The record names the line that raised, not the logging call.
    this_test = test_json_traceback_is_inside_the_object.__code__
    assert (record["pathname"], record["lineno"]) == (
        __file__,
        this_test.co_firstlineno + 2,
    )


def test_json_time_is_iso_8601_utc_with_offset():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "timed", None, None)
    record.created = 1764064800.123456  # 2025-11-25 10:00:00.123 UTC
    RequestContextFilter().filter(record)
    line = json.loads(line_formatter().format(record))
    assert line["time"] == "2025-11-25T10:00:00.123+00:00"


def test_json_time_of_a_live_record_is_now(app, capsys):
    with app.app_context():
        app.logger.warning("now")
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line["time"])
    logged = datetime.fromisoformat(line["time"])
    assert abs((datetime.now(UTC) - logged).total_seconds()) < 60


def test_development_console_stays_readable(app):
    app.debug = True
    handler = build_console_handler(app)
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "readable", None, None)
    RequestContextFilter().filter(record)
    assert not handler.format(record).startswith("{")
