"""Error mail: a traceback and its request, sent to the admins from a background thread.

MailQueueHandler stands on the request's thread: it throttles identical errors and
queues the formatted mail (see background.py). MailHandler sends it over SMTP, with
STARTTLS or implicit TLS, bounded by MAIL_TIMEOUT from connection to goodbye.
"""

import contextlib
import functools
import logging
import smtplib
import socket
import ssl
import threading
import traceback
import weakref
from email.message import EmailMessage
from email.utils import formatdate
from logging.handlers import SMTPHandler
from types import TracebackType
from typing import Any

from flask import Flask

from .background import BackgroundHandler
from .escape import escape_controls
from .report import HandlerUnavailable, warn
from .throttle import Throttle

MAIL_FORMAT = """\
Level:          %(levelname)s
Location:       %(pathname)s:%(lineno)d
Module:         %(module)s
Function:       %(funcName)s
Time:           %(asctime)s
Request ID:     %(request_id)s
Request:        %(method)s %(path)s
Remote address: %(remote_addr)s
User:           %(user)s

%(message)s
"""


def build_mail_handler(app: Flask) -> logging.Handler | None:
    config = app.config
    if not config["MAIL_SERVER"]:
        return None
    if not config["ADMINS"]:
        raise HandlerUnavailable("MAIL_SERVER is set but ADMINS is empty")
    credentials = None
    if config["MAIL_USERNAME"]:
        credentials = (config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
    target = MailHandler(
        mailhost=(config["MAIL_SERVER"], int(config["MAIL_PORT"])),
        fromaddr=config["MAIL_SENDER"] or f"server-error@{socket.gethostname()}",
        toaddrs=list(config["ADMINS"]),
        project_name=config["PROJECT_NAME"],
        credentials=credentials,
        use_tls=bool(config["MAIL_USE_TLS"]),
        use_ssl=bool(config["MAIL_USE_SSL"]),
        timeout=float(config["MAIL_TIMEOUT"]),
    )
    handler = MailQueueHandler(
        target,
        throttle=Throttle(float(config["MAIL_THROTTLE_SECONDS"])),
        limit=int(config["MAIL_QUEUE_SIZE"]),
        exit_wait=float(config["MAIL_EXIT_WAIT"]),
    )
    handler.name = "mail"
    recipients = ", ".join(target.toaddrs)
    handler.destination = f"{target.mailhost}:{target.mailport}, to {recipients}"
    handler.setLevel(logging.ERROR)
    handler.setFormatter(logging.Formatter(MAIL_FORMAT))
    return handler


def error_summary(record: logging.LogRecord) -> str:
    """One line naming the error: "ValueError: bad input", or the log message."""
    if record.exc_info and record.exc_info[1] is not None:
        lines = traceback.format_exception_only(record.exc_info[1])
        summary = lines[-1] if lines else ""
    else:
        summary = record.getMessage()
    summary = escape_controls(" ".join(summary.split()))
    return summary if len(summary) <= 160 else summary[:157] + "..."


class MailQueueHandler(BackgroundHandler):
    """Throttle identical errors, then queue the formatted mail for MailHandler."""

    target: "MailHandler"

    def __init__(
        self, target: "MailHandler", *, throttle: Throttle, limit: int, exit_wait: float
    ) -> None:
        super().__init__(
            target,
            limit=limit,
            exit_wait=exit_wait,
            exit_wait_setting="MAIL_EXIT_WAIT",
            what="error mails",
        )
        self.throttle = throttle

    def emit(self, record: logging.LogRecord) -> None:
        held = self.throttle.allow(record)
        if held is None:
            return
        try:
            prepared = self.prepare(record)
            # Set on the copy: other handlers share the original record.
            prepared.error_summary = error_summary(record)
            prepared.suppressed = held
            self.enqueue(prepared)
        except Exception:
            self.handleError(record)

    def describe_unsent(self, record: logging.LogRecord) -> str:
        return f"unsent error mail: {self.target.getSubject(record)}\n{record.msg}"


class MailHandler(SMTPHandler):
    """SMTPHandler with implicit TLS, a subject naming the error, and a deadline.

    It receives records whose message is the finished mail body.
    """

    def __init__(
        self, *, project_name: str, use_tls: bool, use_ssl: bool, **kwargs: Any
    ) -> None:
        super().__init__(subject=project_name, secure=() if use_tls else None, **kwargs)
        self.project_name = project_name
        self.use_ssl = use_ssl

    def getSubject(self, record: logging.LogRecord) -> str:
        summary = getattr(record, "error_summary", None) or error_summary(record)
        return f"[{self.project_name}] {summary}"

    def build_message(self, record: logging.LogRecord) -> EmailMessage:
        body = record.getMessage()
        suppressed = getattr(record, "suppressed", 0)
        if suppressed:
            body += f"\n{suppressed} more of the same error went unmailed.\n"
        dropped = getattr(record, "dropped_before", 0)
        if dropped:
            body += f"\n{dropped} error mails were dropped: the mail queue was full.\n"
        message = EmailMessage()
        message["From"] = self.fromaddr
        message["To"] = ", ".join(self.toaddrs)
        message["Subject"] = self.getSubject(record)
        message["Date"] = formatdate(localtime=True)
        message.set_content(body)
        return message

    def deliver(self, record: logging.LogRecord) -> bool:
        """Send the mail, or report on stderr why it failed, with its text."""
        try:
            self.deliver_now(record)
        except Exception as exc:
            self.report_failure(record, exc)
        return True  # mailed or reported: a mail is not tried twice

    def deliver_now(self, record: logging.LogRecord) -> None:
        """Send one mail now; raise what went wrong."""
        message = self.build_message(record)
        with Deadline(self.timeout) as deadline:
            try:
                with self.open_smtp(deadline) as smtp:
                    if self.secure is not None:
                        smtp.starttls(context=deadline.tls_context())
                    if self.username:
                        smtp.login(self.username, self.password)
                    smtp.send_message(message)
            except Exception as exc:
                if deadline.expired:
                    limit = f"MAIL_TIMEOUT={self.timeout:g}s"
                    raise TimeoutError(f"no answer within {limit}") from exc
                raise

    def open_smtp(self, deadline: "Deadline") -> smtplib.SMTP:
        host, port = self.mailhost, self.mailport or 0  # 0: the default port
        if self.use_ssl:
            context = deadline.tls_context()
            return SMTPSSLWithDeadline(deadline, host, port, context=context)
        return SMTPWithDeadline(deadline, host, port)

    def report_failure(self, record: logging.LogRecord, exc: Exception) -> None:
        """Say on stderr that this mail failed, and keep its text there."""
        warn(
            f"error mail via {self.mailhost}:{self.mailport} failed "
            f"({type(exc).__name__}: {exc}); its text follows\n"
            f"Subject: {self.getSubject(record)}\n{record.getMessage()}"
        )


class Deadline:
    """Ends an SMTP conversation still going after `seconds`, wherever it is stuck.

    A socket timeout bounds each read or write, not the whole exchange: a server that
    sends a byte every few seconds would hold it for ever. At the deadline every
    socket of the conversation is shut down, which ends any read or write at once.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.timer = threading.Timer(seconds, self.expire)
        self.timer.daemon = True
        self.expired = False
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()

    def __enter__(self) -> "Deadline":
        # RuntimeError: the interpreter is shutting down and starts no thread. The
        # exit's own wait (MAIL_EXIT_WAIT) bounds the conversation then.
        with contextlib.suppress(RuntimeError):
            self.timer.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.timer.cancel()

    def watch(self, sock: socket.socket) -> None:
        with self.lock:
            self.sockets.append(sock)
            expired = self.expired
        if expired:
            shut_down(sock)

    def expire(self) -> None:
        with self.lock:
            self.expired = True
            sockets = list(self.sockets)
        for sock in sockets:
            shut_down(sock)

    def tls_context(self) -> ssl.SSLContext:
        """A default TLS context whose sockets are watched from their handshake on."""
        context = ssl.create_default_context()
        context.sslsocket_class = WatchedSSLSocket
        _deadlines[context] = self
        return context


def shut_down(sock: socket.socket) -> None:
    # OSError: already closed, or handed over to a TLS socket that is watched too.
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


# The Deadline of each TLS context that Deadline.tls_context() made.
_deadlines: weakref.WeakKeyDictionary[ssl.SSLContext, Deadline] = (
    weakref.WeakKeyDictionary()
)


class WatchedSSLSocket(ssl.SSLSocket):
    """A TLS socket that puts itself under its context's deadline before handshaking."""

    def do_handshake(self, block: bool = False) -> None:
        _deadlines[self.context].watch(self)
        super().do_handshake(block)


@functools.cache
def ehlo_name() -> str:
    """This host's name for EHLO, looked up once per process.

    Left to itself, smtplib asks DNS for it (socket.getfqdn) on every connection,
    outside any timeout: with a slow resolver, every mail would wait for it.
    """
    return socket.getfqdn()


class SMTPWithDeadline(smtplib.SMTP):
    """An SMTP client that puts every socket it reads from under a Deadline."""

    def __init__(self, deadline: Deadline, host: str, port: int, **kwargs: Any) -> None:
        self.deadline = deadline
        super().__init__(host, port, ehlo_name(), timeout=deadline.seconds, **kwargs)

    def getreply(self) -> tuple[int, bytes]:
        if self.sock is not None:
            self.deadline.watch(self.sock)
        return super().getreply()


class SMTPSSLWithDeadline(SMTPWithDeadline, smtplib.SMTP_SSL):
    """The same, over implicit TLS (port 465)."""
