"""Sentry against a small envelope-collecting HTTP server on 127.0.0.1."""

import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sentry_sdk

from {{ cookiecutter.package_name }}.sentry import tag_request_id

from .conftest import failing_app
from .peers import wait_for


class EnvelopeServer(ThreadingHTTPServer):
    def __init__(self):
        super().__init__(("127.0.0.1", 0), EnvelopeHandler)
        self.events = []


class EnvelopeHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        data = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            data = gzip.decompress(data)
        items = [json.loads(line) for line in data.splitlines() if line.strip()]
        self.server.events.extend(i for i in items if "exception" in i)
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


def test_unhandled_exception_is_one_event_with_the_request_id(sentry_server):
    port = sentry_server.server_address[1]
    dsn = f"http://public@127.0.0.1:{port}/1"
    app = failing_app("sentry test failure", SENTRY_DSN=dsn)
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
    assert "user" not in event or "ip_address" not in event["user"]


def test_a_logged_error_is_an_event_too(sentry_server):
    """logger.exception() in a view that handles its error reaches Sentry."""
    port = sentry_server.server_address[1]
    app = failing_app("unused", SENTRY_DSN=f"http://public@127.0.0.1:{port}/1")

    @app.route("/_test/handled")
    def handled():
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


def test_sentry_is_off_without_a_dsn(app):
    assert app.config["SENTRY_DSN"] is None
    assert tag_request_id not in app.before_request_funcs.get(None, [])
