"""What the project's tests share. They stand apart from the app's own views and
database: every route they request they register themselves (or is the project's own,
like /livez), and every app they create has an instance folder in a temporary folder."""

import json
import logging
import os
import shutil
import socket
import tempfile
import time
from pathlib import Path

import pytest
from flask import Flask

from {{ cookiecutter.package_name }} import create_app
from {{ cookiecutter.package_name }}.extensions import db

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "{{ cookiecutter.package_name }}"

# Production settings for tests: a real secret key, and no handler that reaches outside
# the test (each handler's own tests turn theirs on).
PRODUCTION_OVERRIDES = {
    "SECRET_KEY": "a-test-secret-key-that-is-long-enough-0123456789",
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


def server_checkout(folder):
    """A copy of what a server's checkout holds (no .env, no instance folder), in
    folder: what runs there in a process of its own uses an instance folder of its
    own."""
    folder.mkdir()
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(PROJECT_ROOT / PACKAGE, folder / PACKAGE, ignore=ignore)
    for name in (".flaskenv", "wsgi.py", "gunicorn.conf.py"):
        shutil.copy(PROJECT_ROOT / name, folder)
    return folder


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


def production_environment(**settings):
    """The environment of a server: os.environ without the developer's FLASK_*
    variables, then PRODUCTION_OVERRIDES and settings as FLASK_* variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    for key, value in {**PRODUCTION_OVERRIDES, **settings}.items():
        env[f"FLASK_{key}"] = value if isinstance(value, str) else json.dumps(value)
    return env


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


def handler_named(app, name):
    """The app's log handler called name, or None when it has none."""
    return next((h for h in app.extensions["log_handlers"] if h.name == name), None)


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


def free_port(kind=socket.SOCK_STREAM):
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, timeout=10.0):
    """Poll condition until true or timeout seconds pass; return its last value."""
    deadline = time.monotonic() + timeout
    while not (result := condition()) and time.monotonic() < deadline:
        time.sleep(0.02)
    return result


def wait_for_stderr(capsys, text, timeout=10.0):
    """Collect stderr until it holds text (a background thread writes it)."""
    seen = []

    def found():
        seen.append(capsys.readouterr().err)
        return text in "".join(seen)

    wait_for(found, timeout)
    return "".join(seen)
