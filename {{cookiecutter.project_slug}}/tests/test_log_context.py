import logging
import sys

import pytest
from flask import g

from {{ cookiecutter.package_name }}.log.context import CONTEXT_FIELDS, RequestContextFilter
from {{ cookiecutter.package_name }}.log.escape import escape_controls
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


def test_escape_controls_covers_every_line_separator():
    text = "a\nb\rc\x0bd\x0ce\x1cf\x85g\u2028h\u2029i\x00j"
    assert escape_controls(text).splitlines() == [escape_controls(text)]
    assert escape_controls("plain text, café, 東京") == "plain text, café, 東京"


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("\x1b[31mred", "\\x1b[31mred"),  # a terminal escape sequence
        ("\x9b31mred", "\\x9b31mred"),  # the same, as a C1 control
        ("\x7f\x80\x9f", "\\x7f\\x80\\x9f"),
        ("txt.exe\u202egnp", "txt.exe\\u202egnp"),  # shows as "txt.exepng"
        ("\u202a\u202b\u202c\u202d", "\\u202a\\u202b\\u202c\\u202d"),
        ("\u2066\u2067\u2068\u2069", "\\u2066\\u2067\\u2068\\u2069"),
    ],
)
def test_escape_controls_covers_c1_and_bidi_controls(raw, escaped):
    assert escape_controls(raw) == escaped


def test_text_line_escapes_logged_arguments():
    record = make_record("user said %s", ("hi\n2026-01-01 ERROR forged\u202e",))
    RequestContextFilter().filter(record)
    line = TextFormatter().format(record)
    assert len(line.splitlines()) == 1
    assert "hi\\n2026-01-01 ERROR forged\\u202e" in line
    assert f"[in {__file__}:10]" in line


def test_text_traceback_escapes_exception_message():
    try:
        raise ValueError("bad value\n2026-01-01 00:00:00 INFO forged\x9b record")
    except ValueError:
        record = make_record("failed", exc_info=sys.exc_info())
    RequestContextFilter().filter(record)
    lines = TextFormatter().format(record).splitlines()
    assert lines[1] == "Traceback (most recent call last):"
    assert lines[-1] == (
        "ValueError: bad value\\n2026-01-01 00:00:00 INFO forged\\x9b record"
    )
    assert not any(line.startswith("2026-01-01") for line in lines)


def raise_here():
    raise KeyError("missing")


def test_a_logged_exception_points_at_the_line_that_raised():
    try:
        raise_here()
    except KeyError:
        record = make_record("failed", exc_info=sys.exc_info())
    RequestContextFilter().filter(record)
    raise_line = raise_here.__code__.co_firstlineno + 1
    assert (record.pathname, record.lineno) == (__file__, raise_line)
    assert record.funcName == "raise_here"
    assert record.module == "test_log_context"
    line = TextFormatter().format(record).splitlines()[0]
    assert line.endswith(f"[in {__file__}:{raise_line}]")


def test_a_record_without_exception_keeps_its_call_site():
    record = make_record()
    RequestContextFilter().filter(record)
    assert (record.pathname, record.lineno) == (__file__, 10)


def test_unhandled_error_in_a_view_names_the_view(app, client, log_records):
    @app.route("/_test/raises")
    def raises_in_the_view():
        raise RuntimeError("from the view")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    client.get("/_test/raises")
    (error,) = [r for r in log_records if r.levelno == logging.ERROR]
    assert (error.pathname, error.funcName) == (__file__, "raises_in_the_view")
    assert error.lineno == raises_in_the_view.__code__.co_firstlineno + 2


def test_a_log_line_carries_the_request_id_of_the_response(app, client, capsys):
    @app.route("/_test/logs")
    def logs_in_the_view():
        app.logger.warning("inside the view")
        return "ok"

    response = client.get("/_test/logs")
    err = capsys.readouterr().err
    line = next(line for line in err.splitlines() if "inside the view" in line)
    assert response.headers["X-Request-ID"] in line
    assert "/_test/logs" in line


def test_other_libraries_loggers_get_the_handlers(app, capsys):
    logging.getLogger("sqlalchemy").error("from a library")
    assert "from a library" in capsys.readouterr().err
