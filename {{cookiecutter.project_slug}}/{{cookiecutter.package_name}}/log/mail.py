"""Error mail: formatted on the request's thread, sent from a background thread.

The request only puts the record on a bounded queue. A QueueListener, started lazily in
each process (so it survives gunicorn's fork), hands records to MailHandler, which talks
SMTP with STARTTLS or implicit TLS. Identical errors are mailed once per throttle
window. At exit, queued mail gets a bounded wait; what is left is written to stderr.
"""

import atexit
import logging
import os
import queue
import smtplib
import socket
import ssl
import sys
import threading
import time
import traceback
import weakref
from email.message import EmailMessage
from email.utils import formatdate
from logging.handlers import QueueHandler, QueueListener, SMTPHandler

from .stderr import warn

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


class MailFormatter(logging.Formatter):
    """MAIL_FORMAT, with Location at the line that raised, not at the logging call."""

    def __init__(self):
        super().__init__(MAIL_FORMAT)

    def format(self, record):
        frame = innermost_frame(record)
        if frame is not None:
            record = logging.makeLogRecord(record.__dict__)
            record.pathname, record.lineno, record.funcName = frame
        return super().format(record)


def innermost_frame(record):
    """(file, line, function) where the logged exception was raised, or None."""
    tb = record.exc_info[2] if record.exc_info else None
    if tb is None:
        return None
    while tb.tb_next is not None:  # no source lookup: this runs on every error
        tb = tb.tb_next
    code = tb.tb_frame.f_code
    return code.co_filename, tb.tb_lineno, code.co_name


def error_summary(record):
    """One line naming the error: "ValueError: bad input", or the log message."""
    if record.exc_info and record.exc_info[1] is not None:
        lines = traceback.format_exception_only(*record.exc_info[:2])
        summary = lines[-1] if lines else ""
    else:
        summary = record.getMessage()
    summary = " ".join(summary.split())
    return summary if len(summary) <= 160 else summary[:157] + "..."


def build_mail_handler(app):
    config = app.config
    if not config.get("MAIL_SERVER"):
        return None
    admins = config.get("ADMINS") or []
    if not admins:
        warn("error mail is off: MAIL_SERVER is set but ADMINS is empty")
        return None
    credentials = None
    if config.get("MAIL_USERNAME"):
        credentials = (config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
    sender = config.get("MAIL_SENDER") or f"server-error@{socket.gethostname()}"
    target = MailHandler(
        mailhost=(config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25)),
        fromaddr=sender,
        toaddrs=list(admins),
        project_name=config["PROJECT_NAME"],
        credentials=credentials,
        use_tls=bool(config.get("MAIL_USE_TLS")),
        use_ssl=bool(config.get("MAIL_USE_SSL")),
        timeout=float(config.get("MAIL_TIMEOUT", 10)),
    )
    handler = MailQueueHandler(
        target,
        throttle=Throttle(float(config.get("MAIL_THROTTLE_SECONDS", 300))),
        maxsize=int(config.get("MAIL_QUEUE_SIZE", 1000)),
        exit_wait=float(config.get("MAIL_EXIT_WAIT", 30)),
    )
    handler.name = "mail"
    handler.setLevel(logging.ERROR)
    handler.setFormatter(MailFormatter())
    return handler


class MailHandler(SMTPHandler):
    """SMTPHandler with implicit TLS (port 465) and a subject naming the error.

    It receives records whose message is the finished mail body.
    """

    def __init__(self, *, project_name, use_tls, use_ssl, **kwargs):
        super().__init__(subject=project_name, secure=() if use_tls else None, **kwargs)
        self.project_name = project_name
        self.use_ssl = use_ssl
        self._dropped = 0
        self._dropped_lock = threading.Lock()
        self._warned_full = False

    def count_dropped(self):
        with self._dropped_lock:
            self._dropped += 1
            first, self._warned_full = not self._warned_full, True
        if first:
            warn("the error mail queue is full: more error mails are dropped, counted")

    def take_dropped(self):
        with self._dropped_lock:
            dropped, self._dropped = self._dropped, 0
        return dropped

    def getSubject(self, record):
        summary = getattr(record, "error_summary", None) or error_summary(record)
        return f"[{self.project_name}] {summary}"

    def build_message(self, record):
        body = self.format(record)
        suppressed = getattr(record, "suppressed", 0)
        if suppressed:
            body += f"\n{suppressed} more of the same error went unmailed.\n"
        dropped = self.take_dropped()
        if dropped:
            note = f"{dropped} error mails were dropped: the mail queue was full"
            body += f"\n{note}.\n"
            warn(note)
        message = EmailMessage()
        message["From"] = self.fromaddr
        message["To"] = ", ".join(self.toaddrs)
        message["Subject"] = self.getSubject(record)
        message["Date"] = formatdate(localtime=True)
        message.set_content(body)
        return message

    def handle(self, record):
        """Send without taking the handler's lock.

        Held through a slow SMTP conversation, the lock would make logging.shutdown()
        wait for the mail server at exit, past MAIL_EXIT_WAIT. Nothing here needs it.
        """
        if not self.filter(record):
            return False
        self.emit(record)
        return True

    def emit(self, record):
        try:
            self.send(self.build_message(record))
        except Exception:
            self.handleError(record)

    def send(self, message):
        host, port = self.mailhost, self.mailport
        if self.use_ssl:
            context = ssl.create_default_context()
            smtp = smtplib.SMTP_SSL(host, port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(host, port, timeout=self.timeout)
        with smtp:
            if self.secure is not None:
                smtp.starttls(context=ssl.create_default_context())
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(message)

    def handleError(self, record):
        """Say on stderr that this mail failed, and keep its text there."""
        exc = sys.exc_info()[1]
        warn(
            f"error mail via {self.mailhost}:{self.mailport} failed "
            f"({type(exc).__name__}: {exc}); its text follows\n{self.format(record)}"
        )


class Throttle:
    """Let one record per error (type and place it was raised) through per window.

    allow() returns None for a record to hold back, else how many of the same error
    were held back before it. A window of 0 lets everything through.
    """

    MAX_KEYS = 4096

    def __init__(self, window, clock=time.monotonic):
        self.window = window
        self.clock = clock
        self._seen = {}  # key -> (time of the last mail, records held back since)
        self._lock = threading.Lock()

    def allow(self, record):
        if self.window <= 0:
            return 0
        key = throttle_key(record)
        now = self.clock()
        with self._lock:
            last, held = self._seen.get(key, (None, 0))
            if last is not None and now - last < self.window:
                self._seen[key] = (last, held + 1)
                return None
            if len(self._seen) >= self.MAX_KEYS:
                self._forget_older_than(now - self.window)
            self._seen[key] = (now, 0)
        return held

    def _forget_older_than(self, cutoff):
        for key in [k for k, (last, _) in self._seen.items() if last < cutoff]:
            del self._seen[key]


def throttle_key(record):
    frame = innermost_frame(record)
    if frame is None:
        return (None, record.pathname, record.lineno, str(record.msg))
    return (record.exc_info[0], *frame[:2])


class MailQueue(queue.Queue):
    """A queue that knows which record the sending thread holds.

    Taking a record and marking it in flight happen under the queue's own lock, so at
    exit every mail is queued, in flight, or sent: none is in between.
    """

    def __init__(self):
        super().__init__()
        self.in_flight = None

    def _get(self):  # Queue.get() calls this with self.mutex held
        self.in_flight = super()._get()
        return self.in_flight

    def done(self, record):
        with self.mutex:
            if self.in_flight is record:
                self.in_flight = None

    def take_unsent(self):
        """Empty the queue and return its records, the one in flight first."""
        with self.mutex:
            records = [self.in_flight, *self.queue]
            self.queue.clear()
            self.in_flight = None
        return [record for record in records if record is not None]


class MailListener(QueueListener):
    """The sending thread: tells the queue when a record is sent (or failed)."""

    def __init__(self, queue, target):
        super().__init__(queue, target, respect_handler_level=True)

    def handle(self, record):
        try:
            super().handle(record)
        finally:
            self.queue.done(record)


class MailQueueHandler(QueueHandler):
    """Queue records for MailHandler: never block the caller, never lose mail unseen."""

    def __init__(self, target, throttle, maxsize, exit_wait):
        # The bound is kept in enqueue(), so that the stop sentinel always fits.
        super().__init__(MailQueue())
        self.target = target
        self.throttle = throttle
        self.maxsize = maxsize
        self.exit_wait = exit_wait
        self._listener = None
        self._pid = None
        self._start_lock = threading.Lock()
        _all_handlers.add(self)

    def emit(self, record):
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

    def enqueue(self, record):
        self._ensure_listener()
        if self.queue.qsize() >= self.maxsize:
            self.target.count_dropped()
        else:
            self.queue.put_nowait(record)

    def _ensure_listener(self):
        """Start the sending thread, once per process (again in a forked child)."""
        if self._pid == os.getpid():
            return
        with self._start_lock:
            if self._pid == os.getpid():
                return
            # A forked child starts from a fresh queue: the parent's may hold records
            # that the parent sends, and locks held by threads that do not exist here.
            self.queue = MailQueue()
            self._listener = MailListener(self.queue, self.target)
            self._listener.start()
            self._pid = os.getpid()
            _sending_handlers.add(self)

    def close(self):
        """Replaced by a newer app: the thread sends what is queued, then ends."""
        if self._pid == os.getpid() and self._listener is not None:
            self._listener.enqueue_sentinel()
        super().close()

    def finish(self, deadline):
        """At exit: wait until `deadline` for queued mail, then report what is left."""
        listener, self._listener = self._listener, None
        if listener is None or self._pid != os.getpid():
            return
        listener.enqueue_sentinel()
        listener._thread.join(max(0.0, deadline - time.monotonic()))
        # The stop sentinel is None, so take_unsent() leaves it out.
        unsent = self.queue.take_unsent()
        listener.enqueue_sentinel()  # a thread still sending ends when it is done
        if unsent:
            self.report_unsent(unsent)
        dropped = self.target.take_dropped()
        if dropped:
            warn(f"{dropped} error mails were dropped: the mail queue was full")

    def report_unsent(self, unsent):
        wait = f"MAIL_EXIT_WAIT={self.exit_wait:g}s"
        warn(f"{len(unsent)} error mails were still unsent after {wait}; text follows")
        for record in unsent:
            print(
                f"--- unsent error mail: {self.target.getSubject(record)}",
                file=sys.stderr,
            )
            print(self.target.format(record), file=sys.stderr, flush=True)


# Every MailQueueHandler (for forks) and those that started a thread in this process.
_all_handlers = weakref.WeakSet()
_sending_handlers = set()


@atexit.register
def deliver_queued_mail():
    """Give queued mail one bounded wait, shared by every handler, at a normal exit."""
    handlers = [h for h in _sending_handlers if h._pid == os.getpid()]
    if not handlers:
        return
    deadline = time.monotonic() + max(h.exit_wait for h in handlers)
    for handler in handlers:
        handler.finish(deadline)
    _sending_handlers.clear()


def _after_fork_in_child():
    _sending_handlers.clear()
    for handler in list(_all_handlers):
        handler._start_lock = threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)
