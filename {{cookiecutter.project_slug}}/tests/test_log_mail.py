"""Error mail against real SMTP servers on 127.0.0.1 (aiosmtpd)."""

import asyncio
import contextlib
import logging
import re
import socket
import ssl
import subprocess
import sys
import textwrap
import threading
import time
from email import message_from_bytes, policy

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from {{ cookiecutter.package_name }}.log.context import RequestContextFilter
from {{ cookiecutter.package_name }}.log.mail import MAIL_FORMAT, ehlo_name

from .conftest import (
    PROJECT_ROOT,
    failing_app,
    free_port,
    handler_named,
    wait_for,
    wait_for_stderr,
)

ADMINS = ["ops@example.com", "dev@example.com"]


class Inbox:
    """An aiosmtpd handler that keeps what it receives.

    It can be slow (`delay` seconds per mail), or held: then it accepts no mail until
    release(), a server exactly as slow as a test needs it to be.
    """

    def __init__(self, delay=0.0, held=False):
        self.delay = delay
        self.open = threading.Event()
        if not held:
            self.open.set()
        self.envelopes = []
        self.ehlo_names = []

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        if not self.open.is_set():
            await asyncio.get_running_loop().run_in_executor(None, self.open.wait, 30)
        self.envelopes.append(envelope)
        self.ehlo_names.append(session.host_name)
        return "250 Message accepted"

    def release(self):
        self.open.set()

    @property
    def messages(self):
        return [
            message_from_bytes(e.content, policy=policy.default) for e in self.envelopes
        ]


@contextlib.contextmanager
def serving(inbox, **kwargs):
    """An SMTP server on 127.0.0.1 delivering to inbox, whose port it sets."""
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), **kwargs)
    controller.start()
    inbox.port = controller.port
    try:
        yield inbox
    finally:
        inbox.release()  # a held mail must not keep the server from stopping
        controller.stop()


@pytest.fixture
def inbox():
    with serving(Inbox()) as inbox:
        yield inbox


@pytest.fixture
def slow_inbox():
    with serving(Inbox(delay=0.5)) as inbox:
        yield inbox


@pytest.fixture
def held_inbox():
    with serving(Inbox(held=True)) as inbox:
        yield inbox


def mail_app(port, **overrides):
    """An app mailing the server on port: /boom and /other fail differently."""
    settings = {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
        "ADMINS": ADMINS,
        "MAIL_SENDER": "app@example.com",
        "MAIL_EXIT_WAIT": 5,
        **overrides,
    }
    app = failing_app("the ledger is unbalanced", **settings)

    @app.route("/other")
    def other():
        raise LookupError("no such account")

    return app


def test_error_mail_reaches_the_admins(inbox):
    app = mail_app(inbox.port)
    response = app.test_client().get("/boom", headers={"X-Request-ID": "mail-test-1"})
    assert response.status_code == 500
    assert wait_for(lambda: inbox.envelopes)
    envelope = inbox.envelopes[0]
    assert envelope.mail_from == "app@example.com"
    assert envelope.rcpt_tos == ADMINS
    message = inbox.messages[0]
    project = app.config["PROJECT_NAME"]
    assert message["Subject"] == f"[{project}] RuntimeError: the ledger is unbalanced"
    body = message.get_content()
    assert "Request ID:     mail-test-1" in body
    assert "Request:        GET /boom" in body
    assert "Traceback (most recent call last):" in body
    assert "raise RuntimeError(message)" in body  # the line that raised
    assert "RuntimeError: the ledger is unbalanced" in body


def test_warnings_are_not_mailed(inbox):
    app = mail_app(inbox.port)
    with app.app_context():
        app.logger.warning("only a warning")
        app.logger.error("a real error")
    assert wait_for(lambda: inbox.envelopes)
    assert [m["Subject"].split("] ")[1] for m in inbox.messages] == ["a real error"]


def test_slow_mail_server_does_not_hold_the_request(held_inbox):
    app = mail_app(held_inbox.port)
    response = app.test_client().get("/boom")
    # The response is back while the server still holds the mail...
    assert response.status_code == 500
    assert "Something went wrong" in response.get_data(as_text=True)
    assert held_inbox.envelopes == []
    # ...which arrives once the server takes it.
    held_inbox.release()
    assert wait_for(lambda: held_inbox.envelopes, timeout=10)


def test_no_mail_server_still_answers_and_reports_on_stderr(capsys):
    app = mail_app(free_port())
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "Something went wrong" in response.get_data(as_text=True)
    # Wait for this failure: mail threads of earlier tests may still report theirs.
    err = wait_for_stderr(capsys, "ConnectionRefusedError")
    assert "error mail via 127.0.0.1" in err
    assert "the ledger is unbalanced" in err  # the mail's text is not lost


def test_identical_errors_are_throttled_and_counted(inbox):
    app = mail_app(inbox.port, MAIL_THROTTLE_SECONDS=300)
    handler = handler_named(app, "mail")
    now = [1000.0]
    handler.throttle.clock = lambda: now[0]
    client = app.test_client()
    for _ in range(3):
        client.get("/boom")
    client.get("/other")  # a different error still goes out
    assert wait_for(lambda: len(inbox.envelopes) == 2)
    now[0] += 301  # the window has passed
    client.get("/boom")
    assert wait_for(lambda: len(inbox.envelopes) == 3)
    subjects = [m["Subject"] for m in inbox.messages]
    assert sum("RuntimeError" in s for s in subjects) == 2
    assert sum("LookupError" in s for s in subjects) == 1
    last_boom = [m for m in inbox.messages if "RuntimeError" in m["Subject"]][-1]
    assert "2 more of the same error went unmailed." in last_boom.get_content()


def test_throttle_zero_mails_every_error(inbox):
    app = mail_app(inbox.port, MAIL_THROTTLE_SECONDS=0)
    client = app.test_client()
    for _ in range(3):
        client.get("/boom")
    assert wait_for(lambda: len(inbox.envelopes) == 3)


def test_the_ehlo_name_is_looked_up_once_per_process(monkeypatch):
    """smtplib would ask DNS on every connection, outside MAIL_TIMEOUT."""
    lookups = []

    def getfqdn(name=""):
        lookups.append(name)
        return "app-host.example.com"

    monkeypatch.setattr(socket, "getfqdn", getfqdn)  # no slow resolver runs here
    ehlo_name.cache_clear()
    # The server is named, or it would look its own name up too.
    with serving(Inbox(), server_hostname="mail.example.com") as inbox:
        try:
            app = mail_app(inbox.port, MAIL_THROTTLE_SECONDS=0)
            client = app.test_client()
            for _ in range(3):
                client.get("/boom")
            assert wait_for(lambda: len(inbox.envelopes) == 3)
        finally:
            ehlo_name.cache_clear()
    assert len(lookups) == 1
    assert inbox.ehlo_names == ["app-host.example.com"] * 3


def test_full_queue_drops_counts_and_reports(held_inbox, capsys):
    app = mail_app(held_inbox.port, MAIL_QUEUE_SIZE=1, MAIL_THROTTLE_SECONDS=0)
    client = app.test_client()
    for _ in range(5):
        client.get("/boom")
    err = capsys.readouterr().err
    assert err.count("the queue of error mails is full (1 waiting)") == 1

    def reported():
        bodies = [m.get_content() for m in held_inbox.messages]
        found = [re.search(r"(\d+) error mails were dropped", b) for b in bodies]
        return sum(int(m.group(1)) for m in found if m)

    # At most one mail in flight and one queued: the other three were dropped.
    held_inbox.release()
    assert wait_for(lambda: len(held_inbox.envelopes) + reported() == 5, timeout=15)
    assert reported() >= 3


def test_drops_not_yet_mailed_are_reported_at_exit(held_inbox, capsys):
    app = mail_app(held_inbox.port, MAIL_QUEUE_SIZE=1, MAIL_THROTTLE_SECONDS=0)
    client = app.test_client()
    for _ in range(4):
        client.get("/boom")
    handler = handler_named(app, "mail")
    handler.finish(deadline=time.monotonic())
    err = capsys.readouterr().err
    unsent = int(re.search(r"(\d+) error mails were still unsent", err).group(1))
    # The mail in flight may already have counted some drops when it was written.
    dropped = sum(map(int, re.findall(r"(\d+) error mails were dropped", err)))
    assert unsent + dropped == 4
    assert held_inbox.envelopes == []


def test_password_never_appears(capsys):
    def refuse(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=False, handled=False)

    with serving(Inbox(), authenticator=refuse, auth_require_tls=False) as inbox:
        app = mail_app(
            inbox.port, MAIL_USERNAME="mailer", MAIL_PASSWORD="s3cret-pass-phrase"
        )
        result = app.test_cli_runner().invoke(args=["check-logging"])
        app.test_client().get("/boom")
        err = wait_for_stderr(capsys, "SMTPAuthenticationError")
    assert "mail: FAILED: SMTPAuthenticationError" in result.output
    assert result.exit_code == 1
    assert "SMTPAuthenticationError" in err
    for text in (result.output, err, repr(app.extensions["log_handlers"])):
        assert "s3cret-pass-phrase" not in text


def test_login_with_credentials():
    seen = []

    def accept(server, session, envelope, mechanism, auth_data):
        seen.append((auth_data.login, auth_data.password))
        return AuthResult(success=True)

    with serving(Inbox(), authenticator=accept, auth_require_tls=False) as inbox:
        app = mail_app(inbox.port, MAIL_USERNAME="mailer", MAIL_PASSWORD="pw")
        app.test_client().get("/boom")
        assert wait_for(lambda: inbox.envelopes)
    assert seen == [(b"mailer", b"pw")]


@pytest.fixture
def server_tls(tmp_path, monkeypatch):
    """A server certificate for 127.0.0.1, from a test CA that the client trusts."""
    ca = trustme.CA()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    # ssl.create_default_context() reads SSL_CERT_FILE, as in production it reads
    # the system's CA bundle.
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return context


def test_starttls(server_tls):
    with serving(Inbox(), tls_context=server_tls, require_starttls=True) as inbox:
        app = mail_app(inbox.port, MAIL_USE_TLS=True)
        app.test_client().get("/boom")
        # The server refuses mail before STARTTLS: arriving proves the upgrade.
        assert wait_for(lambda: inbox.envelopes)


def test_implicit_tls(server_tls):
    with serving(Inbox(), ssl_context=server_tls) as inbox:
        app = mail_app(inbox.port, MAIL_USE_SSL=True)
        result = app.test_cli_runner().invoke(args=["check-logging"])
        assert "mail: ok" in result.output.splitlines()
        assert wait_for(lambda: inbox.envelopes)


def test_implicit_tls_refuses_an_untrusted_server(server_tls, monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE")
    with serving(Inbox(), ssl_context=server_tls) as inbox:
        app = mail_app(inbox.port, MAIL_USE_SSL=True, MAIL_TIMEOUT=3)
        result = app.test_cli_runner().invoke(args=["check-logging"])
    assert "mail: FAILED: SSLCertVerificationError" in result.output


def test_check_logging_with_working_and_dead_server(inbox):
    app = mail_app(inbox.port)
    result = app.test_cli_runner().invoke(args=["check-logging"])
    assert "mail: ok" in result.output.splitlines()
    assert result.exit_code == 0
    assert "flask check-logging" in inbox.messages[0].get_content()

    dead = mail_app(free_port())
    result = dead.test_cli_runner().invoke(args=["check-logging"])
    assert "mail: FAILED: ConnectionRefusedError" in result.output
    assert result.exit_code == 1


def test_mail_is_off_without_admins(capsys):
    app = mail_app(free_port(), ADMINS=[])
    assert handler_named(app, "mail") is None
    assert "mail logging is off: MAIL_SERVER is set but ADMINS is empty" in (
        capsys.readouterr().err
    )
    result = app.test_cli_runner().invoke(args=["check-logging"])
    assert "mail: FAILED: MAIL_SERVER is set but ADMINS is empty" in result.output
    assert result.exit_code == 1


EXIT_SCRIPT = textwrap.dedent(
    """
    import atexit, sys
    from {{ cookiecutter.package_name }} import create_app

    app = create_app(
        "testing",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=int(sys.argv[1]),
        ADMINS=["ops@example.com"],
        MAIL_EXIT_WAIT=float(sys.argv[2]),
        MAIL_TIMEOUT=120,
    )
    with app.app_context():
        app.logger.error("queued at exit")
    if "--log-during-exit" in sys.argv:
        # Runs at exit, before the mail's own exit handler (registered earlier).
        atexit.register(app.logger.error, "logged during exit")
    """
)


def run_and_exit(port, exit_wait, *options):
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", EXIT_SCRIPT, str(port), str(exit_wait), *options],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,  # under MAIL_TIMEOUT: exit must not wait for the server
        check=False,
    )


def test_mail_logged_while_the_interpreter_exits_is_delivered(inbox):
    """Python 3.12 and later start no thread at exit: the mail goes out anyway."""
    result = run_and_exit(inbox.port, 10, "--log-during-exit")
    assert result.returncode == 0, result.stderr
    subjects = sorted(m["Subject"] for m in inbox.messages)
    assert [s.split("] ")[1] for s in subjects] == [
        "logged during exit",
        "queued at exit",
    ]
    assert "unsent" not in result.stderr
    assert "Logging error" not in result.stderr


def test_queued_mail_is_delivered_at_exit(slow_inbox):
    result = run_and_exit(slow_inbox.port, exit_wait=10)
    assert result.returncode == 0
    # The process did not end before the server had accepted the mail.
    assert len(slow_inbox.envelopes) == 1
    assert "unsent" not in result.stderr


def test_exit_wait_reports_unsent_mail_with_its_text(held_inbox, capsys):
    app = mail_app(held_inbox.port, MAIL_THROTTLE_SECONDS=0)
    client = app.test_client()
    client.get("/boom")
    client.get("/other")
    handler = handler_named(app, "mail")
    handler.finish(deadline=time.monotonic() + 0.2)
    err = capsys.readouterr().err
    assert "2 error mails were still unsent after MAIL_EXIT_WAIT=5s" in err
    assert err.count("unsent error mail: [") == 2
    assert "the ledger is unbalanced" in err
    assert "no such account" in err


def test_mail_still_unsent_after_the_exit_wait_is_reported(held_inbox):
    result = run_and_exit(held_inbox.port, exit_wait=0.2)
    assert result.returncode == 0
    assert "1 error mails were still unsent after MAIL_EXIT_WAIT=0.2s" in result.stderr
    assert "queued at exit" in result.stderr  # its text, not only a count


def test_mail_format_is_multi_line_and_points_at_the_raise():
    try:
        raise KeyError("missing")
    except KeyError:
        record = logging.LogRecord(
            "test", logging.ERROR, __file__, 10, "Exception on /x", None, sys.exc_info()
        )
    RequestContextFilter().filter(record)
    text = logging.Formatter(MAIL_FORMAT).format(record)
    assert "Level:          ERROR" in text
    assert (
        "Function:       test_mail_format_is_multi_line_and_points_at_the_raise" in text
    )
    assert "Request ID:     -" in text
    assert "Traceback (most recent call last):" in text
    this_test = test_mail_format_is_multi_line_and_points_at_the_raise.__code__
    assert f"Location:       {__file__}:{this_test.co_firstlineno + 2}" in text


def test_subject_escapes_control_characters(inbox):
    app = mail_app(inbox.port)
    with app.app_context():
        app.logger.error("bad input \x1b[2J\x9b31m \u202eevil")
    assert wait_for(lambda: inbox.envelopes)
    subject = inbox.messages[0]["Subject"]
    assert subject.endswith("bad input \\x1b[2J\\x9b31m \\u202eevil")
    assert not any(ch in subject for ch in "\x1b\x9b\u202e")


class Tarpit:
    """An SMTP server that sends its greeting one byte at a time, for ever.

    Each read then succeeds within the socket timeout, so only a deadline on the
    whole conversation ends it.
    """

    def __init__(self, interval=0.2):
        self.interval = interval
        self.stopped = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        self.listener.settimeout(0.5)
        while not self.stopped.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self.drip, args=(conn,), daemon=True).start()

    def drip(self, conn):
        with conn:
            for byte in b"220 " + b"." * 100_000:
                if self.stopped.wait(self.interval):
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return  # the client gave up

    def stop(self):
        self.stopped.set()
        self.thread.join(timeout=5)
        self.listener.close()


@pytest.fixture
def tarpit():
    server = Tarpit()
    yield server
    server.stop()


def test_mail_timeout_bounds_the_whole_conversation(tarpit):
    app = mail_app(tarpit.port, MAIL_TIMEOUT=0.4)
    started = time.monotonic()
    result = app.test_cli_runner().invoke(args=["check-logging"])
    elapsed = time.monotonic() - started
    assert "mail: FAILED: TimeoutError: no answer within MAIL_TIMEOUT=0.4s" in (
        result.output
    )
    assert result.exit_code == 1
    assert elapsed < 30  # the socket timeout alone would let it run for hours


def test_a_tarpit_mail_server_is_reported_and_the_next_mail_goes_out(tarpit, capsys):
    app = mail_app(tarpit.port, MAIL_TIMEOUT=0.4)
    assert app.test_client().get("/boom").status_code == 500
    err = wait_for_stderr(capsys, "no answer within MAIL_TIMEOUT=0.4s")
    assert "the ledger is unbalanced" in err  # the mail's text is not lost
