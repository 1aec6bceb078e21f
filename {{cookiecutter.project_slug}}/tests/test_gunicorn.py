"""The project's gunicorn.conf.py: its settings, and its logger class."""

import io
{%- if cookiecutter.log_format == "json" %}
import json
{%- endif %}
import logging
import os
import runpy
from datetime import timedelta
from types import SimpleNamespace

import pytest

from {{ cookiecutter.package_name }}.request_id import ENVIRON_KEY as REQUEST_ID_KEY
{%- if cookiecutter.use_opentelemetry %}
from {{ cookiecutter.package_name }}.tracing.ids import IDS_KEY
{%- endif %}

from .conftest import PROJECT_ROOT, readable

gunicorn_config = pytest.importorskip(
    "gunicorn.config", reason="gunicorn does not run on Windows"
)


def gunicorn_settings():
    """What the project's gunicorn.conf.py defines, run as gunicorn runs it."""
    return runpy.run_path(str(PROJECT_ROOT / "gunicorn.conf.py"))


def access_line(capsys, path, request_id="-", status="404 NOT FOUND", **more):
    """What the project's logger class writes for one request gunicorn answered;
    more: the request's other WSGI environment entries."""
    config = gunicorn_config.Config()
    config.set("accesslog", gunicorn_settings()["accesslog"])
    logger = gunicorn_settings()["logger_class"](config)
    environ = {"PATH_INFO": path, "REQUEST_METHOD": "GET", "REMOTE_ADDR": "127.0.0.1",
               REQUEST_ID_KEY: request_id, **more}  # fmt: skip
    response = SimpleNamespace(status=status)
    logger.access(response, None, environ, timedelta(milliseconds=3.25))
    return capsys.readouterr().err


def test_an_access_line_carries_the_request_id(capsys):
    """Under gunicorn, the template's drills check it with real requests."""
    line = access_line(capsys, "/no-such-page", "access-test-1")
{%- if cookiecutter.log_format == "json" %}
    record = json.loads(line)
    assert record["request_id"] == "access-test-1"
    assert (record["method"], record["path"]) == ("GET", "/no-such-page")
    assert (record["status"], record["duration_ms"]) == (404, 3.2)
    assert record["time"].endswith("+00:00")
{%- else %}
    assert "INFO gunicorn.access [access-test-1 127.0.0.1 GET /no-such-page] " in line
    assert line.endswith("404 in 3.2 ms\n")
{%- endif %}


{%- if cookiecutter.use_opentelemetry %}


def test_an_access_line_carries_the_requests_trace(capsys):
    """tracing/ids.py keeps the ids in the request's environment: the span has ended."""
    ids = ("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7")
    line = access_line(capsys, "/traced", "access-test-2", **{IDS_KEY: ids})
{%- if cookiecutter.log_format == "json" %}
    record = json.loads(line)
    assert (record["trace_id"], record["span_id"]) == ids
{%- else %}
    assert f"[trace_id={ids[0]} span_id={ids[1]}] 404 in 3.2 ms" in line
{%- endif %}
{%- endif %}


def test_a_hostile_path_and_address_stay_on_their_line(capsys):
    """ProxyFix puts a client's X-Forwarded-For in REMOTE_ADDR."""
    hostile = {"REMOTE_ADDR": "10.0.0.1\x85\u202e"}
    line = access_line(capsys, "/x\r\nINFO forged\x1b[2J", **hostile)
    assert len(line.splitlines()) == 1
    assert "/x\\r\\nINFO forged\\x1b[2J" in readable(line)
    assert "10.0.0.1\\x85\\u202e" in readable(line)


@pytest.mark.parametrize("path", ["/livez", "/readyz"])
def test_health_checks_have_no_access_line(capsys, path):
    assert access_line(capsys, path, status="200 OK") == ""


def test_gunicorns_own_lines_have_the_apps_format(capsys):
    logger = gunicorn_settings()["logger_class"](gunicorn_config.Config())
    logger.info("Booting worker with pid: %s", 42)
    line = capsys.readouterr().err
{%- if cookiecutter.log_format == "json" %}
    record = json.loads(line)
    assert record["message"] == "Booting worker with pid: 42"
    assert record["logger"] == "gunicorn.error"
    assert "request_id" not in record  # about no request
{%- elif cookiecutter.use_opentelemetry %}
    assert (
        " INFO gunicorn.error [- - - -] [trace_id=- span_id=-] Booting worker with "
        "pid: 42\n"
    ) in line
{%- else %}
    assert " INFO gunicorn.error [- - - -] Booting worker with pid: 42\n" in line
{%- endif %}


def test_gunicorns_own_traceback_is_escaped_bounded_and_scrubbed(capsys):
    """gunicorn logs an error a streamed body raises, traceback and all, itself;
    a handler before it (pytest's) may have cached the traceback's raw text."""
    logger = gunicorn_settings()["logger_class"](gunicorn_config.Config())
    first = logging.StreamHandler(io.StringIO())
    logger.error_log.handlers.insert(0, first)
    try:
        raise RuntimeError("password=hunter2 \r\nFORGED\x1b[2J" + "x" * 100_000)
    except RuntimeError:
        logger.exception("Error handling request /stream")
    finally:
        logger.error_log.removeHandler(first)
    output = capsys.readouterr().err
    assert "\\r\\nFORGED\\x1b[2J" in readable(output)
    assert all(line.isprintable() for line in readable(output).splitlines())
    assert "hunter2" not in output
    assert len(output) < 30_000


def test_other_handlers_on_gunicorns_loggers_keep_their_format():
    """pytest's own capture handler, say: the app's format stays out of later tests."""
    theirs = logging.NullHandler()
    their_format = logging.Formatter("%(message)s")
    theirs.setFormatter(their_format)
    error_log = logging.getLogger("gunicorn.error")
    error_log.addHandler(theirs)
    try:
        gunicorn_settings()["logger_class"](gunicorn_config.Config())
        assert theirs.formatter is their_format
        assert theirs in error_log.handlers
    finally:
        error_log.removeHandler(theirs)


def test_no_control_socket_unless_turned_on():
    """gunicorn 25.1 and newer would open one under $HOME or $XDG_RUNTIME_DIR; the
    template's drills check that none appears under real gunicorn."""
    assert gunicorn_settings()["control_socket_disable"] is True


def test_access_lines_can_be_turned_off(capsys):
    """accesslog = None, as the README says, silences them; "-" is the default."""
    settings = gunicorn_settings()
    written = []
    for accesslog in ("-", None):
        config = gunicorn_config.Config()
        config.set("accesslog", accesslog)
        logger = settings["logger_class"](config)
        response = SimpleNamespace(status="200 OK")
        logger.access(response, None, {"PATH_INFO": "/"}, timedelta(milliseconds=3))
        written.append(capsys.readouterr().err)
    on, off = written
    assert "gunicorn.access" in on
    assert "200 in 3.0 ms" in on
    assert off == ""
{%- if cookiecutter.use_smtp_handler or cookiecutter.use_syslog_handler %}


def test_graceful_timeout_leaves_time_for_queued_records(monkeypatch):
{%- if cookiecutter.use_smtp_handler %}
    monkeypatch.setenv("FLASK_MAIL_SERVER", "smtp.example.com")
    monkeypatch.setenv("FLASK_MAIL_EXIT_WAIT", "7")
{%- endif %}
{%- if cookiecutter.use_syslog_handler %}
    monkeypatch.setenv("FLASK_SYSLOG_TIMEOUT", "3")
{%- endif %}
    settings = gunicorn_settings()
{%- if cookiecutter.use_smtp_handler %}
    assert settings["graceful_timeout"] == {% if cookiecutter.use_opentelemetry %}5 + {% endif %}7 + 10
{%- else %}
    assert settings["graceful_timeout"] == {% if cookiecutter.use_opentelemetry %}5 + {% endif %}3 + 10
{%- endif %}
{%- endif %}


{%- if cookiecutter.use_smtp_handler or cookiecutter.use_syslog_handler or cookiecutter.log_format == "json" %}


def test_a_refused_setting_stops_gunicorn_with_the_apps_answer(monkeypatch):
    monkeypatch.setenv("FLASK_LOG_LEVEL", "verbose")
    with pytest.raises(SystemExit) as stopped:
        gunicorn_settings()
    said = (
        "LOG_LEVEL is 'verbose' (set by the environment variable FLASK_LOG_LEVEL): "
        "use DEBUG, INFO, WARNING, ERROR or CRITICAL."
    )
{%- if cookiecutter.log_format == "json" %}
    assert json.loads(str(stopped.value))["message"] == said
{%- else %}
    line = str(stopped.value)
    assert " ERROR gunicorn.error [- - - -] " in line
    assert line.endswith(f"] {said}")
{%- endif %}
{%- endif %}


def test_workers_follow_web_concurrency(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert gunicorn_settings()["workers"] == 3
    monkeypatch.delenv("WEB_CONCURRENCY")
    default = 2 * os.cpu_count() + 1
    assert gunicorn_settings()["workers"] == default
