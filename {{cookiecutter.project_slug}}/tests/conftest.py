"""What the project's tests share. They stand apart from the app's own views and
database: every route they request they register themselves (or is the project's own,
like /livez), and every app they create has an instance folder in a temporary folder."""

import logging
import os
import tempfile
from pathlib import Path

import pytest
from flask import Flask

from {{ cookiecutter.package_name }} import create_app
from {{ cookiecutter.package_name }}.extensions import db

from .peers import wait_for

PROJECT_ROOT = Path(__file__).resolve().parents[1]

# Production settings for tests: a real secret key, and no handler that reaches outside
# the test (each handler's own tests turn theirs on).
PRODUCTION_OVERRIDES = {
    "SECRET_KEY": "a-test-secret-key-that-is-long-enough-0123456789",
    "LOG_QUEUE_BYTES": 0,  # no logging thread: a test's output is its own
{%- if cookiecutter.use_file_handler %}
    "LOG_FILE": None,
{%- endif %}
{%- if cookiecutter.use_syslog_handler %}
    "SYSLOG_ADDRESS": None,
{%- endif %}
{%- if cookiecutter.use_nt_eventlog_handler %}
    "NT_EVENTLOG_APPNAME": None,
{%- endif %}
}


{%- if cookiecutter.use_opentelemetry %}


@pytest.fixture(autouse=True, scope="session")
def no_tracing_settings_of_the_shell():
    """The developer's own OTEL_* variables must not decide the tests: tracing starts
    once a process, so a collector named there would take every later test's spans."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        for name in [name for name in os.environ if name.startswith("OTEL_")]:
            monkeypatch.delenv(name)
        yield
{%- endif %}


@pytest.fixture(autouse=True)
def instance_folder(monkeypatch):
    """The instance folder of every app a test creates: never the project's own.

    Any user may look into it (a test run as root may drop to another user).
    """
    with tempfile.TemporaryDirectory() as top:
        os.chmod(top, 0o755)
        folder = Path(top) / "instance"
        monkeypatch.setattr(Flask, "auto_find_instance_path", lambda _: str(folder))
        yield folder


@pytest.fixture
def app():
    app = create_app("testing")
    yield app
    close_database(app)


def close_database(app):
    """Close the app's database connections, which Python 3.13 warns about if left
    to the garbage collector."""
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def production_app():
    return create_app("production", **PRODUCTION_OVERRIDES)


def failing_app(message="test failure", **overrides):
    """A testing app whose /boom raises RuntimeError(message).

    Exceptions reach the error handlers and the log, as in production.
    """
    app = create_app("testing", PROPAGATE_EXCEPTIONS=False, **overrides)

    @app.route("/boom")
    def boom():
        raise RuntimeError(message)

    return app


def add_broken_stream(app, message):
    """Route /_test/stream, whose body raises RuntimeError(message) after its first
    part: by then the status and headers have gone."""

    @app.route("/_test/stream")
    def stream():
        def parts():
            yield "the first part\n"
            raise RuntimeError(message)

        return parts()


def handler_named(app, name):
    """The app's log handler called name, or None when it has none."""
    return app.extensions["logging"].handlers.get(name)


class ListHandler(logging.Handler):
    """Keeps the records it is given, for assertions."""

    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def log_records(app):
    """Records the app logger emits during the test."""
    handler = ListHandler()
    app.logger.addHandler(handler)
    yield handler.records
    app.logger.removeHandler(handler)


def handled_records(app):
    """The records app's handlers get (prepared: with the request's fields), in a
    list that fills as they are handled. Call it before the app logs anything."""
    handler = ListHandler()
    app.extensions["logging"].queue.targets.append(handler)
    return handler.records


def logged(app):
    """Wait until the logging thread has handled every record logged so far."""
    assert app.extensions["logging"].queue.wait(timeout=10)


def readable(output):
    """Log lines as text: in a JSON project, each line's level, logger, request and
    message, as a text line has them, then its traceback."""
{%- if cookiecutter.log_format == "json" %}
    import json

    lines = []
    for line in output.splitlines():
        if not line.startswith("{"):
            lines.append(line)
            continue
        record = json.loads(line)
        fields = ("request_id", "remote_addr", "method", "path")
        request = " ".join(str(record.get(field, "-")) for field in fields)
        lines.append(
            f"{record['level']} {record['logger']} [{request}] {record['message']}"
        )
        lines.extend(record.get("exc_info", "").splitlines())
    return "\n".join(lines)
{%- else %}
    return output
{%- endif %}


def wait_for_stderr(capsys, text, timeout=10.0):
    """Collect stderr until it holds text (the logging thread writes it)."""
    seen = []

    def found():
        seen.append(readable(capsys.readouterr().err))
        return text in "\n".join(seen)

    wait_for(found, timeout)
    return "\n".join(seen)
