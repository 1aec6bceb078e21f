"""Syslog over a local socket, UDP or TCP: the standard library's SysLogHandler.

Over the network each record is an RFC 5424 message: time in UTC, host name, app
name, process id and the request id as structured data, so that one collector fed by
many machines and workers can tell them apart. Over TCP the messages are
octet-counted (RFC 6587), so a multi-line traceback stays one message. The local
socket gets the short form the local daemon expects, which adds the time and host.

Every connection and send has SYSLOG_TIMEOUT; a collector that is down, hung or
restarting is tried again later (see ReportsFailures.rest), and used again once back.
"""

import contextlib
import logging
import os
import socket
from datetime import UTC, datetime
from logging.handlers import SysLogHandler

from flask import Flask

from .formatters import line_formatter
from .report import HandlerUnavailable, ReportsFailures

SOCKET_TYPES = {"udp": socket.SOCK_DGRAM, "tcp": socket.SOCK_STREAM}
# The structured data element that carries the request id. 32473 is the enterprise
# number set aside for examples (RFC 5612); use your organisation's own if it has one.
REQUEST_SD_ID = "request@32473"


def build_syslog_handler(app: Flask) -> logging.Handler | None:
    config = app.config
    if not config["SYSLOG_ADDRESS"]:
        return None
    socktype = SOCKET_TYPES.get(str(config["SYSLOG_SOCKTYPE"]).lower())
    if socktype is None:
        raise HandlerUnavailable("SYSLOG_SOCKTYPE must be udp or tcp")
    facility = SysLogHandler.facility_names.get(str(config["SYSLOG_FACILITY"]).lower())
    if facility is None:
        names = ", ".join(sorted(SysLogHandler.facility_names))
        raise HandlerUnavailable(f"SYSLOG_FACILITY must be one of {names}")
    address = parse_address(str(config["SYSLOG_ADDRESS"]))
    if isinstance(address, str) and not hasattr(socket, "AF_UNIX"):
        raise HandlerUnavailable(f"{address} is a socket path: use host:port here")
    handler = SyslogHandler(
        address, facility, socktype, float(config["SYSLOG_TIMEOUT"])
    )
    handler.app_name = printable(app.name, 48)
    handler.setFormatter(line_formatter())
    return handler


def parse_address(value: str) -> str | tuple[str, int]:
    """A socket path stays a path; 'host:port' and '[::1]:514' become (host, port)."""
    if value.startswith("/") or ":" not in value:
        return value
    host, _, port = value.rpartition(":")
    return (host.strip("[]"), int(port))


def printable(text: str, limit: int) -> str:
    """RFC 5424 header fields: printable US-ASCII, no spaces, at most limit long."""
    return "".join(ch for ch in text if "!" <= ch <= "~")[:limit] or "-"


class SyslogHandler(ReportsFailures, SysLogHandler):
    """SysLogHandler with timeouts, RFC 5424 over the network, octet counting over
    TCP, and a connection of its own in each process."""

    rest = 1.0  # seconds without trying after a failure (doubling, see report.py)
    app_name = "-"

    def __init__(
        self,
        address: str | tuple[str, int],
        facility: int,
        socktype: socket.SocketKind,
        timeout: float,
    ) -> None:
        self.timeout = timeout
        self.pid = os.getpid()
        self.hostname = printable(socket.gethostname(), 255)
        self.connecting = False  # not before the first record, on the logging thread
        # A local socket's type is found out (datagram, or stream where it is one).
        local = isinstance(address, str)
        super().__init__(address, facility, None if local else socktype)
        self.connecting, self.unixsocket = True, local
        self.destination = str(address) if local else "{}:{}".format(*address)

    def createSocket(self) -> None:
        """Connect, with a timeout; raise OSError if the collector is not there."""
        if not self.connecting:
            return
        self.pid = os.getpid()
        if isinstance(self.address, tuple) and self.socktype == socket.SOCK_STREAM:
            self.socket = socket.create_connection(self.address, self.timeout)
        else:
            super().createSocket()  # a local socket it cannot reach stays closed
        if self.socket is None or self.socket.fileno() == -1:
            self.socket = None  # type: ignore[assignment]  # typeshed: never None
            raise ConnectionError(f"cannot connect to {self.destination}")
        self.socket.settimeout(self.timeout)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        if self.unixsocket:
            return f"{self.app_name}[{record.process}]: {line}"
        stamp = datetime.fromtimestamp(record.created, UTC)
        request_id = getattr(record, "request_id", "-")
        data = "-"
        if request_id != "-":
            escaped = "".join(f"\\{ch}" if ch in '"\\]' else ch for ch in request_id)
            data = f'[{REQUEST_SD_ID} id="{escaped}"]'
        header = f"1 {stamp.isoformat(timespec='milliseconds')} {self.hostname}"
        return f"{header} {self.app_name} {record.process} - {data} {line}"

    def emit(self, record: logging.LogRecord) -> None:
        """SysLogHandler.emit, with a timeout on every send and reconnection, and
        octet counting over TCP."""
        try:
            sock = self.connected()
            level = self.mapPriority(record.levelname)
            priority = self.encodePriority(self.facility, level)
            message = f"<{priority}>{self.format(record)}".encode("utf-8", "replace")
            if self.unixsocket:
                sock.sendall(message + b"\0")  # the local daemon's delimiter
            elif self.socktype == socket.SOCK_DGRAM:
                sock.sendto(message, self.address)
            else:
                sock.sendall(b"%d %s" % (len(message), message))
        except Exception:
            self.disconnect()
            self.handleError(record)

    def connected(self) -> socket.socket:
        """This process's socket (never a forked parent's), connected again when the
        collector has closed its end."""
        stream = self.socktype == socket.SOCK_STREAM and not self.unixsocket
        sock = self.socket
        if sock is None or self.pid != os.getpid() or (stream and closed_by_peer(sock)):
            self.disconnect()
            self.createSocket()
        assert self.socket is not None  # createSocket() raises otherwise
        return self.socket

    def disconnect(self) -> None:
        with contextlib.suppress(OSError):
            if self.socket is not None:
                self.socket.close()  # not shutdown(): a forked parent may share it
        self.socket = None  # type: ignore[assignment]

    def interrupt(self) -> None:
        """At exit: end a send that hangs."""
        with contextlib.suppress(OSError):
            if self.socket is not None:
                self.socket.shutdown(socket.SHUT_RDWR)


def closed_by_peer(sock: socket.socket) -> bool:
    """True once a collector closed its end (it restarted): what we wrote there would
    be lost. A collector never writes back, so anything to read means that."""
    timeout = sock.gettimeout()
    sock.setblocking(False)
    try:
        return sock.recv(1, socket.MSG_PEEK) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True
    finally:
        sock.settimeout(timeout)
