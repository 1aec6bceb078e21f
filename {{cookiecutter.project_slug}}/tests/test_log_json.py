"""JSON log lines: one object per line, whatever the text of a record."""

import json
import logging
import re
from datetime import UTC, datetime

from {{ cookiecutter.package_name }}.log.console import build_console_handler
from {{ cookiecutter.package_name }}.log.formatters import line_formatter
from {{ cookiecutter.package_name }}.log.records import prepare
from {{ cookiecutter.package_name }}.log.report import note, warn

from .conftest import logged


def json_lines(err):
    """Every line is a JSON object, strictly: no lone surrogate, no control."""
    lines = err.splitlines()
    for line in lines:
        line.encode("utf-8")
        assert line.isprintable()
    return [json.loads(line) for line in lines]


def test_every_line_is_one_object_with_the_request(app, capsys):
    # pytest's log capture keeps the raw text, which pytest-xdist cannot send on.
    app.logger.propagate = False

    @app.route("/_test/logs")
    def logs_two_lines():
        app.logger.warning("line one\nline two \ud800", extra={"order": 7})
        return "ok"

    response = app.test_client().get("/_test/logs?x=1")
    logged(app)
    (record,) = json_lines(capsys.readouterr().err)
    assert record["message"] == "line one\\nline two \\ud800"
    assert record["level"] == "WARNING"
    assert record["request_id"] == response.headers["X-Request-ID"]
    assert (record["method"], record["path"]) == ("GET", "/_test/logs")
    assert record["order"] == 7  # what the call passed in `extra`
    assert "error_type" not in record
    assert not {"queued_size", "error_summary", "held_back"} & set(record)


def test_the_traceback_is_inside_the_object(app, capsys):
    try:
        raise ValueError("bad")
    except ValueError:
        with app.app_context():
            app.logger.exception("failed")
    logged(app)
    (record,) = json_lines(capsys.readouterr().err)
    assert record["exc_info"].endswith("ValueError: bad")
    assert record["error_type"] == "ValueError"
    assert record["request_id"] == "-"
    # The record names the line that raised, not the logging call.
    this_test = test_the_traceback_is_inside_the_object.__code__
    assert (record["pathname"], record["lineno"]) == (
        __file__, this_test.co_firstlineno + 2,
    )  # fmt: skip


def test_the_time_is_iso_8601_utc_with_its_offset():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "timed", None, None)
    record.created = 1764064800.123456  # 2025-11-25 10:00:00.123 UTC
    line = json.loads(line_formatter().format(prepare(record)))
    assert line["time"] == "2025-11-25T10:00:00.123+00:00"


def test_the_time_of_a_live_record_is_now(app, capsys):
    with app.app_context():
        app.logger.warning("now")
    logged(app)
    (line,) = json_lines(capsys.readouterr().err)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line["time"])
    logged_at = datetime.fromisoformat(line["time"])
    assert abs((datetime.now(UTC) - logged_at).total_seconds()) < 60


def test_what_logging_says_of_itself_is_json_too(capsys):
    warn("a handler failed \x1b[2J")
    note("it works again")
    warning, news = json_lines(capsys.readouterr().err)
    assert (warning["level"], news["level"]) == ("WARNING", "INFO")
    assert warning["logger"] == "{{ cookiecutter.package_name }}.log"
    assert warning["message"].endswith("): a handler failed \\x1b[2J")
    assert "request_id" not in warning  # about no request


def test_the_development_console_stays_readable(app):
    app.debug = True
    handler = build_console_handler(app)
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "readable", None, None)
    assert not handler.format(prepare(record)).startswith("{")
