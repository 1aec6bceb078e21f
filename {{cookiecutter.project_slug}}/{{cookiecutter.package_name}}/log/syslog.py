"""Syslog over a local socket, UDP or TCP, sent from a background thread.

Over the network each record is an RFC 5424 message: time in UTC, host name, app
name, process id and the request id as structured data, so that one collector fed by
many machines and workers can tell them apart. Over TCP the messages are
octet-counted (RFC 6587), so a multi-line traceback stays one message. The local
socket gets the short form the local daemon expects, which adds the time and host.

Only the sending thread talks to the collector (see background.py). It connects on
first use, reconnects with backoff when the collector is down, restarts or comes up
after the app, and sends the message it holds again on the new connection.
"""

import errno
import logging
import os
import socket
import time
from datetime import UTC, datetime
from logging.handlers import SysLogHandler

from flask import Flask

from .background import BackgroundHandler
from .formatters import line_formatter
from .report import HandlerUnavailable, note, warn

SOCKET_TYPES = {"udp": socket.SOCK_DGRAM, "tcp": socket.SOCK_STREAM}
# A socket path, or (host, port)
Address = str | tuple[str, int]
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
        raise HandlerUnavailable(
            f"{address} is a socket path, which needs a Unix system: use host:port"
        )
    target = SyslogSender(
        address,
        socktype=socktype,
        facility=facility,
        app_name=app.name,
        timeout=float(config["SYSLOG_TIMEOUT"]),
    )
    handler = BackgroundHandler(
        target,
        limit=int(config["SYSLOG_QUEUE_SIZE"]),
        exit_wait=float(config["SYSLOG_TIMEOUT"]),
        exit_wait_setting="SYSLOG_TIMEOUT",
        what="syslog records",
    )
    handler.name = "syslog"
    handler.destination = target.label
    if not target.local:
        handler.destination += f" over {config['SYSLOG_SOCKTYPE']}"
    handler.setFormatter(line_formatter())
    return handler


def parse_address(value: str) -> Address:
    """A socket path stays a path; 'host:port' and '[::1]:514' become (host, port)."""
    if value.startswith("/") or ":" not in value:
        return value
    host, _, port = value.rpartition(":")
    return (host.strip("[]"), int(port))


def severity(levelno: int) -> int:
    """The syslog severity of a logging level (RFC 5424, section 6.2.1)."""
    if levelno >= logging.CRITICAL:
        return 2
    if levelno >= logging.ERROR:
        return 3
    if levelno >= logging.WARNING:
        return 4
    if levelno >= logging.INFO:
        return 6
    return 7


def sd_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")


def printable_ascii(text: str, limit: int) -> str:
    """RFC 5424 header fields: printable US-ASCII, no spaces, at most limit long."""
    kept = "".join(ch for ch in text if "!" <= ch <= "~")
    return kept[:limit] or "-"


class SyslogSender:
    """Send prepared records to the collector, on the sending thread.

    A failed send closes the connection; the sending thread tries the same message
    again on a new one after a pause (see background.py), while records queue up.
    """

    # A collector that accepts and then hangs fails again after every reconnection:
    # one warning per QUIET_PERIOD seconds is enough.
    QUIET_PERIOD = 60.0

    def __init__(
        self,
        address: Address,
        *,
        socktype: int,
        facility: int,
        app_name: str,
        timeout: float,
    ) -> None:
        self.address = address
        self.local = isinstance(address, str)
        self.label = address if isinstance(address, str) else "{}:{}".format(*address)
        self.socktype = socktype
        self.facility = facility
        self.app_name = printable_ascii(app_name, 48)
        self.hostname = printable_ascii(socket.gethostname(), 255)
        self.timeout = timeout
        self.connection: NetworkConnection | LocalConnection | None = None
        self.connection_pid: int | None = None
        self.down_since: float | None = None
        self.down_warned = False
        self.last_warning: float | None = None

    def deliver(self, record: logging.LogRecord) -> bool:
        """Send record; return False when it should be tried again on a new
        connection (the collector is down, hung or restarting)."""
        try:
            self.send(self.frame(record))
        except OSError as exc:
            self.disconnect()
            if exc.errno == errno.EMSGSIZE:
                warn(f"a syslog record is too large to send ({exc}): {record.msg}")
                return True
            self.went_down(exc)
            return False
        self.came_back()
        return True

    def deliver_now(self, record: logging.LogRecord) -> None:
        """Send one record on a connection of its own (flask check-logging)."""
        connection = self.connect()
        try:
            connection.send(self.frame(record))
        finally:
            connection.close()

    def frame(self, record: logging.LogRecord) -> bytes:
        priority = self.facility * 8 + severity(record.levelno)
        if self.local:
            short = f"<{priority}>{self.app_name}[{record.process}]: {record.msg}"
            return short.encode("utf-8", "replace")
        stamp = datetime.fromtimestamp(record.created, UTC)
        request_id = getattr(record, "request_id", "-")
        data = "-"
        if request_id != "-":
            data = f'[{REQUEST_SD_ID} id="{sd_escape(request_id)}"]'
        message = (
            f"<{priority}>1 {stamp.isoformat(timespec='milliseconds')} "
            f"{self.hostname} {self.app_name} {record.process} - {data} {record.msg}"
        ).encode("utf-8", "replace")
        if self.socktype == socket.SOCK_STREAM:
            return b"%d %s" % (len(message), message)
        return message

    def send(self, data: bytes) -> None:
        connection = self.connection
        if (
            connection is None
            or self.connection_pid != os.getpid()
            or not connection.is_open()
        ):
            # None yet, inherited from the parent of a fork, or closed by a
            # collector that restarted: what we wrote there would be lost.
            self.disconnect()
            connection = self.connection = self.connect()
            self.connection_pid = os.getpid()
        connection.send(data)

    def connect(self) -> "NetworkConnection | LocalConnection":
        if isinstance(self.address, str):
            return LocalConnection(self.address, self.timeout)
        return NetworkConnection(self.address, self.socktype, self.timeout)

    def close(self) -> None:
        self.disconnect()

    def disconnect(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = self.connection_pid = None

    def went_down(self, exc: OSError) -> None:
        if self.down_since is not None:
            return
        self.down_since = now = time.monotonic()
        quiet = self.last_warning is not None and now - self.last_warning < (
            self.QUIET_PERIOD
        )
        self.down_warned = not quiet
        if self.down_warned:
            self.last_warning = now
            warn(
                f"syslog at {self.label} is unreachable ({type(exc).__name__}: {exc}); "
                "records wait in the queue and are sent when it is back"
            )

    def came_back(self) -> None:
        if self.down_since is None:
            return
        if self.down_warned:
            seconds = time.monotonic() - self.down_since
            note(f"syslog at {self.label} is reachable again after {seconds:.1f} s")
        self.down_since = None


class NetworkConnection:
    """A TCP connection, or a UDP socket and its destination, with timeouts."""

    def __init__(self, address: tuple[str, int], socktype: int, timeout: float) -> None:
        host, port = address
        self.stream = socktype == socket.SOCK_STREAM
        if self.stream:
            self.sock = socket.create_connection((host, port), timeout=timeout)
            return
        addresses = socket.getaddrinfo(host, port, 0, socktype)
        family, _, _, _, destination = addresses[0]
        self.destination = destination
        # Not connected: a UDP collector that is not listening is silent either way,
        # and a connected socket would report that on the next, unrelated send.
        self.sock = socket.socket(family, socktype)
        self.sock.settimeout(timeout)

    def send(self, data: bytes) -> None:
        if self.stream:
            self.sock.sendall(data)
        else:
            self.sock.sendto(data, self.destination)

    def is_open(self) -> bool:
        """False once a TCP collector has closed its end.

        A collector never writes to us, so anything to read means the end of the
        stream (or an error).
        """
        if not self.stream:
            return True
        timeout = self.sock.gettimeout()
        self.sock.setblocking(False)
        try:
            return self.sock.recv(1, socket.MSG_PEEK) != b""
        except BlockingIOError:
            return True  # nothing to read: still open
        except OSError:
            return False
        finally:
            self.sock.settimeout(timeout)

    def close(self) -> None:
        self.sock.close()  # never shutdown(): the parent of a fork may share it


class LocalConnection:
    """The local syslog socket (/dev/log): datagrams, or a stream where it is one."""

    def __init__(self, path: str, timeout: float) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.settimeout(timeout)
        try:
            self.sock.connect(path)
        except OSError as exc:
            self.sock.close()
            if exc.errno != errno.EPROTOTYPE:
                raise
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(timeout)
            self.sock.connect(path)

    def send(self, data: bytes) -> None:
        if self.sock.type == socket.SOCK_STREAM:
            self.sock.sendall(data + b"\0")  # a stream needs a delimiter
        else:
            self.sock.send(data)

    def is_open(self) -> bool:
        return True  # a datagram socket has nothing to check; send() tells

    def close(self) -> None:
        self.sock.close()
