"""Error mail: the admins get each server error, with its request and traceback.

ErrorMailHandler is the standard library's SMTPHandler, with what a production
mailer needs besides: implicit TLS (MAIL_USE_SSL) and STARTTLS with or without a
login, a one-line subject naming the error, the headers mail providers require
(Message-ID, Date) and those that keep vacation replies away, and MAIL_TIMEOUT as a
deadline for the whole conversation, not only for each read. It runs on the logging
thread (queue.py), never on a request's.
"""

import contextlib
import functools
import logging
import os
import smtplib
import socket
import ssl
import threading
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from logging.handlers import SMTPHandler
from typing import Any

from flask import Flask

from .report import HandlerUnavailable, ReportsFailures
from .throttle import MailThrottle

MAIL_FORMAT = """\
Level:          %(levelname)s
Location:       %(source_file)s:%(source_line)d
Function:       %(source_function)s
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
    handler = ErrorMailHandler(
        mailhost=(config["MAIL_SERVER"], int(config["MAIL_PORT"])),
        fromaddr=config["MAIL_SENDER"] or f"server-error@{socket.gethostname()}",
        toaddrs=list(config["ADMINS"]),
        subject=config["PROJECT_NAME"],
        credentials=credentials,
        secure=() if config["MAIL_USE_TLS"] else None,
        timeout=float(config["MAIL_TIMEOUT"]),
        use_ssl=bool(config["MAIL_USE_SSL"]),
    )
    folder = os.path.join(app.instance_path, "mail-throttle")
    handler.addFilter(MailThrottle(folder, float(config["MAIL_THROTTLE_SECONDS"])))
    handler.setLevel(logging.ERROR)
    handler.setFormatter(logging.Formatter(MAIL_FORMAT))
    return handler


@functools.cache
def ehlo_name() -> str:
    """This host's name for EHLO and Message-ID, looked up once per process: left to
    itself, smtplib asks DNS on every connection, outside any timeout."""
    return socket.getfqdn()


class ErrorMailHandler(ReportsFailures, SMTPHandler):
    """SMTPHandler, mailing ERROR records on the logging thread (see the module)."""

    rest = 1.0  # seconds without trying after a failure (doubling, see report.py)

    def __init__(self, *, use_ssl: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.use_ssl = use_ssl
        recipients = ", ".join(self.toaddrs)
        self.destination = f"{self.mailhost}:{self.mailport}, to {recipients}"
        self.smtp: smtplib.SMTP | None = None  # the conversation under way
        self.stopped_by = ""  # why interrupt() ended it
        self.unsent = 0  # mails that failed since the last one sent

    def getSubject(self, record: logging.LogRecord) -> str:
        """'[Project] ValueError: message', on one line. Text like '=?utf-8?b?...?='
        is broken up: a mail library would decode it into header lines of its own."""
        summary = getattr(record, "error_summary", None) or record.getMessage()
        return f"[{self.subject}] {summary}"[:200].replace("=?", "= ?")

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.send(self.message_for(record))
        except Exception:
            self.unsent += 1
            self.handleError(record)
        else:
            self.unsent = 0

    def message_for(self, record: logging.LogRecord) -> EmailMessage:
        body = self.format(record)
        held = getattr(record, "held_back", 0)
        if held:
            body += f"\n{held} more of the same error went unmailed.\n"
        if self.unsent:
            body += f"\n{self.unsent} error mails before this one could not be sent.\n"
        message = EmailMessage()
        message["From"] = self.fromaddr
        message["To"] = ", ".join(self.toaddrs)
        message["Subject"] = self.getSubject(record)
        message["Date"] = formatdate(localtime=True)
        message["Message-ID"] = make_msgid(domain=ehlo_name())
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no replies
        message["X-Auto-Response-Suppress"] = "All"  # the same, for Exchange
        message.set_content(body)
        return message

    def send(self, message: EmailMessage) -> None:
        """One conversation, ended by interrupt() if still going after the timeout."""
        smtp_class = WatchedSMTP_SSL if self.use_ssl else WatchedSMTP
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
        try:
            smtp = smtp_class(self, self.mailhost, self.mailport or 25, **options)
            try:
                if self.secure is not None:
                    smtp.starttls(context=ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, self.password)
                smtp.send_message(message)
                with contextlib.suppress(smtplib.SMTPException, OSError):
                    smtp.quit()  # sent: a goodbye that fails changes nothing
            finally:
                smtp.close()
        except Exception as exc:
            if self.stopped_by:
                raise TimeoutError(self.stopped_by) from exc
            raise
        finally:
            deadline.cancel()
            self.smtp = None

    def interrupt(self, reason: str = "the exit wait ended") -> None:
        """End the conversation under way now, wherever it is stuck."""
        smtp = self.smtp
        if smtp is not None and smtp.sock is not None:
            self.stopped_by = reason
            with contextlib.suppress(OSError):
                smtp.sock.shutdown(socket.SHUT_RDWR)


class WatchedSMTP(smtplib.SMTP):
    """smtplib's client, telling its handler of itself before each reply it waits
    for, from the greeting on: interrupt() can end it wherever it is stuck."""

    def __init__(self, handler: ErrorMailHandler, *args: Any, **kwargs: Any) -> None:
        self.handler = handler
        super().__init__(*args, **kwargs)

    def getreply(self) -> tuple[int, bytes]:
        self.handler.smtp = self
        return super().getreply()


class WatchedSMTP_SSL(WatchedSMTP, smtplib.SMTP_SSL):  # noqa: N801 (smtplib's name)
    """The same over implicit TLS (port 465). A TLS handshake that stalls is
    bounded by MAIL_TIMEOUT for each read only."""
