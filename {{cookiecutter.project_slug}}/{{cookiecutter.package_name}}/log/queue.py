"""The logging cookbook's recipe: a QueueHandler prepares each record where it is
logged (records.py) and queues it; a QueueListener thread hands it to the handlers,
so no request waits on a file lock or a server.

The queue holds LOG_QUEUE_BYTES at most; more records are dropped, counted and told
(0: no thread, records are handled where they are logged). Each process starts a
thread of its own with its first record. At exit, logging.shutdown() calls flush(),
which waits up to the exit wait, then close(), which tells what is left.
"""

import logging
import os
import queue
import threading
import time
import weakref
from logging.handlers import QueueHandler, QueueListener

from .records import prepare
from .report import REPORT_INTERVAL, warn, write_records

RECORD_OVERHEAD = 512  # bytes a queued record takes besides its text, about
FORK_WAIT = 10.0  # seconds a fork waits for the thread to finish a record, at most
IN_FLIGHT_WAIT = 2.0  # seconds an exit then gives the record in flight, at most


class LogQueueHandler(QueueHandler):
    """Queue prepared records for the targets, which this process's thread handles."""

    def __init__(
        self, targets: list[logging.Handler], max_bytes: int, exit_wait: float
    ) -> None:
        super().__init__(queue.Queue())
        self.targets, self.max_bytes, self.exit_wait = targets, max_bytes, exit_wait
        self.reset()
        _every_handler.add(self)

    def reset(self) -> None:
        """An empty queue and books, as a new process starts with."""
        self.queue: queue.Queue[logging.LogRecord | None] = queue.Queue()
        self.books = threading.Condition()
        self.waiting = self.pending = self.dropped = 0  # bytes, records, records
        self.last_report = float("-inf")  # a host up for less than a minute reports too
        self.listener: Listener | None = None
        self.pid: int | None = None

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        return prepare(record)

    def enqueue(self, record: logging.LogRecord) -> None:
        size = len(record.msg) + len(record.exc_text or "") + RECORD_OVERHEAD
        record.queued_size = size
        with self.books:
            if self.waiting + size > self.max_bytes > 0:
                self.dropped += 1
                if self.dropped == 1:
                    warn("the log queue is full: records are dropped and counted")
                return
            self.waiting += size
            self.pending += 1
        if self.start():
            self.queue.put_nowait(record)
        else:  # no thread (none wanted, or the interpreter is exiting): handle here
            Listener(self).handle(record)

    def start(self) -> bool:
        """Start this process's thread unless it runs; False if none is wanted or
        none can start."""
        if self.pid != os.getpid() and self.max_bytes > 0:
            listener = Listener(self)
            try:
                listener.start()
            except RuntimeError:  # "can't create new thread at interpreter shutdown"
                return False
            self.listener, self.pid = listener, os.getpid()
        return self.pid == os.getpid()

    def done(self, record: logging.LogRecord) -> None:
        """Keep the books of a handled record; report drops, at most once a minute."""
        with self.books:
            self.waiting -= getattr(record, "queued_size", 0)
            self.pending -= 1
            self.books.notify_all()
            if self.dropped and time.monotonic() - self.last_report >= REPORT_INTERVAL:
                self.report_drops()

    def report_drops(self) -> None:
        warn(f"{self.dropped} records were dropped: the log queue was full")
        self.dropped, self.last_report = 0, time.monotonic()

    def wait(self, timeout: float) -> bool:
        """Wait up to timeout seconds until every queued record is handled."""
        with self.books:
            return self.books.wait_for(lambda: self.pending <= 0, timeout)

    def flush(self) -> None:
        if self.pid == os.getpid():
            self.wait(self.exit_wait)

    def close(self) -> None:
        """Tell what is still queued; end what is in flight (its handler tells if it
        is lost) and the thread."""
        if self.pid == os.getpid():
            unsent = []
            for _ in range(self.queue.qsize()):  # not what other threads log now
                try:
                    unsent.append(self.queue.get_nowait())
                except queue.Empty:  # the thread took the last one first
                    break
            errors = [r for r in unsent if r is not None and r.levelno >= logging.ERROR]
            if unsent:
                wait = f"the exit wait ({self.exit_wait:g} s)"
                warn(f"{len(unsent)} log records were still queued after {wait}; "
                     f"the {len(errors)} errors follow")  # fmt: skip
                write_records(errors)
            with self.books:
                self.pending -= len(unsent)
            for target in self.targets:
                getattr(target, "interrupt", lambda: None)()
            self.wait(IN_FLIGHT_WAIT)
        if self.dropped:
            self.report_drops()
        self.stop()
        super().close()

    def stop(self, wait: bool = False) -> None:
        """End the thread after what is queued; with wait, once it has ended. Without,
        a new setup replaced this one: a record that still comes is handled inline."""
        self.acquire()  # not while a logging call starts the thread
        try:
            listener = self.listener if self.pid == os.getpid() else None
            self.listener = self.pid = None
            if not wait:
                self.max_bytes = 0
        finally:
            self.release()
        if listener is not None and wait:
            listener.stop()
        elif listener is not None:
            listener.enqueue_sentinel()


class Listener(QueueListener):
    """Offers each record to every target its level lets through."""

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
                    warn(f"{handler.name} lost a record ({type(exc).__name__}: {exc})")
            self.owner.done(record)


# A fork waits until the thread is between records: inside a handler, it may hold a
# lock (an import's, a stream's) that no one would release in the child. The child
# starts with an empty queue; what the parent queued is the parent's.
_every_handler: weakref.WeakSet[LogQueueHandler] = weakref.WeakSet()
_paused: list[Listener] = []


def _pause() -> None:
    deadline = time.monotonic() + FORK_WAIT
    for handler in list(_every_handler):
        listener = handler.listener
        wait = max(0.0, deadline - time.monotonic())
        if listener and listener.busy.acquire(timeout=wait):
            _paused.append(listener)


def stop_threads() -> None:
    """End this process's threads before a fork that runs no fork hooks (uWSGI's
    without them): each child starts its own with its first record."""
    for handler in list(_every_handler):
        handler.stop(wait=True)


def _resume() -> None:
    while _paused:
        _paused.pop().busy.release()


def _start_afresh() -> None:
    _paused.clear()
    for handler in list(_every_handler):
        handler.reset()


if hasattr(os, "register_at_fork"):  # Windows never forks
    os.register_at_fork(
        before=_pause, after_in_parent=_resume, after_in_child=_start_afresh
    )
