"""JSON log lines: one object per line with the request context."""

import json
import logging

from {{ cookiecutter.package_name }}.log.console import build_console_handler


def test_console_writes_one_json_object_per_line(app, client, capsys):
    @app.route("/hello")
    def hello():
        app.logger.warning("line one\nline two")
        return "ok"

    response = client.get("/hello?x=1")
    lines = [line for line in capsys.readouterr().err.splitlines() if line]
    record = json.loads(lines[-1])
    assert record["message"] == "line one\nline two"
    assert record["level"] == "WARNING"
    assert record["request_id"] == response.headers["X-Request-ID"]
    assert record["path"] == "/hello"
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


def test_development_console_stays_readable(app):
    app.debug = True
    handler = build_console_handler(app)
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "readable", None, None)
    for field in ("request_id", "method", "path", "remote_addr", "user"):
        setattr(record, field, "-")
    assert not handler.format(record).startswith("{")
