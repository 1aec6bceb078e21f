"""Sentry against a small envelope-collecting HTTP server on 127.0.0.1."""

import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.metadata import version

import pytest
import sentry_sdk
from flask import current_app, request

from {{ cookiecutter.package_name }} import create_app, sentry
from {{ cookiecutter.package_name }}.log.tracebacks import MAX_MESSAGE
from {{ cookiecutter.package_name }}.scrub import MARKER
from {{ cookiecutter.package_name }}.sentry import (
    scrub,
    scrub_event,
    scrub_headers,
    tag_request_id,
)

from .conftest import PRODUCTION_OVERRIDES, failing_app
from .peers import wait_for


class EnvelopeServer(ThreadingHTTPServer):
    def __init__(self):
        super().__init__(("127.0.0.1", 0), EnvelopeHandler)
        self.events = []
        self.transactions = []
        self.received = b""  # every envelope, as sent

    @property
    def dsn(self):
        return f"http://public@127.0.0.1:{self.server_address[1]}/1"


class EnvelopeHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        data = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            data = gzip.decompress(data)
        self.server.received += data
        items = [json.loads(line) for line in data.splitlines() if line.strip()]
        self.server.events.extend(i for i in items if "exception" in i)
        self.server.transactions.extend(
            i for i in items if i.get("type") == "transaction" and "spans" in i
        )
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def sentry_server():
    server = EnvelopeServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    sentry_sdk.init()  # no DSN: later tests send nothing
    server.shutdown()
    server.server_close()


def test_unhandled_exception_is_one_event_with_the_request_id(
    sentry_server, monkeypatch
):
    monkeypatch.setattr(sentry, "DISTRIBUTION", "flask")  # installed in every run
    app = failing_app("sentry test failure", SENTRY_DSN=sentry_server.dsn)
    response = app.test_client().get("/boom", headers={"X-Request-ID": "sentry-1"})
    assert response.status_code == 500
    sentry_sdk.flush(timeout=5)
    assert wait_for(lambda: sentry_server.events)
    wait_for(lambda: len(sentry_server.events) > 1, timeout=0.5)
    assert len(sentry_server.events) == 1
    event = sentry_server.events[0]
    exception = event["exception"]["values"][-1]
    assert exception["type"] == "RuntimeError"
    assert exception["value"] == "sentry test failure"
    assert event["tags"]["request_id"] == "sentry-1"
    assert event["environment"] == "testing"
    assert event["release"] == f"flask@{version('flask')}"
    assert "user" not in event or "ip_address" not in event["user"]
    assert sentry_server.transactions == [], "no traces unless a rate is set"


def test_an_app_that_is_not_installed_still_reports(sentry_server, monkeypatch):
    """Run from its folder (copied, never pip-installed), the app has no version to
    give as the release: it starts all the same, and its errors are sent."""
    monkeypatch.setattr(sentry, "DISTRIBUTION", "a-distribution-not-installed")
    app = failing_app("reported without a version", SENTRY_DSN=sentry_server.dsn)
    assert app.test_client().get("/boom").status_code == 500
    sentry_sdk.flush(timeout=5)
    assert wait_for(lambda: sentry_server.events)
    event = sentry_server.events[0]
    assert event["exception"]["values"][-1]["value"] == "reported without a version"
    assert "a-distribution-not-installed" not in event.get("release", "")


def test_a_huge_hostile_message_is_cut_as_the_log_cuts_it(sentry_server):
    message = "huge \ud800 \x1b[2J \u202e " + "x" * 10_000_000
    app = failing_app(message, SENTRY_DSN=sentry_server.dsn)
    # pytest's log capture keeps the raw text, which pytest-xdist cannot send on.
    app.logger.propagate = False
    assert app.test_client().get("/boom").status_code == 500
    sentry_sdk.flush(timeout=5)
    assert wait_for(lambda: sentry_server.events)
    value = sentry_server.events[0]["exception"]["values"][-1]["value"]
    assert value.startswith("huge \ud800 \x1b[2J \u202e xxx")
    assert len(value) <= MAX_MESSAGE
    assert len(sentry_server.received) < 20 * MAX_MESSAGE


def test_a_logged_error_is_an_event_too(sentry_server):
    """logger.exception() in a view that handles its error reaches Sentry."""
    port = sentry_server.server_address[1]
    app = failing_app("unused", SENTRY_DSN=f"http://public@127.0.0.1:{port}/1")

    @app.route("/_test/handled")
    def handled():
        app.logger.info("looking the order up")
        try:
            raise KeyError("handled here")
        except KeyError:
            app.logger.exception("the view went on")
        return "ok"

    assert app.test_client().get("/_test/handled").status_code == 200
    sentry_sdk.flush(timeout=5)
    assert wait_for(lambda: sentry_server.events)
    (event,) = sentry_server.events
    assert event["exception"]["values"][-1]["type"] == "KeyError"
    assert event["logentry"]["message"] == "the view went on"
    (crumb,) = [b for b in event["breadcrumbs"]["values"] if b["type"] == "log"]
    assert (crumb["level"], crumb["message"]) == ("info", "looking the order up")


def test_an_error_logged_outside_a_request_is_an_event_too(sentry_server):
    app = failing_app("unused", SENTRY_DSN=sentry_server.dsn)
    try:
        raise KeyError("no request here")
    except KeyError:
        app.logger.exception("a job failed")
    sentry_sdk.flush(timeout=5)
    assert wait_for(lambda: sentry_server.events)
    (event,) = sentry_server.events
    assert event["logentry"]["message"] == "a job failed"
    assert "request" not in event


def test_production_reads_the_sdks_own_variable(sentry_server, monkeypatch):
    """SENTRY_DSN, as the SDK documents it, when FLASK_SENTRY_DSN is not set."""
    monkeypatch.setenv("SENTRY_DSN", sentry_server.dsn)
    assert create_app("testing").config["SENTRY_DSN"] is None  # tests send nothing
    app = create_app("production", **PRODUCTION_OVERRIDES)

    @app.route("/_test/boom")
    def boom():
        raise RuntimeError("sent by the SDK's variable")

    assert app.test_client().get("/_test/boom").status_code == 500
    sentry_sdk.flush(timeout=5)
    assert wait_for(lambda: sentry_server.events)
    event = sentry_server.events[0]
    assert event["exception"]["values"][-1]["value"] == "sent by the SDK's variable"
    assert event["environment"] == "production"


def test_sentry_is_off_without_a_dsn(app):
    assert app.config["SENTRY_DSN"] is None
    assert tag_request_id not in app.before_request_funcs.get(None, [])


def test_no_secret_reaches_sentry(sentry_server):
    """Secrets in the query string, headers, form fields, frame variables, settings
    and a database URL: each is replaced, and the rest of the event is kept."""
    app = failing_app(
        SENTRY_DSN=sentry_server.dsn, SECRET_KEY="hunter2-secret-key-0123456789abcdef"
    )

    @app.post("/_test/leaky")
    def leaky():
        form = request.form
        mutable_cparams = {"password": "hunter2-cparams", "host": "db.example.com"}
        database_url = "postgresql://app:hunter2-url@db.example.com/orders"
        settings = current_app.config
        assert all((form, mutable_cparams, database_url, settings))
        raise RuntimeError("login refused: api_key=hunter2-message")

    response = app.test_client().post(
        "/_test/leaky?token=hunter2-query&page=2",
        data={"new_password": "hunter2-a", "pwd": "hunter2-b", "card": "hunter2-c",
              "name": "Ada"},
        headers={"X-Auth-Token": "hunter2-header", "Cookie": "session=hunter2-cookie",
                 "Authorization": "Bearer hunter2-bearer", "User-Agent": "probe/1.0",
                 "X-Customer": "hunter2-custom"},
    )  # fmt: skip
    assert response.status_code == 500
    sentry_sdk.flush(timeout=5)
    assert wait_for(lambda: sentry_server.events)
    assert b"hunter2" not in sentry_server.received
    event = sentry_server.events[0]
    sent = event["request"]
    assert not sent.get("data"), "no request body"
    assert sent["query_string"] == "token=[Filtered]&page=2"
    assert sent["headers"]["X-Auth-Token"] == "[Filtered]"
    assert sent["headers"]["X-Customer"] == "[Filtered]"  # not a public header
    assert sent["headers"]["User-Agent"] == "probe/1.0"
    exception = event["exception"]["values"][-1]
    assert exception["value"] == "login refused: api_key=[Filtered]"
    frame = exception["stacktrace"]["frames"][-1]
    assert frame["function"] == "leaky"
    variables = frame["vars"]
    assert variables["mutable_cparams"]["password"] == "[Filtered]"
    assert "db.example.com" in variables["mutable_cparams"]["host"]
    assert "app:[Filtered]@db.example.com" in variables["database_url"]
    assert variables["form"]["name"] == "'Ada'"
    assert variables["settings"]["SECRET_KEY"] == "[Filtered]"
    assert event["modules"]["flask"]  # package versions are kept


def test_traces_are_sent_at_the_configured_rate_and_scrubbed(sentry_server):
    app = create_app(
        "testing", SENTRY_DSN=sentry_server.dsn, SENTRY_TRACES_SAMPLE_RATE=1.0
    )

    @app.route("/_test/traced")
    def traced():
        return "ok"

    client = app.test_client()
    client.get("/_test/traced?token=hunter2-query", headers={"X-Customer": "hunter2"})
    sentry_sdk.flush(timeout=5)
    assert wait_for(lambda: sentry_server.transactions)
    (transaction,) = sentry_server.transactions
    assert transaction["transaction"] == "traced"
    assert transaction["request"]["query_string"] == "token=[Filtered]"
    assert transaction["request"]["headers"]["X-Customer"] == "[Filtered]"
    assert b"hunter2" not in sentry_server.received


def test_package_versions_are_kept_under_names_like_secrets():
    """Only the event's other parts are scrubbed, an event without a request too."""
    event = {"modules": {"pytest-cookies": "0.7.0"}, "extra": {"api_key": "k1"}}
    assert scrub_event(event, {}) == {
        "modules": {"pytest-cookies": "0.7.0"},
        "extra": {"api_key": "[Filtered]"},
    }


def test_nested_values_are_scrubbed_and_the_original_is_not_changed():
    settings = {
        "SQLALCHEMY_DATABASE_URI": "postgresql://app:hunter2@db/orders",
        "CACHE": {"CACHE_PASSWORD": "x", "PORT": 6379},
        "URLS": ["https://example.com", "token=abc"],
        "TIMEOUT": 10,
    }
    assert scrub(settings) == {
        "SQLALCHEMY_DATABASE_URI": f"postgresql://app:{MARKER}@db/orders",
        "CACHE": {"CACHE_PASSWORD": MARKER, "PORT": 6379},
        "URLS": ["https://example.com", f"token={MARKER}"],
        "TIMEOUT": 10,
    }
    assert settings["CACHE"]["CACHE_PASSWORD"] == "x"


def test_only_public_headers_keep_their_values():
    headers = {
        "User-Agent": "probe/1.0",
        "X-Request-ID": "r1",
        "X-Custom": "abc",
        "Referer": "https://x/?token=abc",
        "Authorization": "Bearer abc",
    }
    assert scrub_headers(headers) == {
        "User-Agent": "probe/1.0",
        "X-Request-ID": "r1",
        "X-Custom": MARKER,
        "Referer": f"https://x/?token={MARKER}",
        "Authorization": MARKER,
    }
