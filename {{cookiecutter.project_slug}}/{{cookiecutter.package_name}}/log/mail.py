"""Error mail: the standard library's SMTPHandler, with what production asks of it:
implicit TLS, STARTTLS with or without a login, a subject naming the error, the
headers mail providers want and those that keep vacation replies away, and
MAIL_TIMEOUT as a deadline for the whole conversation, not only for each read.
"""

import contextlib
import functools
import logging
import os
import smtplib
import socket
import ssl
import threading
from email import policy
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from logging.handlers import SMTPHandler
from typing import Any

from flask import Flask

from .records import FIELD_DEFAULTS
from .report import HandlerUnavailable, ReportsFailures, warn
from .throttle import MailThrottle

MAIL_FORMAT = """\
Level:          %(levelname)s
Location:       %(source_file)s:%(source_line)d
Function:       %(source_function)s
Time:           %(asctime)s
Request ID:     %(request_id)s
{%- if cookiecutter.use_opentelemetry %}
Trace ID:       %(trace_id)s (span %(span_id)s)
{%- endif %}
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
    sender = config["MAIL_SENDER"] or f"server-error@{socket.gethostname()}"
    domain = sender.rpartition("@")[2].strip(".")
    if config["CONFIG_NAME"] == "production" and "." not in domain:
        warn(
            f"the error mail sender {sender} has no full domain, and mail servers "
            "that require one refuse its mail: set FLASK_MAIL_SENDER to an address "
            "of your domain, such as server-error@example.com"
        )
    handler = ErrorMailHandler(
        mailhost=(config["MAIL_SERVER"], int(config["MAIL_PORT"])),
        fromaddr=sender,
        toaddrs=list(config["ADMINS"]),
        subject=config["PROJECT_NAME"],
        credentials=(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or ""),
        secure=() if config["MAIL_USE_TLS"] else None,
        timeout=float(config["MAIL_TIMEOUT"]),
    )
    handler.use_ssl = bool(config["MAIL_USE_SSL"])
    admins = ", ".join(handler.toaddrs)
    handler.destination = f"{handler.mailhost}:{handler.mailport}, to {admins}"
    folder = os.path.join(app.instance_path, "mail-throttle")
    handler.addFilter(MailThrottle(folder, float(config["MAIL_THROTTLE_SECONDS"])))
    handler.setLevel(logging.ERROR)
    handler.setFormatter(logging.Formatter(MAIL_FORMAT, defaults=FIELD_DEFAULTS))
    return handler


@functools.cache
def ehlo_name() -> str:
    """Looked up once per process: smtplib would ask DNS on every connection."""
    return socket.getfqdn()


class HeaderClasses(HeaderRegistry):
    """email's registry of header classes, which makes each class once: by itself
    it makes a new one for every header of every mail, most of what a mail costs."""

    @functools.lru_cache(maxsize=64)  # noqa: B019 (one registry, kept for good)
    def __getitem__(self, name: str) -> type[BaseHeader]:
        return super().__getitem__(name)


# EmailMessage's policy (policy.default), with that registry.
MAIL_POLICY = policy.default.clone(header_factory=HeaderClasses())


class ErrorMailHandler(ReportsFailures, SMTPHandler):
    rest = 1.0  # seconds without trying after a failure (see report.py)
    use_ssl = False
    smtp: smtplib.SMTP | None = None  # the conversation under way
    stopped_by = ""  # why interrupt() ended it
    unsent = 0  # mails that failed since the last one sent

    def skipped(self, record: logging.LogRecord) -> None:
        self.unsent += 1

    def getSubject(self, record: logging.LogRecord) -> str:
        """'[Project] ValueError: message', with '=?' broken up: a mail library would
        decode '=?utf-8?b?...?=' into lines of a header of its own."""
        summary = getattr(record, "error_summary", None) or record.getMessage()
        return f"[{self.subject}] {summary}"[:200].replace("=?", "= ?")

    def emit(self, record: logging.LogRecord) -> None:
        body, held_back = self.format(record), getattr(record, "held_back", 0)
        if held_back:
            body += f"\n{held_back} more of the same error went unmailed.\n"
        if self.unsent:
            body += f"\n{self.unsent} error mails before this one could not be sent.\n"
        try:  # a message that cannot be made is a mail not sent too
            message = EmailMessage(MAIL_POLICY)
            message["From"], message["To"] = self.fromaddr, ", ".join(self.toaddrs)
            message["Subject"] = self.getSubject(record)
            message["Date"] = formatdate(localtime=True)
            message["Message-ID"] = make_msgid(domain=ehlo_name())
            message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no replies
            message["X-Auto-Response-Suppress"] = "All"  # the same, for Exchange
            message.set_content(body)
            refused = self.send(message)
        except Exception:
            self.unsent += 1
            self.handleError(record)
        else:
            self.unsent = 0
            if refused:  # the others have it: told, but no reason to rest
                self.error = smtplib.SMTPRecipientsRefused(refused)
                warn(f"the error mail was refused for some of ADMINS: {refused}")

    def send(self, message: EmailMessage) -> dict[str, tuple[int, bytes]]:
        """One conversation, bounded by the timeout; the recipients it refused."""
        options: dict[str, Any] = {
            "local_hostname": ehlo_name(),
            "timeout": self.timeout,
        }
        if self.use_ssl:
            options["context"] = ssl.create_default_context()
        self.stopped_by = ""
        limit = f"no answer within MAIL_TIMEOUT={self.timeout:g}s"
        deadline = threading.Timer(self.timeout, self.interrupt, [limit])
        deadline.daemon = True
        with contextlib.suppress(RuntimeError):  # no new thread at exit: no deadline
            deadline.start()
        kind = WatchedSMTP_SSL if self.use_ssl else WatchedSMTP
        try:
            with kind(self, self.mailhost, self.mailport or 25, **options) as smtp:
                if self.secure is not None:
                    smtp.starttls(context=ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, self.password)
                return smtp.send_message(message)
        except Exception as exc:
            if self.stopped_by:
                raise TimeoutError(self.stopped_by) from exc
            raise
        finally:
            deadline.cancel()
            self.smtp = None

    def interrupt(self, reason: str = "the exit wait ended") -> None:
        """End the conversation now (if in a TLS handshake, at its next reply)."""
        self.stopped_by = reason
        smtp = self.smtp
        if smtp is not None and smtp.sock is not None:
            with contextlib.suppress(OSError):
                smtp.sock.shutdown(socket.SHUT_RDWR)


class WatchedSMTP(smtplib.SMTP):
    """Tells its handler of itself before each reply it waits for, from the greeting
    on, so that interrupt() can reach it."""

    def __init__(self, handler: ErrorMailHandler, *args: Any, **kwargs: Any) -> None:
        self.handler = handler
        super().__init__(*args, **kwargs)

    def getreply(self) -> tuple[int, bytes]:
        self.handler.smtp = self
        if self.handler.stopped_by:  # interrupted where its socket could not be shut
            raise smtplib.SMTPServerDisconnected(self.handler.stopped_by)
        return super().getreply()

    def __exit__(self, *exc_info: object) -> None:
        """Sent is sent: a goodbye that fails changes nothing."""
        with contextlib.suppress(smtplib.SMTPException, OSError):
            self.quit()
        self.close()


class WatchedSMTP_SSL(WatchedSMTP, smtplib.SMTP_SSL):  # noqa: N801 (smtplib's name)
    """The same over implicit TLS. A handshake that stalls is bounded per read."""
