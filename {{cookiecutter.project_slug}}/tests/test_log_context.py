import logging
import sys

from flask import g

from {{ cookiecutter.package_name }}.log.context import (
    CONTEXT_FIELDS,
    RequestContextFilter,
    escape_line_breaks,
)
from {{ cookiecutter.package_name }}.log.formatters import TextFormatter


def make_record(msg="hello", args=None, exc_info=None):
    return logging.LogRecord("test", logging.ERROR, __file__, 10, msg, args, exc_info)


def test_filter_outside_any_context_fills_dashes():
    record = make_record()
    assert RequestContextFilter().filter(record) is True
    assert [getattr(record, field) for field in CONTEXT_FIELDS] == ["-"] * 5


def test_filter_inside_app_context_without_request_fills_dashes(app):
    record = make_record()
    with app.app_context():
        RequestContextFilter().filter(record)
    assert record.request_id == "-"
    assert record.path == "-"


def test_filter_inside_request(app):
    record = make_record()
    headers = {"X-Request-ID": "req-42"}
    environ = {"REMOTE_ADDR": "203.0.113.9"}
    with app.test_request_context(
        "/orders/7", method="POST", headers=headers, environ_base=environ
    ):
        g.user = "alice"
        RequestContextFilter().filter(record)
    assert record.request_id == "req-42"
    assert record.method == "POST"
    assert record.path == "/orders/7"
    assert record.remote_addr == "203.0.113.9"
    assert record.user == "alice"


def test_values_given_in_extra_are_kept_and_the_rest_filled(app):
    record = make_record()
    record.request_id = "from-extra"
    with app.test_request_context("/orders/7"):
        for _ in range(2):  # one filter per handler: the second changes nothing
            RequestContextFilter().filter(record)
    assert record.request_id == "from-extra"
    assert record.path == "/orders/7"
    assert len(TextFormatter().format(record).splitlines()) == 1


def test_filter_escapes_request_values(app):
    record = make_record()
    with app.test_request_context("/a%0d%0aINFO forged%0aline"):
        RequestContextFilter().filter(record)
    assert "\n" not in record.path
    assert "\r" not in record.path
    assert record.path == "/a\\r\\nINFO forged\\nline"


def test_escape_line_breaks_covers_every_line_separator():
    text = "a\nb\rc\x0bd\x0ce\x1cf\x85g\u2028h\u2029i\x00j"
    assert escape_line_breaks(text).splitlines() == [escape_line_breaks(text)]
    assert escape_line_breaks("plain text") == "plain text"


def test_text_line_escapes_logged_arguments():
    record = make_record("user said %s", ("hi\n2026-01-01 ERROR forged",))
    RequestContextFilter().filter(record)
    line = TextFormatter().format(record)
    assert len(line.splitlines()) == 1
    assert "hi\\n2026-01-01 ERROR forged" in line
    assert f"[in {__file__}:10]" in line


def test_text_traceback_escapes_exception_message():
    try:
        raise ValueError("bad value\n2026-01-01 00:00:00 INFO forged record")
    except ValueError:
        record = make_record("failed", exc_info=sys.exc_info())
    RequestContextFilter().filter(record)
    lines = TextFormatter().format(record).splitlines()
    assert lines[1] == "Traceback (most recent call last):"
    assert lines[-1] == "ValueError: bad value\\n2026-01-01 00:00:00 INFO forged record"
    assert not any(line.startswith("2026-01-01") for line in lines)


def test_log_records_in_a_request_carry_its_id(app, client, capsys):
    @app.route("/hello")
    def hello():
        app.logger.warning("inside the view")
        return "ok"

    response = client.get("/hello")
    err = capsys.readouterr().err
    line = next(line for line in err.splitlines() if "inside the view" in line)
    assert response.headers["X-Request-ID"] in line
    assert "/hello" in line


def test_other_libraries_loggers_get_the_handlers(app, capsys):
    logging.getLogger("sqlalchemy").error("from a library")
    assert "from a library" in capsys.readouterr().err
