"""Syslog over a local socket, UDP or TCP, readable by rsyslog and syslog-ng."""

import socket
from logging.handlers import SysLogHandler

{% if cookiecutter.log_format == "json" -%}
from .json_format import json_formatter
{%- else -%}
from .formatters import TextFormatter
{%- endif %}
from .stderr import warn

SOCKET_TYPES = {"udp": socket.SOCK_DGRAM, "tcp": socket.SOCK_STREAM}


def build_syslog_handler(app):
    config = app.config
    if not config.get("SYSLOG_ADDRESS"):
        return None
    address = parse_address(config["SYSLOG_ADDRESS"])
    socktype = SOCKET_TYPES.get(str(config.get("SYSLOG_SOCKTYPE", "udp")).lower())
    facility = SysLogHandler.facility_names.get(str(config.get("SYSLOG_FACILITY")))
    if socktype is None or facility is None:
        warn(
            "syslog is off: SYSLOG_SOCKTYPE must be udp or tcp and SYSLOG_FACILITY "
            f"one of {', '.join(sorted(SysLogHandler.facility_names))}"
        )
        return None
    try:
        handler = FramedSysLogHandler(address, facility=facility, socktype=socktype)
    except OSError as exc:
        warn(f"syslog is off: cannot reach {config['SYSLOG_ADDRESS']} ({exc})")
        return None
    if handler.unixsocket and handler.socket.fileno() == -1:
        # SysLogHandler hides a failed local connection and retries on every record.
        handler.close()
        warn(f"syslog is off: no syslog socket at {config['SYSLOG_ADDRESS']}")
        return None
    handler.name = "syslog"
    handler.ident = f"{app.name}: "
{%- if cookiecutter.log_format == "json" %}
    handler.setFormatter(json_formatter())
{%- else %}
    handler.setFormatter(TextFormatter())
{%- endif %}
    return handler


def parse_address(value):
    """A socket path stays a path; 'host:port' and '[::1]:514' become (host, port)."""
    if value.startswith("/") or ":" not in value:
        return value
    host, _, port = value.rpartition(":")
    return (host.strip("[]"), int(port))


class FramedSysLogHandler(SysLogHandler):
    """SysLogHandler that frames TCP messages by octet counting (RFC 6587).

    The stdlib ends each TCP message with a NUL byte, which rsyslog does not read as a
    delimiter by default, so a multi-line traceback is split and later records merge.
    A length prefix keeps every record one message.
    """

    def emit(self, record):
        if self.socktype != socket.SOCK_STREAM or self.unixsocket:
            super().emit(record)
            return
        try:
            level = self.mapPriority(record.levelname)
            priority = self.encodePriority(self.facility, level)
            data = f"<{priority}>{self.ident}{self.format(record)}".encode()
            self.send_frame(b"%d %s" % (len(data), data))
        except Exception:
            self.handleError(record)

    def send_frame(self, frame):
        """Send once; after a dropped connection, reconnect and send once more."""
        try:
            self.socket.sendall(frame)
        except OSError:
            self.socket.close()
            self.createSocket()
            self.socket.sendall(frame)
