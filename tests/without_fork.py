"""Windows, simulated: generated projects in a Python that cannot fork.

Windows has no os.fork, os.register_at_fork or os.forkpty; these checks remove them
before anything imports the generated package (harness/windows.py). A project's own
suite must pass there, with only the tests that need fork skipped; and a project must
import, start in each configuration, and deliver an error through each of its
handlers, background threads included.
"""

import re
import uuid

from harness.servers import wait_for
from harness.windows import pytest_without_fork, python_without_fork

from .conftest import failure_report, run, suite_env


def suite_without_fork(project):
    result = run(
        pytest_without_fork("--cov", "-q", "-p", "no:cacheprovider", "-rs"),
        cwd=project,
        env=suite_env(),
    )
    assert result.returncode == 0, failure_report(result)
    assert " passed" in result.stdout
    assert "Required test coverage of 90" in result.stdout
    # The tests that need fork skip themselves: the proof that it was gone from the
    # start, for pytest and its plugins too.
    skipped = re.findall(r"^SKIPPED \[\d+\] (\S+): (.*)$", result.stdout, re.MULTILINE)
    fork_tests = {where for where, reason in skipped if "os.fork" in reason}
    assert len(fork_tests) >= 2, skipped


# Run in the child, after fork is gone. argv[1] is a token that the parent looks for
# in what each handler delivered.
START_EVERY_CONFIGURATION = """
import sys

from my_flask_app import create_app

token = sys.argv[1]


def fail_once(app, name):
    @app.route("/boom")
    def boom():
        raise RuntimeError(f"windows check {token} {name}")

    response = app.test_client().get("/boom", headers={"X-Request-ID": token})
    assert response.status_code == 500, response.status_code
    assert response.headers["X-Request-ID"] == token


for name in ("development", "testing"):
    fail_once(create_app(name), name)
# Production, started as a Windows server starts it: waitress-serve wsgi:app
import wsgi

assert wsgi.app.config["CONFIG_NAME"] == "production"
fail_once(wsgi.app, "production")
print("started", token)
"""
CONFIGURATIONS = ("development", "testing", "production")


def received(sock, limit=1000):
    """The datagrams waiting on sock (at most limit), decoded."""
    datagrams = []
    for _ in range(limit):
        try:
            datagrams.append(sock.recv(65536).decode(errors="replace"))
        except BlockingIOError:
            break
    return datagrams


def windows_env(tmp_path, inbox, syslog_collector):
    """Settings for every configuration: each handler that sends from a background
    thread pointed at a real peer on 127.0.0.1, and the log file in tmp_path.

    Sentry stays off (the all-options suite above runs it); the event log has no
    pywin32 here and is left out with a warning.
    """
    env = suite_env()
    env.update(
        FLASK_SECRET_KEY="windows-secret-key-0123456789abcdef0123456789",
        # Errors reach the error handler and the log in every configuration.
        FLASK_PROPAGATE_EXCEPTIONS="false",
        FLASK_LOG_FILE=str(tmp_path / "logs" / "app.log"),
        FLASK_MAIL_SERVER="127.0.0.1",
        FLASK_MAIL_PORT=str(inbox.port),
        FLASK_ADMINS='["ops@example.com"]',
        FLASK_MAIL_THROTTLE_SECONDS="0",
        FLASK_MAIL_EXIT_WAIT="10",
        FLASK_SYSLOG_ADDRESS=f"127.0.0.1:{syslog_collector.getsockname()[1]}",
        FLASK_SYSLOG_SOCKTYPE="udp",
    )
    return env


def starts_without_fork(project, answers, tmp_path, inbox, syslog_collector):
    """Start every configuration of the baked project where fork does not exist,
    fail a request in each, and check that the error reached every handler."""
    token = f"win-{uuid.uuid4().hex[:12]}"
    received(syslog_collector)  # what earlier tests left
    result = run(
        python_without_fork(START_EVERY_CONFIGURATION, token),
        cwd=project,
        env=windows_env(tmp_path, inbox, syslog_collector),
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    assert f"started {token}" in result.stdout
    errors = {f"windows check {token} {name}" for name in CONFIGURATIONS}

    if answers["use_smtp_handler"]:
        # Sent by the background thread, at the latest during the exit wait.
        def mailed():
            subjects = [str(message["Subject"]) for message in inbox.messages]
            return {e for e in errors if any(e in s for s in subjects)}

        assert wait_for(lambda: mailed() == errors, timeout=10), (mailed(), errors)
    if answers["use_syslog_handler"]:
        datagrams = []

        def logged():
            datagrams.extend(received(syslog_collector))
            return {e for e in errors if any(e in d for d in datagrams)}

        assert wait_for(lambda: logged() == errors, timeout=10), (logged(), errors)
    if answers["use_file_handler"]:
        text = (tmp_path / "logs" / "app.log").read_text()
        assert {e for e in errors if e in text} == errors
    if answers["use_nt_eventlog_handler"]:
        warning = "nteventlog logging is off: it needs Windows and pywin32"
        assert warning in result.stderr
