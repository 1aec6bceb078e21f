"""Syslog against real UDP, TCP and Unix sockets on this machine."""

import logging
import os
import re
import socket
import struct
import sys
import tempfile

import pytest

from {{ cookiecutter.package_name }}.log import syslog
from {{ cookiecutter.package_name }}.log.syslog import CUT, MAX_DATAGRAM, parse_address
from {{ cookiecutter.package_name }}.log.tracebacks import MAX_MESSAGE

from .conftest import failing_app, handler_named, logged, readable
from .peers import free_port

RFC5424 = re.compile(
    r"<(?P<pri>\d+)>1 (?P<time>\S+) (?P<host>\S+) (?P<app>\S+) (?P<procid>\d+) - "
    r"(?P<data>-|\[.*?\]) (?P<msg>.*)",
    re.S,
)


def syslog_app(address, **overrides):
    settings = {"SYSLOG_TIMEOUT": 0.3, "LOG_QUEUE_BYTES": 1 << 23, **overrides}
    return failing_app("syslog test failure", SYSLOG_ADDRESS=address, **settings)


def log(app, level, message):
    with app.app_context():
        app.logger.log(level, message)


@pytest.fixture
def udp_listener():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(5)
        yield sock


@pytest.fixture
def tcp_listener():
    with socket.create_server(("127.0.0.1", 0)) as sock:
        sock.settimeout(5)
        yield sock


@pytest.fixture
def socket_path():
    # Unix socket paths are short (about 100 bytes): not under pytest's tmp_path.
    with tempfile.TemporaryDirectory(prefix="syslog-") as directory:
        yield os.path.join(directory, "log")


def address_of(listener):
    host, port = listener.getsockname()[:2]
    return f"{host}:{port}"


def read_frames(conn, count):
    """Read `count` octet-counted frames (RFC 6587) from a TCP connection."""
    buffer, frames = b"", []
    while len(frames) < count:
        match = re.match(rb"(\d+) ", buffer)
        if match and len(buffer) >= match.end() + int(match.group(1)):
            end = match.end() + int(match.group(1))
            frames.append(buffer[match.end() : end].decode())
            buffer = buffer[end:]
            continue
        chunk = conn.recv(65536)
        assert chunk, "connection closed before every frame arrived"
        buffer += chunk
    return frames


def test_udp_message_follows_rfc_5424(udp_listener):
    app = syslog_app(address_of(udp_listener))
    response = app.test_client().get("/boom")
    message = RFC5424.fullmatch(udp_listener.recv(65536).decode())
    assert message, "not an RFC 5424 message"
    assert message["pri"] == "11"  # facility user (1) * 8 + severity error (3)
    assert message["time"].endswith("+00:00")  # UTC
    assert message["host"] == socket.gethostname()
    assert message["app"] == app.name
    assert message["procid"] == str(os.getpid())
    request_id = response.headers["X-Request-ID"]
    assert message["data"] == f'[request@32473 id="{request_id}"]'
    # The message is a line in the project's format.
    assert f"ERROR {app.name} [{request_id} " in readable(message["msg"])
    assert "Exception on /boom [GET]" in readable(message["msg"])
    assert "syslog test failure" in readable(message["msg"])


@pytest.mark.parametrize(
    ("level", "severity"),
    [(logging.CRITICAL, 2), (logging.ERROR, 3), (logging.WARNING, 4),
     (logging.INFO, 6), (logging.DEBUG, 7)],
)  # fmt: skip
def test_each_level_has_its_severity(udp_listener, level, severity):
    app = syslog_app(address_of(udp_listener), SYSLOG_FACILITY="local3", LOG_LEVEL=10)
    log(app, level, "outside a request")
    message = RFC5424.fullmatch(udp_listener.recv(65536).decode())
    assert message["pri"] == str(19 * 8 + severity)  # local3 is facility 19
    assert message["data"] == "-"  # no request, no structured data


def test_an_id_given_in_extra_is_escaped_as_rfc_5424_asks(udp_listener):
    app = syslog_app(address_of(udp_listener))
    with app.app_context():
        app.logger.warning("given", extra={"request_id": 'X"]\\'})
    message = RFC5424.fullmatch(udp_listener.recv(65536).decode())
    assert message["data"] == '[request@32473 id="X\\"\\]\\\\"]'


def test_a_record_too_long_for_a_datagram_is_cut_and_the_next_one_sent(
    udp_listener, capsys
):
    """Sent whole, it would be refused: lost, and the handler would rest."""
    app = syslog_app(address_of(udp_listener))
    bidi = "\u202e" * MAX_MESSAGE  # escaped: 6 bytes each
    with app.app_context():
        try:
            raise ValueError(bidi)
        except ValueError:
            app.logger.exception(bidi)
        app.logger.error("the record after")
    first = udp_listener.recv(1 << 17)
    assert len(first) == MAX_DATAGRAM
    assert first.endswith(CUT)
    assert "the record after" in udp_listener.recv(1 << 17).decode()
    assert "could not be written" not in capsys.readouterr().err


def test_a_record_of_exactly_one_datagram_is_sent_whole(udp_listener, monkeypatch):
    monkeypatch.setattr(syslog, "MAX_DATAGRAM", 2000)
    app = syslog_app(address_of(udp_listener))

    def sent(size):
        log(app, logging.WARNING, "x" * size)
        return udp_listener.recv(65536)

    room = 2000 - len(sent(0))  # what a message may add
    whole = sent(room)
    assert (len(whole), whole.endswith(CUT)) == (2000, False)
    assert sent(room + 1).endswith(CUT)


def test_tcp_keeps_a_traceback_in_one_frame(tcp_listener):
    app = syslog_app(address_of(tcp_listener), SYSLOG_SOCKTYPE="tcp")
    app.test_client().get("/boom")
    log(app, logging.WARNING, "the record after")
    conn, _ = tcp_listener.accept()
    with conn:
        conn.settimeout(5)
        first, second = read_frames(conn, 2)
    assert "Traceback (most recent call last)" in readable(first)
    assert "syslog test failure" in readable(first)
    assert "the record after" in second
    assert "Traceback" not in second


def test_a_local_daemon_that_restarts_loses_nothing(socket_path, capsys):
    """As with the standard library's handler: one new connection, and a resend."""
    app = syslog_app(socket_path)
    for moment in ("before", "after"):  # a restart: a new socket at the same path
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as collector:
            collector.bind(socket_path)
            collector.settimeout(5)
            log(app, logging.WARNING, f"logged {moment} the restart")
            assert f"logged {moment} the restart" in collector.recv(65536).decode()
        os.remove(socket_path)
    logged(app)
    assert "could not be written" not in capsys.readouterr().err


@pytest.mark.parametrize("kind", [socket.SOCK_DGRAM, socket.SOCK_STREAM])
def test_the_local_socket_gets_the_short_form(socket_path, kind):
    """/dev/log is a datagram socket on most systems, a stream on some."""
    with socket.socket(socket.AF_UNIX, kind) as collector:
        collector.bind(socket_path)
        collector.settimeout(5)
        if kind == socket.SOCK_STREAM:
            collector.listen()
        app = syslog_app(socket_path)
        assert app.extensions["logging"].destinations["syslog"] == socket_path
        log(app, logging.WARNING, "to the local daemon")
        if kind == socket.SOCK_STREAM:
            conn, _ = collector.accept()
            conn.settimeout(5)
            data = conn.recv(65536)
            conn.close()
        else:
            data = collector.recv(65536)
    assert data.startswith(f"<12>{app.name}[{os.getpid()}]: ".encode())
    assert data.endswith(b"\0")  # the local daemon's delimiter
    assert b"to the local daemon" in data


def test_a_local_socket_nobody_listens_on_is_told(socket_path):
    app = syslog_app(socket_path)
    result = app.test_cli_runner().invoke(args=["check-logging"])
    assert f"syslog: FAILED: ConnectionError: cannot connect to {socket_path}" in (
        result.output
    )


@pytest.mark.skipif(sys.platform != "linux", reason="Linux drops a connection over")
def test_a_collector_that_accepts_no_connection_is_given_up(capsys):
    """A full backlog: the connection is never answered, until the timeout."""
    with socket.create_server(("127.0.0.1", 0), backlog=0) as listener:
        waiting = socket.create_connection(listener.getsockname())  # fills it
        with waiting:
            app = syslog_app(address_of(listener), SYSLOG_SOCKTYPE="tcp")
            result = app.test_cli_runner().invoke(args=["check-logging"])
    assert "syslog: FAILED: TimeoutError" in result.output


def test_a_request_never_waits_for_a_collector_that_does_not_read(capsys):
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        app = syslog_app(address_of(listener), SYSLOG_SOCKTYPE="tcp")
        client = app.test_client()
        # 6 MB, more than the socket buffers hold: sent inline, requests would block.
        with app.app_context():
            for number in range(400):
                app.logger.warning("record %d %s", number, "x" * 15_000)
        conn, _ = listener.accept()
        with conn:  # accepted, never read: a hung collector
            assert client.get("/livez").status_code == 200
            assert client.get("/boom").status_code == 500
            logged(app)
    err = readable(capsys.readouterr().err)
    reports = re.findall(r"(\d+) records could not be written to 127\.0\.0\.1", err)
    assert len(reports) == 1  # once: the next report comes a minute later
    assert "(TimeoutError: timed out)" in err
    handler_named(app, "syslog").close()  # its count told now, not after the suite


def test_a_collector_that_comes_up_late_is_used(capsys):
    port = free_port()
    app = syslog_app(f"127.0.0.1:{port}", SYSLOG_SOCKTYPE="tcp")
    handler = handler_named(app, "syslog")
    handler.rest = 0  # try again at once (in production: after a pause)
    log(app, logging.WARNING, "logged before the collector is up")
    logged(app)
    assert "ConnectionRefusedError" in readable(capsys.readouterr().err)
    with socket.create_server(("127.0.0.1", port)) as listener:
        listener.settimeout(10)
        log(app, logging.WARNING, "logged once it is up")
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(5)
            (frame,) = read_frames(conn, 1)
    assert "logged once it is up" in frame
    logged(app)
    # Nothing was lost while it was down: the first record was told at once.
    assert re.search(
        r"127\.0\.0\.1:\d+ works again after [\d.]+ s( \[in -:0\])?$",
        readable(capsys.readouterr().err),
        re.M,
    )


def test_after_a_failure_the_handler_rests_and_counts(capsys, monkeypatch):
    """A hung collector would hold the logging thread for a timeout every record:
    after a failure, records are counted, not tried, for a while (in production a
    second, then two, four, up to a minute)."""
    with socket.create_server(("127.0.0.1", 0), backlog=0) as listener:
        app = syslog_app(address_of(listener), SYSLOG_SOCKTYPE="tcp")
        handler = handler_named(app, "syslog")
        handler.rest = 60.0  # longer than the test, however slow the machine
        tried = []
        emit = handler.emit
        monkeypatch.setattr(handler, "emit", lambda r: tried.append(r) or emit(r))
        listener.close()  # refused from now on
        for number in range(5):
            log(app, logging.WARNING, f"record {number}")
        logged(app)
    assert len(tried) == 1  # the first was tried, reported and rested on...
    assert handler.failed == 4  # ...and the others counted
    assert handler.resting_until > handler.down_since
    rests = []
    handler.rest_for = 1.0  # as after a first failure in production
    for _ in range(7):
        handler.resting_until = 0.0  # the rest is over
        log(app, logging.WARNING, "tried again")
        logged(app)
        rests.append(handler.rest_for)
    assert rests == [2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]  # twice as long, to 60 s
    handler.close()  # its count told now, not after the suite


def test_a_collector_restart_loses_no_record_unreported(tcp_listener):
    app = syslog_app(address_of(tcp_listener), SYSLOG_SOCKTYPE="tcp")
    handler = handler_named(app, "syslog")
    handler.rest = 0
    port = tcp_listener.getsockname()[1]
    log(app, logging.WARNING, "before the restart")
    conn, _ = tcp_listener.accept()
    with conn:
        conn.settimeout(5)
        assert "before the restart" in read_frames(conn, 1)[0]
    tcp_listener.close()  # the collector is gone: the connection is closed...
    with socket.create_server(("127.0.0.1", port)) as restarted:  # ...and it is back
        restarted.settimeout(10)
        log(app, logging.WARNING, "after the restart")
        conn, _ = restarted.accept()
        with conn:
            conn.settimeout(5)
            (frame,) = read_frames(conn, 1)
    assert "after the restart" in frame  # not written into the closed connection


def test_what_a_collector_writes_back_is_dropped_and_its_end_seen(tcp_listener):
    """Unread, what it wrote would make our close a reset, losing what we sent."""
    app = syslog_app(address_of(tcp_listener), SYSLOG_SOCKTYPE="tcp")
    log(app, logging.WARNING, "first")
    conn, _ = tcp_listener.accept()
    with conn:
        conn.settimeout(5)
        conn.sendall(b"220 hello\n")  # it writes back, and stays
        log(app, logging.WARNING, "second")
        frames = read_frames(conn, 2)
        conn.sendall(b"error: going away\n")  # it writes back, and goes
    log(app, logging.WARNING, "third")
    conn, _ = tcp_listener.accept()
    with conn:
        conn.settimeout(5)
        frames += read_frames(conn, 1)
    assert ["first" in frames[0], "second" in frames[1], "third" in frames[2]] == [
        True
    ] * 3


def test_a_collector_that_resets_the_connection_gets_a_new_one(tcp_listener):
    app = syslog_app(address_of(tcp_listener), SYSLOG_SOCKTYPE="tcp")
    log(app, logging.WARNING, "before the reset")
    conn, _ = tcp_listener.accept()
    conn.settimeout(5)
    assert "before the reset" in read_frames(conn, 1)[0]
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()  # a reset (RST), not a goodbye
    log(app, logging.WARNING, "after the reset")
    conn, _ = tcp_listener.accept()
    with conn:
        conn.settimeout(5)
        assert "after the reset" in read_frames(conn, 1)[0]


def test_the_exit_ends_a_send_whatever_the_connection(udp_listener, tcp_listener):
    unused = handler_named(syslog_app(address_of(udp_listener)), "syslog")
    unused.interrupt()  # never connected: nothing to end
    app = syslog_app(address_of(udp_listener))
    log(app, logging.WARNING, "by datagram")
    udp_listener.recv(65536)
    handler_named(app, "syslog").interrupt()  # a datagram socket has no connection
    app = syslog_app(address_of(tcp_listener), SYSLOG_SOCKTYPE="tcp")
    log(app, logging.WARNING, "over a connection")
    conn, _ = tcp_listener.accept()
    with conn:
        conn.settimeout(5)
        read_frames(conn, 1)
        handler_named(app, "syslog").interrupt()
        assert conn.recv(1) == b""  # the connection is shut down


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
# Python 3.12+ warns about forking with threads running, as gunicorn --preload does
# here: the logging thread is what this test is about (queue.py forks safely).
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded")
def test_a_forked_worker_has_its_own_connection(tcp_listener):
    app = syslog_app(address_of(tcp_listener), SYSLOG_SOCKTYPE="tcp")
    log(app, logging.WARNING, "from the parent")  # it connects first, as --preload
    parent_conn, _ = tcp_listener.accept()
    pid = os.fork()
    if pid == 0:  # the child, like a gunicorn worker
        try:
            log(app, logging.WARNING, "from the child")
            logged(app)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    child_conn, _ = tcp_listener.accept()
    with parent_conn, child_conn:
        parent_conn.settimeout(5)
        child_conn.settimeout(5)
        assert "from the parent" in read_frames(parent_conn, 1)[0]
        assert "from the child" in read_frames(child_conn, 1)[0]


def test_check_logging_sends_to_syslog(udp_listener):
    app = syslog_app(address_of(udp_listener))
    result = app.test_cli_runner().invoke(args=["check-logging"])
    assert "syslog: ok" in result.output.splitlines()
    assert "flask check-logging" in udp_listener.recv(65536).decode()


def test_check_logging_reports_an_unreachable_collector():
    app = syslog_app(f"127.0.0.1:{free_port()}", SYSLOG_SOCKTYPE="tcp")
    result = app.test_cli_runner().invoke(args=["check-logging"])
    assert "syslog: FAILED: ConnectionRefusedError" in result.output
    assert result.exit_code == 1


def test_bad_socket_type_warns_and_check_logging_fails(capsys):
    app = syslog_app("127.0.0.1:514", SYSLOG_SOCKTYPE="carrier-pigeon")
    err = readable(capsys.readouterr().err)
    assert err.count("syslog logging is off: SYSLOG_SOCKTYPE must be udp or tcp") == 1
    assert handler_named(app, "syslog") is None
    result = app.test_cli_runner().invoke(args=["check-logging"])
    assert "syslog: FAILED: SYSLOG_SOCKTYPE must be udp or tcp" in result.output
    assert result.exit_code == 1


def test_bad_facility_warns_with_the_names_it_takes(capsys):
    app = syslog_app("127.0.0.1:514", SYSLOG_FACILITY="kitchen")
    assert handler_named(app, "syslog") is None
    assert (
        "syslog logging is off: SYSLOG_FACILITY must be one of auth, authpriv, "
        "console, cron, daemon, ftp, kern, local0, local1,"
    ) in readable(capsys.readouterr().err)


def test_without_unix_sockets_a_path_is_refused(monkeypatch, capsys):
    monkeypatch.delattr(socket, "AF_UNIX", raising=False)  # as on Windows
    app = syslog_app("/dev/log")
    assert handler_named(app, "syslog") is None
    assert "syslog logging is off: /dev/log is a socket path: use host:port here" in (
        readable(capsys.readouterr().err)
    )


def test_a_timeout_may_be_text_with_a_fraction_of_a_second():
    """FLASK_SYSLOG_TIMEOUT=.5 is not JSON: Flask keeps it as text."""
    app = syslog_app(" 127.0.0.1:514 ", SYSLOG_TIMEOUT=".5")
    handler = handler_named(app, "syslog")
    assert handler.timeout == 0.5
    assert handler.address == ("127.0.0.1", 514)


def test_an_address_with_a_bad_port_warns_with_one_that_works(capsys):
    app = syslog_app("loghost:five-one-four")
    assert handler_named(app, "syslog") is None
    assert (
        "syslog logging is off: SYSLOG_ADDRESS 'loghost:five-one-four' is neither a "
        "socket path nor host:port, such as 127.0.0.1:514"
    ) in readable(capsys.readouterr().err)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/dev/log", "/dev/log"),
        ("localhost", "localhost"),
        ("/run/sys:log/socket", "/run/sys:log/socket"),
        ("127.0.0.1:514", ("127.0.0.1", 514)),
        ("[::1]:6514", ("::1", 6514)),
        ("LOGHOST-X:514", ("LOGHOST-X", 514)),
    ],
)
def test_parse_address(value, expected):
    assert parse_address(value) == expected
