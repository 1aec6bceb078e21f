"""The project's gunicorn.conf.py, under a real gunicorn on 127.0.0.1."""
{% if cookiecutter.log_format == "json" %}
import json
{%- endif %}
import os
import runpy
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import timedelta
from types import SimpleNamespace

import pytest

from .conftest import (
    PROJECT_ROOT,
    free_port,
    production_environment,
    server_checkout,
    wait_for,
)

gunicorn_config = pytest.importorskip(
    "gunicorn.config", reason="gunicorn does not run on Windows"
)


STUCK_APP = """\
import time

from {{ cookiecutter.package_name }} import create_app

app = create_app()


@app.route("/_test/stuck")
def stuck_in_a_loop():
    time.sleep(60)
"""


class Server:
    """`gunicorn wsgi:app`, started in a copy of the project folder as the README
    says."""

    def __init__(self, folder, log, app="wsgi:app", args=(), **env):
        self.port = free_port()
        self.log = log
        env = {**production_environment(), "WEB_CONCURRENCY": "1", **env}
        with log.open("w") as out:
            self.process = subprocess.Popen(  # noqa: S603 (our own command)
                [sys.executable, "-m", "gunicorn", "--bind",
                 f"127.0.0.1:{self.port}", *args, app],
                cwd=folder, env=env, stdout=out, stderr=out,
            )  # fmt: skip
        ready = wait_for(lambda: self.get("/livez") == 200, timeout=60)
        assert ready, log.read_text()

    def get(self, path, headers=None):
        """The status of GET path, or None without an answer."""
        url = f"http://127.0.0.1:{self.port}{path}"
        request = urllib.request.Request(url, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            return None

    def stop(self):
        """SIGTERM, as a service manager sends it; return all gunicorn wrote."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=60)
        return self.log.read_text()


@pytest.fixture
def server(tmp_path):
    checkout = server_checkout(tmp_path / "checkout")
    server = Server(checkout, tmp_path / "gunicorn.log")
    yield server
    server.stop()


def gunicorn_settings():
    """What the project's gunicorn.conf.py defines, run as gunicorn runs it."""
    return runpy.run_path(str(PROJECT_ROOT / "gunicorn.conf.py"))


def access_lines(output):
    return [line for line in output.splitlines() if "gunicorn.access" in line]


def test_every_request_has_an_access_line_with_its_id(server):
    assert server.get("/no-such-page", {"X-Request-ID": "access-test-1"}) == 404
    assert server.get("/livez") == 200
    assert server.get("/readyz") == 200
    assert server.get("/x%0d%0aINFO%20forged") == 404
    output = server.stop()
    lines = access_lines(output)
    assert len(lines) == 2, lines  # the health checks are left out
    first, hostile = lines
{%- if cookiecutter.log_format == "json" %}
    record = json.loads(first)
    assert record["request_id"] == "access-test-1"
    assert record["method"] == "GET"
    assert record["path"] == "/no-such-page"
    assert record["status"] == 404
    assert record["duration_ms"] >= 0
    assert record["time"].endswith("+00:00")
    assert json.loads(hostile)["path"] == "/x\\r\\nINFO forged"
    # gunicorn's own lines are JSON objects with the app's field names too.
    own = [json.loads(line) for line in output.splitlines() if "gunicorn.error" in line]
    assert any(line["message"].startswith("Booting worker") for line in own)
    assert {line["request_id"] for line in own} == {"-"}
{%- else %}
    prefix = "INFO gunicorn.access [access-test-1 127.0.0.1 GET /no-such-page] 404 in "
    assert prefix in first
    assert first.endswith(" ms")
    assert "/x\\r\\nINFO forged" in hostile
    assert not any(line.startswith("INFO forged") for line in output.splitlines())
{%- endif %}


def test_a_worker_killed_for_a_timeout_logs_where_its_request_was_stuck(tmp_path):
    checkout = server_checkout(tmp_path / "checkout")
    (checkout / "stuck_app.py").write_text(STUCK_APP)
    log = tmp_path / "gunicorn.log"
    server = Server(checkout, log, "stuck_app:app", ["--timeout", "2"])
    try:
        # The worker dies: no answer, or gunicorn's own 500.
        assert server.get("/_test/stuck", {"X-Request-ID": "stuck-1"}) in (None, 500)
        assert wait_for(lambda: "time.sleep(60)" in log.read_text()), log.read_text()
    finally:
        output = server.stop()
    (line,) = [line for line in output.splitlines() if "Worker timeout" in line]
    assert "stuck-1" in line
    assert "/_test/stuck" in line
    assert "in stuck_in_a_loop" in line
    assert "time.sleep(60)" in line


def test_no_control_socket_unless_turned_on(tmp_path):
    """gunicorn 25.1 and newer would open one under $HOME or $XDG_RUNTIME_DIR."""
    assert gunicorn_settings()["control_socket_disable"] is True
    checkout = server_checkout(tmp_path / "checkout")
    home = tmp_path / "home"
    server = Server(checkout, tmp_path / "gunicorn.log", HOME=str(home))
    server.stop()
    assert not home.exists()


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
    monkeypatch.setenv("FLASK_MAIL_EXIT_WAIT", "7")
{%- endif %}
{%- if cookiecutter.use_syslog_handler %}
    monkeypatch.setenv("FLASK_SYSLOG_TIMEOUT", "3")
{%- endif %}
    settings = gunicorn_settings()
{%- if cookiecutter.use_smtp_handler %}
    assert settings["graceful_timeout"] == 7 + 10
{%- else %}
    assert settings["graceful_timeout"] == 3 + 10
{%- endif %}
{%- endif %}


def test_workers_follow_web_concurrency(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert gunicorn_settings()["workers"] == 3
    monkeypatch.delenv("WEB_CONCURRENCY")
    default = 2 * os.cpu_count() + 1
    assert gunicorn_settings()["workers"] == default
