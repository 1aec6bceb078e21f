"""Background delivery, for every handler that talks to a server or a socket.

A request's thread only formats a record and puts it on a bounded queue. One thread
per process, started on first use (so each gunicorn worker has its own, with or
without --preload), hands the queued records to a target that talks to the server,
and tries again, waiting longer each time, while the target says it could not
deliver. A normal exit gives queued records one bounded wait and reports on stderr
what is still unsent. A full queue counts what it drops and says so: nothing is
dropped in silence.

A target has two methods: deliver(record), called on the sending thread, returns
False when the record should be tried again later (the target has said why), and
deliver_now(record) sends at once and raises what went wrong (flask check-logging).
"""

import atexit
import logging
import os
import queue
import threading
import time
import weakref
from logging.handlers import QueueHandler, QueueListener
from typing import Protocol

from .report import warn


class Target(Protocol):
    """What a BackgroundHandler delivers to (see the module's docstring)."""

    def deliver(self, record: logging.LogRecord) -> bool: ...

    def deliver_now(self, record: logging.LogRecord) -> None: ...

    def close(self) -> None: ...


class DeliveryQueue(queue.Queue[logging.LogRecord | None]):
    """Records waiting for the sending thread: at most `limit`, the rest counted.

    It also knows the record the sending thread holds. Taking a record and marking it
    in flight happen under the queue's own lock, so at exit every record is queued,
    in flight or done, and none is in between.

    Queuing a record does not wake the sending thread: it looks every WAKE_INTERVAL
    seconds, or sooner once WAKE_AT records wait. Woken for every record, it would
    cost the request's thread a switch between threads each time (about 40 us on 2
    cores), more than writing the record to a file.
    """

    WAKE_INTERVAL = 0.1
    WAKE_AT = 64

    def __init__(self, limit: int) -> None:
        super().__init__()  # unbounded underneath: the stop sentinel always fits
        self.limit = limit
        self.in_flight: logging.LogRecord | None = None
        self.dropped = 0

    def offer(self, record: logging.LogRecord) -> bool:
        """Queue record and return True, or count it as dropped and return False."""
        with self.mutex:
            if self._qsize() >= self.limit:
                self.dropped += 1
                return False
            self._put(record)
            self.unfinished_tasks += 1
            if self._qsize() >= self.WAKE_AT:
                self.not_empty.notify()
        return True

    def wake(self) -> None:
        """Have the sending thread look now (at exit)."""
        with self.not_empty:
            self.not_empty.notify()

    def next_record(self) -> logging.LogRecord | None:
        """The next record (None: the stop sentinel), waiting as long as it takes."""
        while True:
            try:
                return self.get(timeout=self.WAKE_INTERVAL)
            except queue.Empty:
                continue

    def take_dropped(self) -> int:
        with self.mutex:
            dropped, self.dropped = self.dropped, 0
        return dropped

    def _get(self) -> logging.LogRecord | None:  # get() holds self.mutex
        self.in_flight = super()._get()
        return self.in_flight

    def done(self, record: logging.LogRecord) -> None:
        with self.mutex:
            if self.in_flight is record:
                self.in_flight = None

    def wait_done(self, timeout: float) -> None:
        """Wait up to timeout seconds for every queued record to be handled."""
        with self.all_tasks_done:
            self.all_tasks_done.wait_for(lambda: not self.unfinished_tasks, timeout)

    def take_unsent(self) -> list[logging.LogRecord]:
        """Empty the queue and return its records, the one in flight first."""
        with self.mutex:
            records = [self.in_flight, *self.queue]
            self.unfinished_tasks -= len(self.queue)
            self.queue.clear()
            self.in_flight = None
        return [record for record in records if record is not None]


class DeliveryThread(QueueListener):
    """The sending thread: hands each record to the target and keeps the books."""

    MAX_PAUSE = 5.0  # seconds between two tries, at most

    queue: DeliveryQueue

    def __init__(self, queue: DeliveryQueue, handler: "BackgroundHandler") -> None:
        super().__init__(queue)
        self.handler = handler

    def dequeue(self, block: bool) -> logging.LogRecord:
        record = self.queue.next_record()
        if record is None:  # the stop sentinel: nothing more is coming
            self.handler.target.close()
        return record  # type: ignore[return-value]  # None: the stop sentinel

    def handle(self, record: logging.LogRecord) -> None:
        handler, pause = self.handler, 0.1
        try:
            while True:
                with handler.busy:  # a fork waits for this, never for a pause
                    self.note_drops(record)
                    if handler.target.deliver(record):
                        return
                if handler.stopping.wait(pause):
                    return  # exiting: the record is reported as unsent
                pause = min(pause * 2, self.MAX_PAUSE)
        finally:
            self.queue.done(record)

    def note_drops(self, record: logging.LogRecord) -> None:
        """Say what the full queue dropped before this record, on stderr and on the
        record itself, for a target that passes it on."""
        dropped = self.handler.report_dropped()
        if dropped:
            record.dropped_before = dropped


class BackgroundHandler(QueueHandler):
    """Queue records for `target`, which a thread of this process delivers."""

    queue: DeliveryQueue

    def __init__(
        self,
        target: Target,
        *,
        limit: int,
        exit_wait: float,
        exit_wait_setting: str,
        what: str,
    ) -> None:
        super().__init__(DeliveryQueue(limit))
        self.target = target
        self.destination = "-"  # the builder says where
        self.exit_wait = exit_wait
        self.exit_wait_setting = exit_wait_setting
        self.what = what  # what the records are, in the messages to the operator
        self.thread: DeliveryThread | None = None
        self.pid: int | None = None
        self.warned_full = False
        self.start_lock = threading.Lock()
        # Held by the sending thread while it works; see _pause_delivery below.
        self.busy = threading.Lock()
        self.stopping = threading.Event()
        _every_handler.add(self)

    def enqueue(self, record: logging.LogRecord) -> None:
        if not self.start():
            # The interpreter is shutting down and starts no thread: deliver here,
            # once, as the exit would.
            if not self.target.deliver(record):
                self.report_unsent([record])
            return
        if not self.queue.offer(record) and not self.warned_full:
            self.warned_full = True  # once: the sending thread reports the counts
            warn(
                f"the queue of {self.what} is full ({self.queue.limit} waiting): "
                "more are dropped and counted"
            )

    def start(self) -> bool:
        """Start the sending thread, once per process (again in a forked child).

        False when no thread can start: the interpreter is shutting down.
        """
        if self.pid == os.getpid():
            return True
        with self.start_lock:
            if self.pid == os.getpid():
                return True
            if self.pid is not None:
                # A forked child starts from a fresh queue: the parent's may hold
                # records that the parent sends, and locks held by its threads.
                self.queue = DeliveryQueue(self.queue.limit)
                self.warned_full = False
            thread = DeliveryThread(self.queue, self)
            try:
                thread.start()
            except RuntimeError:  # "can't create new thread at interpreter shutdown"
                return False
            self.thread = thread
            self.pid = os.getpid()
            _running.add(self)
        return True

    def check(self, record: logging.LogRecord) -> Exception | None:
        """Deliver record now, on this thread; return what went wrong, or None."""
        try:
            self.target.deliver_now(self.prepare(record))
        except Exception as exc:
            return exc
        return None

    def close(self) -> None:
        """Replaced by a newer app: the thread delivers what is queued, then ends."""
        if self.pid == os.getpid() and self.thread is not None:
            self.thread.enqueue_sentinel()
        super().close()

    def finish(self, deadline: float) -> None:
        """At exit: wait until deadline for queued records, then report what is left."""
        self.queue.wake()
        self.queue.wait_done(max(0.0, deadline - time.monotonic()))
        unsent = self.queue.take_unsent()
        self.stopping.set()
        if self.thread is not None:  # a thread still sending ends when it is done
            self.thread.enqueue_sentinel()
        if unsent:
            self.report_unsent(unsent)
        self.report_dropped()

    def report_dropped(self) -> int:
        """Say on stderr how many records the full queue dropped since last asked."""
        dropped = self.queue.take_dropped()
        if dropped:
            warn(f"{dropped} {self.what} were dropped: the queue was full")
        return dropped

    def report_unsent(self, records: list[logging.LogRecord]) -> None:
        errors = [r for r in records if r.levelno >= logging.ERROR]
        wait = f"{self.exit_wait_setting}={self.exit_wait:g}s"
        if len(errors) == len(records):
            follow = "their text follows"
        else:
            follow = f"the {len(errors)} errors among them follow"
        warn(f"{len(records)} {self.what} were still unsent after {wait}; {follow}")
        for record in errors:
            warn(self.describe_unsent(record))

    def describe_unsent(self, record: logging.LogRecord) -> str:
        return f"unsent: {record.msg}"


# Every BackgroundHandler (for forks) and those whose thread runs in this process.
_every_handler: weakref.WeakSet[BackgroundHandler] = weakref.WeakSet()
_running: set[BackgroundHandler] = set()


@atexit.register
def deliver_queued_records() -> None:
    """Give queued records one bounded wait, shared by every handler, at exit."""
    handlers = [h for h in _running if h.pid == os.getpid()]
    _running.clear()
    if not handlers:
        return
    deadline = time.monotonic() + max(h.exit_wait for h in handlers)
    for handler in handlers:
        handler.finish(deadline)


# Forking while a sending thread is in the middle of something can leave the child
# with a lock that nobody will release: an import the thread was making (socket
# lookups import the idna codec on first use), or stderr's buffer. So a fork waits
# until every sending thread is between two records or pausing before a retry, for
# FORK_WAIT seconds at most: a server that never answers must not stop the fork.
FORK_WAIT = 10.0
_paused: list[BackgroundHandler] = []


def _pause_delivery() -> None:
    deadline = time.monotonic() + FORK_WAIT
    for handler in list(_every_handler):
        if handler.busy.acquire(timeout=max(0.0, deadline - time.monotonic())):
            _paused.append(handler)


def _resume_delivery() -> None:
    for handler in _paused:
        handler.busy.release()
    _paused.clear()


def _forget_parent_threads() -> None:
    _running.clear()
    _paused.clear()
    for handler in list(_every_handler):
        handler.busy = threading.Lock()
        handler.start_lock = threading.Lock()


if hasattr(os, "register_at_fork"):  # processes never fork on Windows
    os.register_at_fork(
        before=_pause_delivery,
        after_in_parent=_resume_delivery,
        after_in_child=_forget_parent_threads,
    )
