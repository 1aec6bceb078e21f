"""Syslog against real UDP, TCP and Unix sockets, from the background thread."""

import os
import re
import socket
import tempfile
import time

import pytest

from {{ cookiecutter.package_name }}.log.background import deliver_queued_records
from {{ cookiecutter.package_name }}.log.syslog import parse_address

from .conftest import failing_app, free_port, handler_named, wait_for_stderr

USER_ERR = "<11>"  # facility user (1) * 8 + severity error (3)
RFC5424 = re.compile(
    r"<(?P<pri>\d+)>1 (?P<time>\S+) (?P<host>\S+) (?P<app>\S+) (?P<procid>\d+) - "
    r"(?P<data>-|\[.*?\]) (?P<msg>.*)",
    re.S,
)


def syslog_app(address, **overrides):
    return failing_app(
        "syslog test failure", SYSLOG_ADDRESS=address, SYSLOG_TIMEOUT=0.3, **overrides
    )


def log_warning(app, message):
    with app.app_context():
        app.logger.warning(message)


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
def socket_dir():
    # Unix socket paths are short (about 100 bytes): not under pytest's tmp_path.
    with tempfile.TemporaryDirectory(prefix="syslog-") as directory:
        yield directory


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
    assert message["pri"] == "11"
    assert message["time"].endswith("+00:00")  # UTC
    assert message["host"] == socket.gethostname()
    assert message["app"] == app.name
    assert message["procid"] == str(os.getpid())
    request_id = response.headers["X-Request-ID"]
    assert message["data"] == f'[request@32473 id="{request_id}"]'
    assert "Exception on /boom [GET]" in message["msg"]
    assert "syslog test failure" in message["msg"]


def test_a_record_outside_a_request_has_no_structured_data(udp_listener):
    app = syslog_app(address_of(udp_listener))
    log_warning(app, "outside a request")
    message = RFC5424.fullmatch(udp_listener.recv(65536).decode())
    assert message["data"] == "-"
    assert "outside a request" in message["msg"]


def test_facility_setting_is_used(udp_listener):
    app = syslog_app(address_of(udp_listener), SYSLOG_FACILITY="local3")
    log_warning(app, "local3 warning")
    assert udp_listener.recv(65536).decode().startswith("<156>1 ")  # 19 * 8 + 4


def test_tcp_keeps_a_traceback_in_one_frame(tcp_listener):
    app = syslog_app(address_of(tcp_listener), SYSLOG_SOCKTYPE="tcp")
    app.test_client().get("/boom")
    log_warning(app, "the record after")
    conn, _ = tcp_listener.accept()
    with conn:
        conn.settimeout(5)
        first, second = read_frames(conn, 2)
    assert "Traceback (most recent call last)" in first
    assert "syslog test failure" in first
    assert "the record after" in second
    assert "Traceback" not in second


def test_local_socket_gets_the_short_form(socket_dir):
    path = os.path.join(socket_dir, "log")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as collector:
        collector.bind(path)
        collector.settimeout(5)
        app = syslog_app(path)
        log_warning(app, "to the local daemon")
        datagram = collector.recv(65536).decode()
    assert datagram.startswith(f"<12>{app.name}[{os.getpid()}]: ")
    assert "to the local daemon" in datagram


def test_a_request_never_waits_for_a_collector_that_does_not_read(tcp_listener, capsys):
    app = syslog_app(address_of(tcp_listener), SYSLOG_SOCKTYPE="tcp")
    handler = handler_named(app, "syslog")
    client = app.test_client()
    # Far more than the socket buffers hold: written inline, the requests would block.
    with app.app_context():
        for number in range(300):
            app.logger.warning("record %d %s", number, "x" * 50_000)
    conn, _ = tcp_listener.accept()
    with conn:  # accepted, never read: a hung collector
        assert client.get("/livez").status_code == 200
        assert client.get("/boom").status_code == 500
        assert handler.queue.qsize() > 0  # still waiting: nothing was sent inline
        err = wait_for_stderr(capsys, "is unreachable (TimeoutError")
        assert err.count("is unreachable") == 1
        handler.finish(deadline=time.monotonic())
    err = capsys.readouterr().err
    unsent = re.search(r"(\d+) syslog records were still unsent", err)
    assert unsent, err
    assert int(unsent.group(1)) > 0
    assert "the 1 errors among them follow" in err
    assert "syslog test failure" in err  # the error's text is not lost


def test_a_local_socket_that_does_not_read_never_blocks_a_request(socket_dir, capsys):
    path = os.path.join(socket_dir, "log")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as collector:
        collector.bind(path)  # bound, never read: its queue fills up
        app = syslog_app(path)
        client = app.test_client()
        for _ in range(50):
            assert client.get("/boom").status_code == 500
        wait_for_stderr(capsys, f"syslog at {path} is unreachable")
        handler = handler_named(app, "syslog")
        handler.finish(deadline=time.monotonic())
    err = capsys.readouterr().err
    unsent = re.search(r"(\d+) syslog records were still unsent", err)
    assert unsent, err
    assert int(unsent.group(1)) > 0


def test_a_collector_that_comes_up_late_gets_the_queued_records(capsys):
    port = free_port()
    app = syslog_app(f"127.0.0.1:{port}", SYSLOG_SOCKTYPE="tcp")
    log_warning(app, "logged before the collector is up")
    wait_for_stderr(capsys, f"syslog at 127.0.0.1:{port} is unreachable")
    with socket.create_server(("127.0.0.1", port)) as listener:
        listener.settimeout(10)
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(5)
            (frame,) = read_frames(conn, 1)
    assert "logged before the collector is up" in frame
    assert wait_for_stderr(capsys, "is reachable again after")


def test_a_collector_restart_loses_no_record(tcp_listener):
    app = syslog_app(address_of(tcp_listener), SYSLOG_SOCKTYPE="tcp")
    port = tcp_listener.getsockname()[1]
    log_warning(app, "before the restart")
    conn, _ = tcp_listener.accept()
    with conn:
        conn.settimeout(5)
        assert "before the restart" in read_frames(conn, 1)[0]
    tcp_listener.close()  # the collector is gone...
    log_warning(app, "during the restart")
    with socket.create_server(("127.0.0.1", port)) as restarted:  # ...and back
        restarted.settimeout(10)
        log_warning(app, "after the restart")
        conn, _ = restarted.accept()
        with conn:
            conn.settimeout(5)
            frames = read_frames(conn, 2)
    assert "during the restart" in frames[0]
    assert "after the restart" in frames[1]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
# Python 3.12+ warns about forking with threads running, as gunicorn --preload does
# here: the sending thread is what this test is about (background.py forks safely).
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded")
def test_a_forked_worker_has_its_own_connection(tcp_listener):
    app = syslog_app(address_of(tcp_listener), SYSLOG_SOCKTYPE="tcp")
    log_warning(app, "from the parent")  # the parent connects first, as with --preload
    parent_conn, _ = tcp_listener.accept()
    pid = os.fork()
    if pid == 0:  # the child, like a gunicorn worker
        try:
            log_warning(app, "from the child")
            deliver_queued_records()
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
    err = capsys.readouterr().err
    assert err.count("syslog logging is off: SYSLOG_SOCKTYPE must be udp or tcp") == 1
    assert handler_named(app, "syslog") is None
    result = app.test_cli_runner().invoke(args=["check-logging"])
    assert "syslog: FAILED: SYSLOG_SOCKTYPE must be udp or tcp" in result.output
    assert result.exit_code == 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/dev/log", "/dev/log"),
        ("localhost", "localhost"),
        ("127.0.0.1:514", ("127.0.0.1", 514)),
        ("[::1]:6514", ("::1", 6514)),
    ],
)
def test_parse_address(value, expected):
    assert parse_address(value) == expected
