"""One queue between the code that logs and the handlers that write, per process.

The logging cookbook's recipe: a QueueHandler on the loggers prepares each record on
the thread that logged it (records.py) and queues it; a QueueListener, one thread per
process, hands it to every handler. So a request never waits on a file lock, a mail
server or a syslog collector.

The queue holds at most LOG_QUEUE_BYTES of records; beyond that, records are dropped,
counted and reported. The thread starts with the first record of each process, so
every gunicorn worker has its own, --preload or not; a fork waits until the thread is
between two records. At exit, logging.shutdown() calls flush(), which waits for the
queue up to the exit wait, then close(), which reports what is still queued.
"""

import logging
import os
import queue
import threading
import time
import weakref
from logging.handlers import QueueHandler, QueueListener

from .records import prepare
from .report import warn, write_records

RECORD_OVERHEAD = 512  # bytes a queued record takes besides its text, about
REPORT_INTERVAL = 60.0  # seconds between two reports of dropped records
FORK_WAIT = 10.0  # seconds a fork waits for the thread to finish a record, at most


class LogQueueHandler(QueueHandler):
    """Queue prepared records for the targets: a thread of this process handles them."""

    def __init__(
        self,
        targets: list[logging.Handler],
        *,
        max_bytes: int,
        exit_wait: float,
        exit_label: str,
    ) -> None:
        super().__init__(queue.Queue())
        self.targets = targets
        self.max_bytes = max_bytes
        self.exit_wait, self.exit_label = exit_wait, exit_label
        self.listener: Listener | None = None
        self.pid: int | None = None
        self.reset()
        _every_handler.add(self)

    def reset(self) -> None:
        """An empty queue and empty books, as a new process starts with."""
        self.queue: queue.Queue[logging.LogRecord | None] = queue.Queue()
        self.books = threading.Condition()
        self.waiting = self.pending = self.dropped = 0  # bytes, records, records
        self.last_report = 0.0
        self.listener, self.pid = None, None

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        return prepare(record)

    def enqueue(self, record: logging.LogRecord) -> None:
        size = len(record.msg) + len(record.exc_text or "") + RECORD_OVERHEAD
        with self.books:
            if self.waiting + size > self.max_bytes > 0:
                self.dropped += 1
                if self.dropped == 1:
                    warn(f"the log queue is full ({self.waiting:,} bytes): records "
                         "are dropped and counted")  # fmt: skip
                return
            self.waiting += size
            self.pending += 1
        record.queued_size = size
        if self.start():
            self.queue.put_nowait(record)
        else:  # no thread (none wanted, or the interpreter is exiting): deliver here
            Listener(self).handle(record)

    def start(self) -> bool:
        """Start this process's thread, unless it runs; False if none can start
        (the interpreter is exiting), or none is wanted (max_bytes is 0)."""
        if self.pid == os.getpid():
            return True
        if self.max_bytes <= 0:
            return False
        listener = Listener(self)
        try:
            listener.start()
        except RuntimeError:  # "can't create new thread at interpreter shutdown"
            return False
        self.listener, self.pid = listener, os.getpid()
        return True

    def done(self, record: logging.LogRecord) -> None:
        """The thread has handled record: keep the books, report drops now and then."""
        with self.books:
            self.waiting -= getattr(record, "queued_size", 0)
            self.pending -= 1
            self.books.notify_all()
            dropped, now = self.dropped, time.monotonic()
            if dropped and now - self.last_report >= REPORT_INTERVAL:
                self.dropped, self.last_report = 0, now
                warn(f"{dropped} records were dropped: the log queue was full")

    def wait(self, timeout: float) -> bool:
        """Wait up to timeout seconds until every queued record is handled."""
        with self.books:
            return self.books.wait_for(lambda: self.pending <= 0, timeout)

    def flush(self) -> None:
        """Wait up to the exit wait for the queue (logging.shutdown() at exit)."""
        if self.pid == os.getpid():
            self.wait(self.exit_wait)

    def close(self) -> None:
        """After flush(): report what is still queued, end what is in flight (it
        reports itself), and stop the thread."""
        if self.pid == os.getpid() and self.listener is not None:
            unsent = []
            while True:
                try:
                    unsent.append(self.queue.get_nowait())
                except queue.Empty:
                    break
            self.report_unsent([record for record in unsent if record is not None])
            for target in self.targets:
                interrupt = getattr(target, "interrupt", None)
                if interrupt is not None:
                    interrupt()
            self.wait(2.0)
            self.stop()
        if self.dropped:
            warn(f"{self.dropped} records were dropped: the log queue was full")
            self.dropped = 0
        super().close()

    def stop(self) -> None:
        """Let the thread handle what is queued, then end (a newer setup replaces
        this one)."""
        if self.pid == os.getpid() and self.listener is not None:
            self.listener.enqueue_sentinel()
        self.listener, self.pid = None, None

    def report_unsent(self, records: list[logging.LogRecord]) -> None:
        if not records:
            return
        with self.books:
            self.pending -= len(records)
        errors = [r for r in records if r.levelno >= logging.ERROR]
        warn(
            f"{len(records)} log records were still queued after the exit wait "
            f"({self.exit_label}); the {len(errors)} errors among them follow"
        )
        write_records(errors)


class Listener(QueueListener):
    """The thread: offers each record to every target its level lets through."""

    def __init__(self, owner: LogQueueHandler) -> None:
        super().__init__(owner.queue, *owner.targets)
        self.owner = owner
        self.busy = threading.Lock()  # held while handling: a fork waits for it

    def handle(self, record: logging.LogRecord) -> None:
        with self.busy:
            for handler in self.handlers:
                if record.levelno < handler.level:
                    continue
                try:
                    handler.handle(record)
                except Exception as exc:  # a broken filter, say: not the others' loss
                    warn(f"{handler.name or handler} lost a record "
                         f"({type(exc).__name__}: {exc})")  # fmt: skip
            self.owner.done(record)


_every_handler: weakref.WeakSet[LogQueueHandler] = weakref.WeakSet()
_paused: list[Listener] = []


def _pause_thread() -> None:
    """Before a fork: wait until every thread of this process is between records,
    so that the child inherits no lock a thread holds (an import's, a stream's)."""
    deadline = time.monotonic() + FORK_WAIT
    for handler in list(_every_handler):
        listener = handler.listener
        if listener is None or handler.pid != os.getpid():
            continue
        if listener.busy.acquire(timeout=max(0.0, deadline - time.monotonic())):
            _paused.append(listener)


def _resume_thread() -> None:
    for listener in _paused:
        listener.busy.release()
    _paused.clear()


def _start_afresh() -> None:
    """In the child: the parent's queue and thread stay the parent's."""
    _paused.clear()
    for handler in list(_every_handler):
        handler.reset()


if hasattr(os, "register_at_fork"):  # Windows never forks
    os.register_at_fork(
        before=_pause_thread,
        after_in_parent=_resume_thread,
        after_in_child=_start_afresh,
    )
