"""LOG_SCHEMA: each platform finds what it reads where it looks for it, in the app's
lines and in gunicorn's access lines."""

import json
import logging

import pytest

from {{ cookiecutter.package_name }} import create_app
from {{ cookiecutter.package_name }}.log.formatters import use_schema
from {{ cookiecutter.package_name }}.log.report import note, warn

from .conftest import failing_app, logged

TRACE = {"trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "span_id": "00f067aa0ba902b7"}


@pytest.fixture(autouse=True)
def native_afterwards():
    """The schema is the process's: leave it as the other tests expect it."""
    yield
    use_schema("native")


def error_line(capsys, schema, **extra):
    """The JSON line of an unhandled error in a request, in schema."""
    app = failing_app("schema failure", LOG_SCHEMA=schema)
    app.logger.propagate = False  # pytest's capture would keep the raw record
    capsys.readouterr()
    response = app.test_client().get(
        "/boom", headers={"X-Request-ID": "schema-1", **extra}
    )
    assert response.status_code == 500
    logged(app)
    (line,) = [json.loads(x) for x in capsys.readouterr().err.splitlines()]
    return line


def line_of(schema, level=logging.INFO, **fields):
    """The JSON line of a record made outside any request, in schema."""
    app = create_app("testing", LOG_SCHEMA=schema)
    record = app.logger.makeRecord(app.name, level, __file__, 7, "hello", (), None)
    record.__dict__.update(fields)
    (handler,) = app.extensions["logging"].handlers.values()
    return json.loads(handler.format(app.extensions["logging"].queue.prepare(record)))


def test_elastic_finds_ecs_fields(capsys):
    line = error_line(capsys, "ecs")
    assert line["@timestamp"].endswith("+00:00")
    assert (line["log.level"], line["ecs.version"]) == ("error", "8.11.0")
    assert line["message"] == "Exception on /boom [GET]"
    assert line["log.logger"] == "{{ cookiecutter.package_name }}"
    assert line["log.origin.file.name"].endswith("conftest.py")
    assert isinstance(line["log.origin.file.line"], int)
    assert line["log.origin.function"] == "boom"
    assert line["error.type"] == "RuntimeError"
    assert line["error.message"] == "schema failure"
    assert line["error.stack_trace"].endswith("RuntimeError: schema failure")
    assert line["http.request.id"] == "schema-1"
    assert (line["http.request.method"], line["url.path"]) == ("GET", "/boom")
    assert line["client.ip"] == "127.0.0.1"
    assert "user.id" not in line  # "-": nobody, left out
    assert not {"time", "level", "exc_info", "pathname", "request_id"} & set(line)


def test_opentelemetry_collectors_find_otel_fields(capsys):
    line = error_line(capsys, "otel")
    assert line["timestamp"].endswith("+00:00")
    assert (line["severity_text"], line["severity_number"]) == ("ERROR", 17)
    assert line["body"] == "Exception on /boom [GET]"
    assert line["scope.name"] == "{{ cookiecutter.package_name }}"
    assert line["code.file.path"].endswith("conftest.py")
    assert isinstance(line["code.line.number"], int)
    assert line["code.function.name"] == "boom"
    assert line["exception.type"] == "RuntimeError"
    assert line["exception.message"] == "schema failure"
    assert line["exception.stacktrace"].endswith("RuntimeError: schema failure")
    assert (line["http.request.method"], line["url.path"]) == ("GET", "/boom")
    assert line["client.address"] == "127.0.0.1"
    assert "message" not in line


def test_cloud_logging_finds_gcp_fields(capsys, monkeypatch):
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "my-project")
    line = error_line(capsys, "gcp")
    assert line["time"].endswith("+00:00")
    assert (line["severity"], line["message"]) == ("ERROR", "Exception on /boom [GET]")
    # Error Reporting reads a Python traceback in stack_trace.
    assert line["stack_trace"].startswith("Traceback (most recent call last):")
    assert line["stack_trace"].endswith("RuntimeError: schema failure")
    location = line["logging.googleapis.com/sourceLocation"]
    assert (location["file"].endswith("conftest.py"), location["function"]) == (
        True,
        "boom",
    )
    assert line["httpRequest"] == {
        "requestMethod": "GET",
        "requestUrl": "/boom",
        "remoteIp": "127.0.0.1",
    }
    assert line["logging.googleapis.com/labels"] == {
        "python_logger": "{{ cookiecutter.package_name }}",
        "request_id": "schema-1",
    }


@pytest.mark.parametrize(
    ("schema", "trace_key", "span_key", "trace_value"),
    [
        ("native", "trace_id", "span_id", TRACE["trace_id"]),
        ("ecs", "trace.id", "span.id", TRACE["trace_id"]),
        ("otel", "trace_id", "span_id", TRACE["trace_id"]),
        (
            "gcp",
            "logging.googleapis.com/trace",
            "logging.googleapis.com/spanId",
            f"projects/my-project/traces/{TRACE['trace_id']}",
        ),
    ],
)
def test_each_schema_puts_the_trace_where_its_platform_joins_it(
    monkeypatch, schema, trace_key, span_key, trace_value
):
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "my-project")
    line = line_of(schema, **TRACE)
    assert (line[trace_key], line[span_key]) == (trace_value, TRACE["span_id"])


def test_cloud_logging_takes_a_bare_trace_id_without_a_project(monkeypatch):
    monkeypatch.delenv("GOOGLE_CLOUD_PROJECT", raising=False)
    line = line_of("gcp", **TRACE)
    assert line["logging.googleapis.com/trace"] == TRACE["trace_id"]


@pytest.mark.parametrize(
    ("level", "ecs", "otel", "gcp"),
    [
        (logging.DEBUG, "debug", 5, "DEBUG"),
        (logging.INFO, "info", 9, "INFO"),
        (25, "level 25", 9, "INFO"),  # a level of the app's own: the one below
        (logging.WARNING, "warning", 13, "WARNING"),
        (logging.ERROR, "error", 17, "ERROR"),
        (logging.CRITICAL, "critical", 21, "CRITICAL"),
        (5, "level 5", 1, "DEFAULT"),
    ],
)
def test_levels_map_to_each_platforms_severity(level, ecs, otel, gcp):
    assert line_of("ecs", level)["log.level"] == ecs
    assert line_of("otel", level)["severity_number"] == otel
    assert line_of("gcp", level)["severity"] == gcp


@pytest.mark.parametrize(
    ("schema", "field", "warning", "news"),
    [("otel", "severity_number", 13, 9), ("gcp", "severity", "WARNING", "INFO")],
)
def test_what_logging_says_of_itself_has_its_severity(
    capsys, schema, field, warning, news
):
    use_schema(schema)
    warn("a handler failed")
    note("it works again")
    lines = [json.loads(x) for x in capsys.readouterr().err.splitlines()]
    assert [line[field] for line in lines] == [warning, news]


def test_an_unknown_schema_is_refused_naming_the_valid_ones():
    with pytest.raises(ValueError, match="native, ecs, otel, gcp"):
        create_app("testing", LOG_SCHEMA="splunk")


@pytest.mark.parametrize("schema", ["ecs", "otel"])
def test_access_lines_follow_the_schema(monkeypatch, capsys, schema):
    """gunicorn.conf.py reads LOG_SCHEMA, and formats its lines as the app does."""
    pytest.importorskip("gunicorn.config", reason="gunicorn does not run on Windows")
    from .test_gunicorn import access_line

    monkeypatch.setenv("FLASK_LOG_SCHEMA", schema)
    line = json.loads(access_line(capsys, "/no-such-page", "access-schema"))
    assert line["http.response.status_code"] == 404
    assert (line["http.request.method"], line["url.path"]) == ("GET", "/no-such-page")


def test_gcp_access_lines_are_http_requests(monkeypatch, capsys):
    pytest.importorskip("gunicorn.config", reason="gunicorn does not run on Windows")
    from .test_gunicorn import access_line

    monkeypatch.setenv("FLASK_LOG_SCHEMA", "gcp")
    line = json.loads(access_line(capsys, "/no-such-page", "access-schema"))
    assert line["httpRequest"] == {
        "requestMethod": "GET",
        "requestUrl": "/no-such-page",
        "remoteIp": "127.0.0.1",
        "status": 404,
    }
    assert line["severity"] == "INFO"
