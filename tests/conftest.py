import os
import socket
import subprocess
from pathlib import Path

import pytest

from harness.bake import TEMPLATE
from harness.servers import Inbox, stop_leftovers


@pytest.fixture(scope="session")
def windows_peers():
    """(SMTP inbox, UDP syslog collector) on 127.0.0.1, shared by a worker's tests:
    the peers of each project's start without fork (without_fork.py)."""
    inbox = Inbox().start()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.setblocking(False)
        yield inbox, sock
    inbox.stop()


@pytest.fixture(autouse=True)
def no_server_left():
    """A server a failed test could not stop is killed."""
    yield
    stop_leftovers()


@pytest.fixture
def bake(cookies):
    """Bake with these answers; fail the test with cookiecutter's error if it fails."""

    def bake(**answers):
        result = cookies.bake(extra_context=answers, template=str(TEMPLATE))
        assert result.exception is None, result.exception
        assert result.exit_code == 0
        return Path(result.project_path)

    return bake


def production_env(tmp_path, **settings):
    """The environment of a generated project served in production by a drill:
    FLASK_<KEY> for each setting, over a log file in tmp_path and syslog off."""
    env = {
        "FLASK_CONFIG": "production",
        "FLASK_SECRET_KEY": "drill-secret-key-0123456789abcdef0123456789",
        "FLASK_LOG_FILE": str(tmp_path / "logs" / "app.log"),
        "FLASK_SYSLOG_ADDRESS": "null",
        "FLASK_ADMINS": '["ops@example.com"]',
    }
    env.update({f"FLASK_{key}": str(value) for key, value in settings.items()})
    return env


def run(args, cwd, timeout=600, **kwargs):
    """Run a command; return the CompletedProcess with text output."""
    return subprocess.run(  # noqa: S603 (our own commands)
        [str(a) for a in args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        **kwargs,
    )


def pytest_terminal_summary(terminalreporter):
    """The p99 latencies the backend drills measured, side by side."""
    rows = [
        value
        for report in terminalreporter.stats.get("passed", [])
        for name, value in report.user_properties
        if name == "drill"
    ]
    if not rows:
        return
    terminalreporter.section("backend drills: p99 latency, 4 gunicorn workers")
    terminalreporter.write_line(f"{'drill':<40} {'/ ms':>8} {'/boom ms':>9}")
    for drill, root, boom in sorted(rows):
        terminalreporter.write_line(f"{drill:<40} {root:>8.1f} {boom:>9.1f}")


def suite_env():
    env = dict(os.environ)
    for name in [k for k in env if k.startswith("FLASK_")]:
        del env[name]
    return env


def failure_report(result):
    """The failing tests' own messages, without pages of captured log."""
    lines = result.stdout.splitlines()
    keep = [line for line in lines if line.startswith(("E ", "FAILED", "ERROR", ">"))]
    return "\n".join(keep[:80]) + "\n" + result.stderr[-2000:]


def pytest_xdist_auto_num_workers(config):
    """`-n auto`: two workers per core. The tests mostly wait on servers and on
    subprocesses, so one per core would leave the cores idle half the time."""
    return 2 * (os.cpu_count() or 1)
