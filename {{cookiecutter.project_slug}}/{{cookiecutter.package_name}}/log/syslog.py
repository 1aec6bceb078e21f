"""Syslog over a local socket, UDP or TCP: the standard library's SysLogHandler.

Over the network a record is an RFC 5424 message (time in UTC, host, app, process id,
the request id as structured data), octet-counted over TCP (RFC 6587) so that a
traceback stays one message; the local socket gets the short form its daemon wants.
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
# The most a UDP datagram holds (over IPv4): a longer message is cut, and says so.
MAX_DATAGRAM = 65_507
CUT = b" [... cut: too long for one datagram]"
MAX_READS = 16  # reads of what a collector wrote back, before each record, at most
# The structured data element of the request id. 32473 is the enterprise number set
# aside for examples (RFC 5612): use your organisation's own if it has one.
REQUEST_SD_ID = "request@32473"
{%- if cookiecutter.use_opentelemetry %}
# Its parameters, and the record's fields they hold.
REQUEST_SD_PARAMS = {"id": "request_id", "trace_id": "trace_id", "span_id": "span_id"}
{%- else %}
# Its parameter, and the record's field it holds.
REQUEST_SD_PARAMS = {"id": "request_id"}
{%- endif %}


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
    handler = SyslogHandler(address, facility, socktype)
    handler.timeout = float(config["SYSLOG_TIMEOUT"])
    handler.app_name = app.name  # an identifier: printable ASCII, as RFC 5424 asks
    handler.setFormatter(line_formatter())
    return handler


def parse_address(value: str) -> str | tuple[str, int]:
    """A socket path stays a path; 'host:port' and '[::1]:514' become (host, port)."""
    value = value.strip()
    if value.startswith("/") or ":" not in value:
        return value
    host, _, port = value.rpartition(":")
    if not port.isdecimal():
        raise HandlerUnavailable(
            f"SYSLOG_ADDRESS {value!r} is neither a socket path nor host:port, "
            "such as 127.0.0.1:514"
        )
    return (host.strip("[]"), int(port))


class SyslogHandler(ReportsFailures, SysLogHandler):
    """SysLogHandler with a timeout on every connection and send, and a connection of
    its own in each process; after a failure it rests (see ReportsFailures)."""

    rest, timeout, app_name = 1.0, 5.0, "-"
    connecting = False  # not before the first record, on the logging thread

    def __init__(
        self, address: str | tuple[str, int], facility: int, kind: int
    ) -> None:
        self.pid, self.hostname = os.getpid(), socket.gethostname()
        local = isinstance(address, str)  # its type is found out: datagram or stream
        super().__init__(address, facility, None if local else socket.SocketKind(kind))
        self.connecting, self.unixsocket = True, local
        self.destination = str(address) if local else "{}:{}".format(*address)

    def createSocket(self) -> None:
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
        params = " ".join(
            f'{name}="{sd_escape(str(value))}"'
            for name, field in REQUEST_SD_PARAMS.items()
            if (value := getattr(record, field, "-")) != "-"
        )
        data = f"[{REQUEST_SD_ID} {params}]" if params else "-"
        stamp = datetime.fromtimestamp(record.created, UTC)
        header = f"1 {stamp.isoformat(timespec='milliseconds')} {self.hostname}"
        return f"{header} {self.app_name} {record.process} - {data} {line}"

    def emit(self, record: logging.LogRecord) -> None:
        """SysLogHandler.emit, with a new connection where the collector closed its
        end (a restart), and octet counting over TCP."""
        try:
            stream = self.socktype == socket.SOCK_STREAM and not self.unixsocket
            sock = self.socket
            if sock is None or self.pid != os.getpid() or (stream and closed(sock)):
                self.disconnect()
                self.createSocket()
            level = self.mapPriority(record.levelname)
            priority = self.encodePriority(self.facility, level)
            message = f"<{priority}>{self.format(record)}".encode("utf-8", "replace")
            if self.unixsocket:
                message += b"\0"  # the local daemon's delimiter
                try:
                    self.socket.sendall(message)
                except OSError:  # the daemon restarted: connect again, as stdlib does
                    self.disconnect()
                    self.createSocket()
                    self.socket.sendall(message)
            elif stream:
                self.socket.sendall(b"%d %s" % (len(message), message))
            else:  # a datagram too long would be refused, and the record lost
                if len(message) > MAX_DATAGRAM:
                    message = message[: MAX_DATAGRAM - len(CUT)] + CUT
                self.socket.sendto(message, self.address)
        except Exception:
            self.disconnect()
            self.handleError(record)

    def disconnect(self) -> None:
        with contextlib.suppress(OSError, AttributeError):
            self.socket.close()  # not shutdown(): a forked parent may share it
        self.socket = None  # type: ignore[assignment]

    def interrupt(self) -> None:
        """At exit: end a send that hangs."""
        with contextlib.suppress(OSError, AttributeError):
            self.socket.shutdown(socket.SHUT_RDWR)


def sd_escape(value: str) -> str:
    """A structured data parameter's value, with '"', '\\' and ']' escaped."""
    return "".join(f"\\{ch}" if ch in '"\\]' else ch for ch in value)


def closed(sock: socket.socket) -> bool:
    """True once a collector closed its end: what we wrote there would be lost. What
    it wrote before (an error line) is read and dropped: unread, it would make our
    close a reset, losing what we sent last."""
    timeout = sock.gettimeout()
    sock.setblocking(False)
    try:
        # Its end reads as b"": any read until then takes what it wrote, to drop.
        return any(not sock.recv(4096) for _ in range(MAX_READS))
    except BlockingIOError:
        return False
    except OSError:
        return True
    finally:
        sock.settimeout(timeout)
