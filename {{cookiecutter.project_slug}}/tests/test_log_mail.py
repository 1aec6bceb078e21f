"""Error mail against real SMTP servers on 127.0.0.1 (aiosmtpd)."""

import json
import logging
import socket
import ssl
import struct
import threading
from email.utils import parsedate_to_datetime

import pytest
import trustme
from aiosmtpd.smtp import AuthResult

from {{ cookiecutter.package_name }} import create_app
from {{ cookiecutter.package_name }}.log import throttle
from {{ cookiecutter.package_name }}.log.mail import ehlo_name
from {{ cookiecutter.package_name }}.log.throttle import MailThrottle

from .conftest import (
    PRODUCTION_OVERRIDES,
    failing_app,
    handler_named,
    logged,
    readable,
    wait_for_stderr,
)
from .mail_server import Inbox, Tarpit
from .peers import free_port

ADMINS = ["ops@example.com", "dev@example.com"]


@pytest.fixture
def inbox():
    inbox = Inbox().start()
    yield inbox
    inbox.stop()


@pytest.fixture
def held_inbox():
    inbox = Inbox(held=True).start()
    yield inbox
    inbox.stop()


def mail_app(port, **overrides):
    """An app mailing the server on port: /boom and /other fail differently."""
    settings = {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
        "ADMINS": ADMINS,
        "MAIL_SENDER": "app@example.com",
        "MAIL_EXIT_WAIT": 5,
        "LOG_QUEUE_BYTES": 1 << 23,  # the logging thread, as in production
        **overrides,
    }
    app = failing_app("the ledger is unbalanced", **settings)

    @app.route("/_test/other")
    def other():
        raise LookupError("no such account")

    return app


def test_error_mail_reaches_the_admins(inbox):
    app = mail_app(inbox.port)
    response = app.test_client().get("/boom", headers={"X-Request-ID": "mail-test-1"})
    assert response.status_code == 500
    (message,) = inbox.wait(1)
    envelope = inbox.envelopes[0]
    assert (envelope.mail_from, envelope.rcpt_tos) == ("app@example.com", ADMINS)
    project = app.config["PROJECT_NAME"]
    assert message["Subject"] == f"[{project}] RuntimeError: the ledger is unbalanced"
    assert message["To"] == ", ".join(ADMINS)
    # What providers ask for, and what keeps vacation replies away.
    assert message["Message-ID"].endswith(f"@{ehlo_name()}>")
    assert parsedate_to_datetime(message["Date"]).tzinfo is not None  # not "-0000"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Auto-Response-Suppress"] == "All"
    body = message.get_content()
    assert "Request ID:     mail-test-1" in body
    assert "Request:        GET /boom" in body
    assert "Function:       boom" in body
    assert "Traceback (most recent call last):" in body
    assert "raise RuntimeError(message)" in body  # the line that raised
    assert body.rstrip().endswith("RuntimeError: the ledger is unbalanced")
    queue = app.extensions["logging"].queue
    queue.flush()  # the exit, with no conversation under way: nothing to end
    queue.close()


def test_only_errors_are_mailed(inbox):
    app = mail_app(inbox.port)
    with app.app_context():
        app.logger.warning("only a warning")
        app.logger.error("a real error, %s", "x" * 300)
    logged(app)
    project = app.config["PROJECT_NAME"]
    subject = f"[{project}] a real error, {'x' * 300}"[:200]  # one line, bounded
    assert [m["Subject"] for m in inbox.wait(1)] == [subject]


def test_a_request_never_waits_for_the_mail_server(held_inbox):
    app = mail_app(held_inbox.port)
    response = app.test_client().get("/boom")
    assert response.status_code == 500  # back while the server holds the mail
    assert held_inbox.asked.wait(10)
    assert held_inbox.envelopes == []
    held_inbox.release()
    assert len(held_inbox.wait(1)) == 1


HOSTILE = (
    "=?utf-8?b?DQpSZXBseS1UbzogZXZpbEBleGFtcGxlLmNvbQ0KDQpib2R5?= \x1b[2J\u202e"
    "\r\nReply-To: evil@example.com\r\n\r\n"
)


def test_text_from_a_request_never_becomes_a_header_or_a_control(inbox):
    """An encoded word decoding to CR LF + Reply-To; a terminal escape; a bidi
    override; a lone surrogate from a JSON body. Python 3.11.7 writes a decoded CR LF
    as it is (CVE-2024-6923): the subject never reaches it."""
    app = mail_app(inbox.port)
    # pytest's log capture keeps the raw text, which pytest-xdist cannot send on.
    app.logger.propagate = False

    @app.route("/_test/hostile/<path:rest>", methods=["POST"])
    def hostile(rest):
        raise ValueError(HOSTILE + request_text())

    response = app.test_client().post(
        "/_test/hostile/%1b[2J%e2%80%ae", data=b'{"q": "\\ud800 surrogate"}',
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 500
    (message,) = inbox.wait(1)
    assert message["Reply-To"] is None
    subject = message["Subject"]
    assert subject.isprintable()
    assert "= ?utf-8?b?" in subject  # broken up: no mail program decodes it
    body = message.get_content()
    assert "Request:        POST /_test/hostile/\\x1b[2J\\u202e" in body
    assert (
        "\\x1b[2J\\u202e\\r\\nReply-To: evil@example.com\\r\\n\\r\\n\\ud800 surrogate"
        in body
    )
    assert all(line.isprintable() for line in body.splitlines())


def request_text():
    from flask import request

    return json.loads(request.get_data(as_text=True))["q"]


def test_identical_errors_are_mailed_once_per_window(
    inbox, monkeypatch, instance_folder
):
    app = mail_app(inbox.port, MAIL_THROTTLE_SECONDS=300)
    now = [1_000_000.0]
    monkeypatch.setattr(throttle.time, "time", lambda: now[0])
    client = app.test_client()
    for _ in range(3):
        client.get("/boom")
    client.get("/_test/other")  # a different error still goes out
    logged(app)
    assert len(inbox.wait(2)) == 2
    now[0] += 300  # the next window
    client.get("/boom")
    logged(app)
    subjects = [m["Subject"] for m in inbox.wait(3)]
    assert sum("RuntimeError" in s for s in subjects) == 2
    assert sum("LookupError" in s for s in subjects) == 1
    last = [m for m in inbox.messages if "RuntimeError" in m["Subject"]][-1]
    assert "2 more of the same error went unmailed." in last.get_content()
    assert "RuntimeError: the ledger is unbalanced" in last.get_content()
    assert list((instance_folder / "mail-throttle").iterdir())  # the shared marks


def throttled_record(place):
    record = logging.makeLogRecord({"msg": "failed", "levelno": logging.ERROR})
    record.error_place = place
    return record


def test_every_process_of_a_host_shares_the_window(tmp_path, monkeypatch):
    """Two workers: two throttles with one folder. The first mails, the second holds
    the same error back and counts it for the next mail, whichever sends it."""
    monkeypatch.setattr(throttle.time, "time", lambda: 600.0)
    first, second = MailThrottle(tmp_path, 300), MailThrottle(tmp_path, 300)
    error = "RuntimeError at /app/views.py:7"
    assert first.filter(throttled_record(error)) is True
    assert second.filter(throttled_record(error)) is False
    assert first.filter(throttled_record(error)) is False
    assert second.filter(throttled_record("KeyError at /app/views.py:9")) is True
    monkeypatch.setattr(throttle.time, "time", lambda: 900.0)
    record = throttled_record(error)
    assert second.filter(record) is True
    assert record.held_back == 2


def test_a_window_of_one_second_throttles_too(tmp_path, monkeypatch):
    monkeypatch.setattr(throttle.time, "time", lambda: 600.0)
    gate = MailThrottle(tmp_path, 1)
    assert gate.filter(throttled_record("KeyError at /app/x.py:1")) is True
    assert gate.filter(throttled_record("KeyError at /app/x.py:1")) is False


def test_a_throttle_that_cannot_keep_marks_lets_every_mail_through(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    gate = MailThrottle(blocker / "marks", 300)
    assert "mail is not throttled: cannot make" in readable(capsys.readouterr().err)
    blocker.unlink()  # the folder could be made now: the warning still holds
    assert [gate.filter(throttled_record("same")) for _ in range(2)] == [True, True]


def test_a_throttle_folder_removed_under_the_app_is_made_again(tmp_path):
    """A cleanup of the instance folder does not turn the throttle off."""
    folder = tmp_path / "marks"
    gate = MailThrottle(folder, 300)
    folder.rmdir()
    assert [gate.filter(throttled_record("same")) for _ in range(2)] == [True, False]


def test_a_throttle_that_can_make_no_mark_lets_the_mail_through(tmp_path):
    """Better a mail too many than none."""
    folder = tmp_path / "marks"
    gate = MailThrottle(folder, 300)
    folder.rmdir()
    folder.write_text("")  # a file where the folder was
    assert [gate.filter(throttled_record("same")) for _ in range(2)] == [True, True]


def test_a_mark_that_cannot_grow_still_holds_the_error_back(tmp_path, monkeypatch):
    """The count is lost (a full disk, say), not the throttle."""
    monkeypatch.setattr(throttle.time, "time", lambda: 600.0)
    gate = MailThrottle(tmp_path, 300)
    assert gate.filter(throttled_record("same")) is True
    (mark,) = tmp_path.iterdir()
    mark.unlink()
    mark.mkdir()  # no byte can be appended to it
    assert gate.filter(throttled_record("same")) is False


def test_a_clock_set_back_loses_no_count(tmp_path, monkeypatch):
    """Two earlier windows hold marks of the error: the next mail counts both."""
    now = [900.0]
    monkeypatch.setattr(throttle.time, "time", lambda: now[0])
    gate = MailThrottle(tmp_path, 300)
    for moment in (900.0, 600.0):  # a window, then the one before it
        now[0] = moment
        passed = [gate.filter(throttled_record("same")) for _ in range(2)]
        assert passed == [True, False]
    now[0] = 1200.0
    record = throttled_record("same")
    assert gate.filter(record) is True
    assert record.held_back == 2


def test_a_place_that_is_not_utf_8_is_a_key_too(tmp_path):
    """A path with bytes that are not UTF-8 reaches Python as lone surrogates."""
    gate = MailThrottle(tmp_path, 300)
    assert gate.filter(throttled_record("KeyError at /app/\udcff.py:1")) is True


def test_the_throttle_keeps_at_most_max_marks(tmp_path, monkeypatch):
    monkeypatch.setattr(MailThrottle, "MAX_MARKS", 10)
    monkeypatch.setattr(throttle.time, "time", lambda: 600.0)
    gate = MailThrottle(tmp_path, 300)
    for number in range(30):
        assert gate.filter(throttled_record(f"KeyError at /app/x.py:{number}"))
    assert len(list(tmp_path.iterdir())) <= 11


def test_a_library_line_does_not_make_errors_the_same(inbox):
    """Both views fail inside json.loads: two places in the project, two mails."""
    app = mail_app(inbox.port, MAIL_THROTTLE_SECONDS=300)

    @app.route("/_test/first")
    def first():
        return json.loads("{not json")

    @app.route("/_test/second")
    def second():
        return json.loads("[not json")

    client = app.test_client()
    client.get("/_test/first")
    client.get("/_test/second")
    assert len(inbox.wait(2)) == 2


def test_throttle_zero_mails_every_error(inbox):
    app = mail_app(inbox.port, MAIL_THROTTLE_SECONDS=0)
    client = app.test_client()
    for _ in range(3):
        client.get("/boom")
    messages = inbox.wait(3)
    assert len(messages) == 3
    assert not any("went unmailed" in m.get_content() for m in messages)


def test_the_ehlo_name_is_looked_up_once_per_process(monkeypatch):
    """smtplib would ask DNS on every connection, outside MAIL_TIMEOUT."""
    lookups = []

    def getfqdn(name=""):
        lookups.append(name)
        return "app-host.example.com"

    monkeypatch.setattr(socket, "getfqdn", getfqdn)  # no slow resolver runs here
    ehlo_name.cache_clear()
    # The server is named, or it would look its own name up too.
    inbox = Inbox().start(server_hostname="mail.example.com")
    try:
        app = mail_app(inbox.port, MAIL_THROTTLE_SECONDS=0)
        client = app.test_client()
        for _ in range(3):
            client.get("/boom")
        inbox.wait(3)
    finally:
        inbox.stop()
        ehlo_name.cache_clear()
    assert len(lookups) == 1
    assert inbox.ehlo_names == ["app-host.example.com"] * 3


SENDING = PRODUCTION_OVERRIDES | {"MAIL_SERVER": "127.0.0.1"}


@pytest.mark.parametrize(
    "sender",
    ["server-error@web1", "ops@localhost", "x@web1.", "server.error@web1",
     '"ops@example.com"@web1'],
)  # fmt: skip
def test_production_warns_once_about_a_sender_without_a_full_domain(capsys, sender):
    """Mail servers that require one (Postfix's reject_non_fqdn_sender) refuse it.
    The domain is what follows the last "@"."""
    create_app("production", **SENDING, MAIL_SENDER=sender)
    create_app("production", **SENDING, MAIL_SENDER=sender)
    warning = (
        f"the error mail sender {sender} has no full domain, and mail servers that "
        "require one refuse its mail: set FLASK_MAIL_SENDER to an address of your "
        "domain, such as server-error@example.com"
    )
    assert readable(capsys.readouterr().err).count(warning) == 1


def test_the_default_sender_is_checked_too(capsys, monkeypatch):
    monkeypatch.setattr("socket.gethostname", lambda: "web1")
    create_app("production", **SENDING)
    assert "server-error@web1 has no full domain" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("config", "settings"),
    [
        ("production", {"MAIL_SENDER": "server-error@app.example.com"}),
        ("production", {"MAIL_SENDER": "server-error@X.EXAMPLE"}),  # in capitals
        ("production", {"MAIL_SENDER": "server-error@web1", "MAIL_SERVER": None}),
        ("development", {"MAIL_SENDER": "server-error@web1"}),
    ],
)
def test_no_sender_warning_for_a_full_domain_no_mail_or_development(
    capsys, config, settings
):
    overrides = SENDING if config == "production" else {"MAIL_SERVER": "127.0.0.1"}
    create_app(config, **overrides | settings)
    assert "no full domain" not in capsys.readouterr().err


def test_errors_not_tried_while_the_handler_rests_are_counted_too(inbox):
    app = mail_app(free_port(), MAIL_THROTTLE_SECONDS=0)  # the server is down
    handler = handler_named(app, "mail")
    handler.rest = 60.0  # after the first failure: no try for longer than the test
    client = app.test_client()
    for _ in range(3):
        client.get("/boom")
    logged(app)
    handler.mailport, handler.resting_until = inbox.port, 0.0  # back, rest over
    client.get("/boom")
    (mail,) = inbox.wait(1)
    lines = mail.get_content().splitlines()
    assert "3 error mails before this one could not be sent." in lines


def test_a_server_that_is_down_is_told_and_counted(inbox, capsys):
    app = mail_app(inbox.port, MAIL_THROTTLE_SECONDS=0)
    handler = handler_named(app, "mail")
    handler.rest = 0  # try every mail (in production it rests after a failure)
    client = app.test_client()
    client.get("/boom")
    inbox.wait(1)
    handler.mailport = free_port()  # the server goes down
    assert client.get("/boom").status_code == 500
    assert client.get("/_test/other").status_code == 500
    logged(app)
    err = readable(capsys.readouterr().err)
    assert err.count("could not be written to 127.0.0.1") == 1  # once, not per mail
    assert "ConnectionRefusedError" in err
    handler.mailport = inbox.port  # it is back
    client.get("/boom")
    first, back = [m.get_content() for m in inbox.wait(2)]
    assert "could not be sent" not in first
    assert "2 error mails before this one could not be sent." in back.splitlines()
    assert "RuntimeError: the ledger is unbalanced" in back
    assert "works again" in wait_for_stderr(capsys, "works again")


def test_secrets_in_an_error_are_filtered_from_the_mail(inbox):
    app = mail_app(inbox.port)

    @app.route("/_test/secret")
    def secret():
        raise ConnectionError("cannot reach postgresql://app:hunter2@db/orders")

    app.test_client().get("/_test/secret")
    (message,) = inbox.wait(1)
    assert "hunter2" not in message.as_string()
    assert "postgresql://app:[Filtered]@db/orders" in message["Subject"]
    assert "ConnectionError: cannot reach postgresql://app:[Filtered]@db" in (
        message.get_content()
    )


def test_a_mail_held_back_is_not_news_that_the_server_works(monkeypatch, capsys):
    app = mail_app(free_port(), MAIL_THROTTLE_SECONDS=300)
    handler_named(app, "mail").rest = 0
    client = app.test_client()
    for _ in range(2):  # refused, then held back by the throttle
        client.get("/boom")
    logged(app)
    assert "works again" not in readable(capsys.readouterr().err)


def test_the_password_never_appears(capsys):
    def refuse(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=False, handled=False)

    inbox = Inbox().start(authenticator=refuse, auth_require_tls=False)
    try:
        app = mail_app(
            inbox.port, MAIL_USERNAME="mailer", MAIL_PASSWORD="s3cret-pass-phrase"
        )
        result = app.test_cli_runner().invoke(args=["check-logging"])
        app.test_client().get("/boom")
        logged(app)
        err = readable(capsys.readouterr().err)
    finally:
        inbox.stop()
    assert "mail: FAILED: SMTPAuthenticationError" in result.output
    assert result.exit_code == 1
    setup = repr(app.extensions["logging"])
    for text in (result.output, err, setup):
        assert "s3cret-pass-phrase" not in text


@pytest.mark.parametrize(
    ("password", "sent"), [("pw", b"pw"), (None, b"")], ids=["password", "none"]
)
def test_login_with_credentials(password, sent):
    seen = []

    def accept(server, session, envelope, mechanism, auth_data):
        seen.append((auth_data.login, auth_data.password))
        return AuthResult(success=True)

    inbox = Inbox().start(authenticator=accept, auth_require_tls=False)
    try:
        app = mail_app(inbox.port, MAIL_USERNAME="mailer", MAIL_PASSWORD=password)
        app.test_client().get("/boom")
        inbox.wait(1)
    finally:
        inbox.stop()
    assert seen == [(b"mailer", sent)]


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


@pytest.mark.parametrize("login", [False, True], ids=["without login", "with login"])
def test_starttls(server_tls, login):
    inbox = Inbox().start(
        tls_context=server_tls, require_starttls=True,
        authenticator=lambda *args: AuthResult(success=True),
    )  # fmt: skip
    try:
        credentials = (
            {"MAIL_USERNAME": "mailer", "MAIL_PASSWORD": "pw"} if login else {}
        )
        app = mail_app(inbox.port, MAIL_USE_TLS=True, **credentials)
        app.test_client().get("/boom")
        # The server refuses mail before STARTTLS: arriving proves the upgrade.
        assert len(inbox.wait(1)) == 1
    finally:
        inbox.stop()


def test_implicit_tls(server_tls):
    inbox = Inbox().start(ssl_context=server_tls)
    try:
        app = mail_app(inbox.port, MAIL_USE_SSL=True)
        result = app.test_cli_runner().invoke(args=["check-logging"])
        assert "mail: ok" in result.output.splitlines()
        assert len(inbox.wait(1)) == 1
    finally:
        inbox.stop()


@pytest.mark.parametrize("kind", ["MAIL_USE_SSL", "MAIL_USE_TLS"])
def test_tls_refuses_an_untrusted_server(server_tls, monkeypatch, kind):
    monkeypatch.delenv("SSL_CERT_FILE")
    if kind == "MAIL_USE_SSL":
        inbox = Inbox().start(ssl_context=server_tls)
    else:
        inbox = Inbox().start(tls_context=server_tls, require_starttls=True)
    try:
        app = mail_app(inbox.port, MAIL_TIMEOUT=3, **{kind: True})
        result = app.test_cli_runner().invoke(args=["check-logging"])
    finally:
        inbox.stop()
    assert "mail: FAILED: SSLCertVerificationError" in result.output


def test_check_logging_sends_a_one_line_mail_and_reports_a_dead_server(inbox):
    app = mail_app(inbox.port)
    result = app.test_cli_runner().invoke(args=["check-logging"])
    assert "mail: ok" in result.output.splitlines()
    assert result.exit_code == 0
    (message,) = inbox.messages  # sent before the command ended
    project = app.config["PROJECT_NAME"]
    assert message["Subject"].strip() == (
        f"[{project}] Test record from `flask check-logging`; no action needed."
    )
    dead = mail_app(free_port())
    result = dead.test_cli_runner().invoke(args=["check-logging"])
    assert "mail: FAILED: ConnectionRefusedError" in result.output
    assert result.exit_code == 1


def test_admins_may_be_a_comma_separated_text():
    """FLASK_ADMINS=ops@example.com is not JSON: Flask keeps it as text."""
    app = mail_app(free_port(), ADMINS="ops@example.com, dev@example.com")
    assert handler_named(app, "mail").toaddrs == ADMINS


class RefusingInbox(Inbox):
    """Refuses dev@example.com, as a server does an address with a typo."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == "dev@example.com":
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_an_admin_the_server_refuses_is_told():
    inbox = RefusingInbox().start()
    try:
        result = mail_app(inbox.port).test_cli_runner().invoke(args=["check-logging"])
        (envelope,) = inbox.envelopes
    finally:
        inbox.stop()
    assert envelope.rcpt_tos == ["ops@example.com"]  # the others still get it
    output = readable(result.output)  # stderr too, where the warning goes
    assert (
        "mail: FAILED: SMTPRecipientsRefused: "
        "{'dev@example.com': (550, b'5.1.1 no such user')}"
    ) in output.splitlines()
    assert "the error mail was refused for some of ADMINS: {'dev@example.com'" in output


class ResettingInbox(Inbox):
    """Takes the mail, then resets the connection at QUIT, as some servers do."""

    async def handle_QUIT(self, server, session, envelope):
        sock = server.transport.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        server.transport.abort()
        return "221 Bye"


def test_a_connection_reset_after_the_mail_is_taken_is_no_failure():
    inbox = ResettingInbox().start()
    try:
        result = mail_app(inbox.port).test_cli_runner().invoke(args=["check-logging"])
        assert len(inbox.wait(1)) == 1
    finally:
        inbox.stop()
    assert "mail: ok" in result.output.splitlines()


def test_a_deadline_passing_in_the_tls_handshake_ends_the_conversation(
    server_tls, monkeypatch
):
    """The handshake's socket cannot be shut: the next reply is never read."""
    inbox = Inbox().start(tls_context=server_tls, require_starttls=True)
    app = mail_app(inbox.port, MAIL_USE_TLS=True)
    handler = handler_named(app, "mail")
    make_context = ssl.create_default_context

    def context_with_a_slow_handshake(*args, **kwargs):
        context = make_context(*args, **kwargs)
        wrap = context.wrap_socket

        def wrap_socket(sock, **options):
            tls = wrap(sock, **options, do_handshake_on_connect=False)
            handler.interrupt("the deadline passed")  # during the handshake
            tls.do_handshake()
            return tls

        context.wrap_socket = wrap_socket
        return context

    monkeypatch.setattr(ssl, "create_default_context", context_with_a_slow_handshake)
    try:
        result = app.test_cli_runner().invoke(args=["check-logging"])
    finally:
        inbox.stop()
    assert "mail: FAILED: TimeoutError: the deadline passed" in result.output
    assert inbox.envelopes == []


def test_mail_is_off_without_admins(capsys):
    app = mail_app(free_port(), ADMINS=[])
    assert handler_named(app, "mail") is None
    assert "mail logging is off: MAIL_SERVER is set but ADMINS is empty" in (
        readable(capsys.readouterr().err)
    )
    result = app.test_cli_runner().invoke(args=["check-logging"])
    assert "mail: FAILED: MAIL_SERVER is set but ADMINS is empty" in result.output
    assert result.exit_code == 1


def test_mail_timeout_bounds_the_whole_conversation():
    """A server answering a byte at a time passes every socket timeout."""
    tarpit = Tarpit(interval=0.02)  # each read gets its byte well within the timeout
    try:
        app = mail_app(tarpit.port, MAIL_TIMEOUT=0.25)
        result = app.test_cli_runner().invoke(args=["check-logging"])
    finally:
        tarpit.stop()
    assert "mail: FAILED: TimeoutError: no answer within MAIL_TIMEOUT=0.25s" in (
        result.output
    )


def test_without_a_thread_for_the_deadline_the_mail_still_goes(inbox, monkeypatch):
    """Python 3.12 and later start no thread while the interpreter exits."""

    def refused(timer):
        raise RuntimeError("can't create new thread at interpreter shutdown")

    monkeypatch.setattr(threading.Timer, "start", refused)
    app = mail_app(inbox.port)
    result = app.test_cli_runner().invoke(args=["check-logging"])
    assert "mail: ok" in result.output.splitlines()
    assert len(inbox.wait(1)) == 1


def test_the_exit_ends_a_conversation_that_hangs(held_inbox, capsys):
    app = mail_app(held_inbox.port, MAIL_EXIT_WAIT=0.05, MAIL_TIMEOUT=60)
    app.test_client().get("/boom")
    assert held_inbox.asked.wait(10)
    deadlines = [t for t in threading.enumerate() if isinstance(t, threading.Timer)]
    assert deadlines
    assert all(t.daemon for t in deadlines)  # none holds the exit up
    queue = app.extensions["logging"].queue
    done = threading.Event()
    threading.Thread(target=lambda: (queue.flush(), queue.close(), done.set())).start()
    assert done.wait(10), "the exit waited for the mail server"
    err = readable(capsys.readouterr().err)
    assert "could not be written to 127.0.0.1" in err
    assert "TimeoutError: the exit wait ended" in err
    assert held_inbox.envelopes == []
