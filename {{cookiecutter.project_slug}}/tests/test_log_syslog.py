"""Syslog against real UDP and TCP sockets on 127.0.0.1."""

import re
import socket

import pytest

from {{ cookiecutter.package_name }} import create_app
from {{ cookiecutter.package_name }}.log.syslog import parse_address

USER_ERR = "<11>"  # facility user (1) * 8 + severity error (3)


def syslog_app(address, **overrides):
    app = create_app(
        "testing", PROPAGATE_EXCEPTIONS=False, SYSLOG_ADDRESS=address, **overrides
    )

    @app.route("/boom")
    def boom():
        raise RuntimeError("syslog test failure")

    return app


@pytest.fixture
def udp_listener():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(5)
        yield sock


@pytest.fixture
def tcp_listener():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        sock.settimeout(5)
        yield sock


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


def test_udp_frame_carries_priority_ident_and_request_id(udp_listener):
    host, port = udp_listener.getsockname()
    app = syslog_app(f"{host}:{port}")
    response = app.test_client().get("/boom")
    frame = udp_listener.recv(65536).decode()
    assert frame.startswith(f"{USER_ERR}{app.name}: ")
    assert "Exception on /boom [GET]" in frame
    assert response.headers["X-Request-ID"] in frame
    assert "syslog test failure" in frame


def test_facility_setting_is_used(udp_listener):
    host, port = udp_listener.getsockname()
    app = syslog_app(f"{host}:{port}", SYSLOG_FACILITY="local3")
    with app.app_context():
        app.logger.warning("local3 warning")
    assert udp_listener.recv(65536).decode().startswith("<156>")  # 19 * 8 + 4


def test_tcp_keeps_a_traceback_in_one_frame(tcp_listener):
    host, port = tcp_listener.getsockname()
    app = syslog_app(f"{host}:{port}", SYSLOG_SOCKTYPE="tcp")
    conn, _ = tcp_listener.accept()
    with conn:
        conn.settimeout(5)
        app.test_client().get("/boom")
        with app.app_context():
            app.logger.warning("the record after")
        first, second = read_frames(conn, 2)
    assert "Traceback (most recent call last)" in first
    assert "syslog test failure" in first
    assert "the record after" in second
    assert "Traceback" not in second


def test_missing_socket_warns_once_and_is_left_out(tmp_path, capsys):
    app = syslog_app(str(tmp_path / "no-such-socket"))
    err = capsys.readouterr().err
    assert err.count("syslog is off") == 1
    assert "syslog" not in [h.name for h in app.extensions["log_handlers"]]
    assert app.test_client().get("/boom").status_code == 500
    assert "Logging error" not in capsys.readouterr().err


def test_bad_socket_type_warns(capsys):
    app = syslog_app("127.0.0.1:514", SYSLOG_SOCKTYPE="carrier-pigeon")
    assert "syslog is off" in capsys.readouterr().err
    assert "syslog" not in [h.name for h in app.extensions["log_handlers"]]


def test_check_logging_sends_to_syslog(udp_listener):
    host, port = udp_listener.getsockname()
    app = syslog_app(f"{host}:{port}")
    result = app.test_cli_runner().invoke(args=["check-logging"])
    assert "syslog: ok" in result.output.splitlines()
    assert "flask check-logging" in udp_listener.recv(65536).decode()


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
