"""The queue between the code that logs and the handlers: never a wait, never a
record lost in silence, a thread of its own in every process."""

import logging
import os
import queue as queue_module
import re
import subprocess
import sys
import threading
import time
import uuid
import weakref
from types import SimpleNamespace

import pytest
from flask.logging import default_handler

from {{ cookiecutter.package_name }} import create_app, log
from {{ cookiecutter.package_name }}.log import check, records, report
from {{ cookiecutter.package_name }}.log.check import check_handler
from {{ cookiecutter.package_name }}.log.queue import LogQueueHandler
from {{ cookiecutter.package_name }}.log.report import HandlerUnavailable, ReportsFailures

from .conftest import PROJECT_ROOT, ListHandler, handled_records, logged, readable


class HeldHandler(ReportsFailures):
    """Handles nothing until released; interrupt() makes it fail instead."""

    destination = "the held handler"

    def __init__(self):
        super().__init__()
        self.open = threading.Event()
        self.waiting = threading.Event()
        self.interrupted = False
        self.records = []

    def hold(self):
        """Hold the next record again."""
        self.open.clear()
        self.waiting.clear()

    def emit(self, record):
        self.waiting.set()
        self.open.wait(30)
        if self.interrupted:
            try:
                raise ConnectionError("interrupted")
            except ConnectionError:
                self.handleError(record)
        else:
            self.records.append(record)

    def interrupt(self):
        self.interrupted = True
        self.open.set()


class FailingHandler(ReportsFailures):
    """Fails every record, as a backend that is down."""

    destination = "the failing handler"

    def emit(self, record):
        try:
            raise ConnectionRefusedError("down")
        except ConnectionRefusedError:
            self.handleError(record)


@pytest.fixture
def logger():
    logger = logging.getLogger(f"test.queue.{uuid.uuid4().hex}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    yield logger
    for handler in logger.handlers:
        logger.removeHandler(handler)
        handler.close()


def queue_for(logger, *targets, max_bytes=1_000_000, exit_wait=5.0):
    queue = LogQueueHandler(list(targets), max_bytes, exit_wait)
    logger.addHandler(queue)
    return queue


def test_the_logging_call_never_waits_for_a_handler(logger):
    held, kept = HeldHandler(), ListHandler()
    queue = queue_for(logger, held, kept)
    logger.warning("first")
    assert held.waiting.wait(5)  # the thread is in the held handler...
    for number in range(50):
        logger.warning("then %d", number)  # ...and the caller goes on
    assert kept.records == []
    held.open.set()
    queue.flush()  # what logging.shutdown() does first: wait until all is handled
    assert len(kept.records) == 51
    assert [r.getMessage() for r in kept.records[:2]] == ["first", "then 0"]


def test_without_a_thread_records_are_handled_where_they_are_logged(logger):
    class ThreadOf(logging.Handler):
        def emit(self, record):
            threads.append(threading.get_ident())

    threads = []
    queue_for(logger, ThreadOf(), max_bytes=0)
    logger.warning("here")
    assert threads == [threading.get_ident()]


def test_each_handler_gets_what_its_level_lets_through(logger):
    errors, kept = ListHandler(), ListHandler()
    errors.setLevel(logging.ERROR)
    queue = queue_for(logger, errors, kept)
    logger.warning("a warning")
    assert queue.wait(5)
    assert (errors.records, [r.getMessage() for r in kept.records]) == (
        [], ["a warning"]
    )  # fmt: skip


def test_a_record_is_prepared_once_for_every_handler(app, monkeypatch, capsys):
    """Two handlers (the console and a list), one traceback made."""
    calls = []

    def counting(exc):
        calls.append(exc)
        return f"formatted {len(calls)}"

    monkeypatch.setattr(records, "traceback_text", counting)  # prepare()'s use of it
    kept = handled_records(app)
    with app.app_context():
        try:
            raise KeyError("at the bottom")
        except KeyError:
            app.logger.exception("failed")
    logged(app)
    assert len(calls) == 1
    assert "formatted 1" in readable(capsys.readouterr().err)
    assert kept[0].exc_text == "formatted 1"


FULL = re.compile(
    r"\): the log queue is full: records are dropped and counted( \[in -:0\])?$", re.M
)


def test_the_queue_is_bounded_in_bytes_and_counts_what_it_drops(
    logger, capsys, monkeypatch
):
    """Each record counts its message, its traceback and 512 bytes: 1,500 here, so
    three fit, the one in the thread's hands included. The clock is stopped 30 s
    after the boot (the monotonic clock's start): the first count is told anyway."""
    monkeypatch.setattr(log.queue, "time", SimpleNamespace(monotonic=lambda: 30.0))
    held, kept = HeldHandler(), ListHandler()
    queue = queue_for(logger, held, kept, max_bytes=4500)
    big = ValueError("y" * 973)  # "ValueError: yyy...": 985 characters
    for number in range(5):
        logger.warning("1-%d", number, exc_info=(ValueError, big, None))
        assert held.waiting.wait(5)  # the first is in the thread's hands
        full = len(FULL.findall(readable(capsys.readouterr().err)))
        assert full == (1 if number == 3 else 0)  # told at the first drop only
    held.open.set()
    assert queue.wait(5)
    assert "2 records were dropped: the log queue was full" in readable(
        capsys.readouterr().err
    )
    # Handled records leave room; drops are told at most once a minute.
    held.hold()
    for number in range(4):
        logger.warning("2-%d %s", number, "x" * 984)
        assert held.waiting.wait(5)
    held.open.set()
    assert queue.wait(5)
    assert "were dropped" not in readable(capsys.readouterr().err)
    assert [r.getMessage()[:3] for r in kept.records] == [
        "1-0", "1-1", "1-2", "2-0", "2-1", "2-2",
    ]  # fmt: skip
    queue.close()  # at exit: what was dropped since the last report
    assert "1 records were dropped: the log queue was full" in readable(
        capsys.readouterr().err
    )


def test_a_queue_of_one_byte_drops_every_record(logger, capsys):
    kept = ListHandler()
    queue = queue_for(logger, kept, max_bytes=1)
    logger.warning("too big for the queue")
    queue.close()
    assert kept.records == []
    assert "1 records were dropped: the log queue was full" in readable(
        capsys.readouterr().err
    )


def test_the_exit_tells_what_a_handler_lost_since_its_last_report(capsys):
    handler = FailingHandler()
    for number in range(3):  # told at the first, then counted for a minute
        handler.handle(logging.makeLogRecord({"msg": f"record {number}"}))
    handler.rest_for = handler.resting_until = 0.0
    handler.close()
    err = readable(capsys.readouterr().err)
    assert "1 records could not be written to the failing handler" in err
    assert (
        "2 records could not be written to the failing handler "
        "(ConnectionRefusedError: down); logging has stopped"
    ) in err


def test_a_record_held_back_after_failures_leaves_their_count_for_the_exit(capsys):
    """A filter holding a record back (a throttle) is no news: the exit tells the
    failures counted before it, and why."""
    handler = FailingHandler()
    for number in range(3):
        handler.handle(logging.makeLogRecord({"msg": f"record {number}"}))
    handler.rest_for = handler.resting_until = 0.0
    handler.addFilter(lambda record: False)
    handler.handle(logging.makeLogRecord({"msg": "held back"}))
    handler.close()
    assert re.search(
        r"2 records could not be written to the failing handler"
        r" \(ConnectionRefusedError: down\); logging has stopped",
        readable(capsys.readouterr().err),
    )


def test_a_count_whose_error_a_passing_check_cleared_is_told_without_a_reason(capsys):
    """check-logging clears the last error: the failures counted before it are still
    told at the exit, with no reason made up for them."""
    handler = FailingHandler()
    for number in range(2):  # told at the first, then counted
        handler.handle(logging.makeLogRecord({"msg": f"record {number}"}))
    handler.emit = ListHandler().emit  # the backend is back
    assert check_handler(handler, logging.getLogger("test.check")) is None
    handler.close()
    assert (
        "1 records could not be written to the failing handler; logging has stopped"
    ) in readable(capsys.readouterr().err)


def test_the_exit_reports_what_is_queued_and_ends_what_is_in_flight(logger, capsys):
    held = HeldHandler()
    queue = queue_for(logger, held, exit_wait=0.05)
    logger.error("in flight")
    assert held.waiting.wait(5)
    logger.error("queued \x1b[2J")
    logger.info("queued, not an error")
    logger.error("queued too")
    queue.flush()  # the first half of logging.shutdown(): the wait...
    queue.close()  # ...and the second: what is left is told
    assert queue.wait(0)  # nothing is left in the books
    err = readable(capsys.readouterr().err)
    assert "3 log records were still queued after the exit wait (0.05 s); " \
        "the 2 errors follow" in err  # fmt: skip
    errors = [line for line in err.splitlines() if "queued" in line][1:]
    assert len(errors) == 2  # a line each
    assert all(re.match(r"(\d{4}-\d\d-\d\d \S+ )?ERROR ", line) for line in errors)
    assert "queued \\x1b[2J" in errors[0]
    assert "queued too" in errors[1]
    assert "queued, not an error" not in err
    # The record in flight was interrupted: its handler told of it, once.
    assert "1 records could not be written to the held handler (ConnectionError" in err
    assert held.records == []


def test_the_exit_lets_the_thread_take_a_record_under_its_eyes(logger, capsys):
    """The thread may take the last queued record between the exit's look at the
    queue and its own take: this queue's size is always read that moment too early."""

    class LookedAtTooEarly(queue_module.Queue):
        def qsize(self):
            return super().qsize() + 1

        def empty(self):
            return False

    held = HeldHandler()
    queue = queue_for(logger, held, exit_wait=0.05)
    queue.queue = LookedAtTooEarly()  # before the first record starts the thread
    logger.error("in flight")
    assert held.waiting.wait(5)
    logger.error("queued")
    queue.flush()
    queue.close()
    err = readable(capsys.readouterr().err)
    assert "1 log records were still queued after the exit wait (0.05 s)" in err
    assert queue.wait(0)


class StuckHandler(logging.Handler):
    """Stuck in its first record until released, and nothing can interrupt it."""

    def __init__(self):
        super().__init__()
        self.started, self.released = threading.Event(), threading.Event()

    def emit(self, record):
        self.started.set()
        self.released.wait(30)


def test_the_exit_waits_a_while_for_a_handler_it_cannot_interrupt(logger, monkeypatch):
    monkeypatch.setattr(log.queue, "IN_FLIGHT_WAIT", 0.2)
    stuck = StuckHandler()
    queue = queue_for(logger, stuck, exit_wait=0.05)
    logger.warning("stuck")
    assert stuck.started.wait(5)
    began = time.monotonic()
    queue.flush()
    queue.close()
    took = time.monotonic() - began
    stuck.released.set()
    assert 0.2 < took < 5  # the exit wait, then IN_FLIGHT_WAIT: not until released


def test_a_fork_waits_at_most_fork_wait_for_every_thread(logger, monkeypatch):
    """Two threads stuck in a record: the fork waits FORK_WAIT in all, not each."""
    monkeypatch.setattr(log.queue, "FORK_WAIT", 0.2)
    stuck = [StuckHandler(), StuckHandler()]
    for number, handler in enumerate(stuck):
        other = logging.getLogger(f"{logger.name}.{number}")
        other.propagate = False
        queue_for(other, handler)
        other.warning("stuck")
        assert handler.started.wait(5)
    began = time.monotonic()
    log.queue._pause()  # what os.fork() calls first
    took = time.monotonic() - began
    log.queue._resume()
    for number, handler in enumerate(stuck):
        handler.released.set()
        other = logging.getLogger(f"{logger.name}.{number}")
        for queue in other.handlers:
            other.removeHandler(queue)
            queue.close()
    assert took < 1.0


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded")
def test_a_forked_child_has_a_thread_and_a_queue_of_its_own(logger, tmp_path):
    path = tmp_path / "records.log"
    queue = queue_for(logger, logging.FileHandler(path))
    logger.warning("parent, before the fork")  # the parent's thread runs
    pid = os.fork()
    if pid == 0:  # the child, like a gunicorn worker after --preload
        try:
            logger.warning("child")
            queue.flush()
        finally:
            os._exit(0)
    logger.warning("parent, after the fork")  # the parent's thread was not left paused
    assert queue.wait(5)
    os.waitpid(pid, 0)
    lines = path.read_text().splitlines()
    assert sorted(lines) == [
        "child",
        "parent, after the fork",
        "parent, before the fork",
    ]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded")
def test_a_fork_waits_for_the_record_in_hand(logger):
    """A child gets a copy of the handlers as the thread left them between two
    records, and a queue of its own, empty."""
    held = HeldHandler()
    queue = queue_for(logger, held)
    logger.warning("in hand")
    assert held.waiting.wait(5)
    logger.warning("queued")
    forking = threading.Event()
    # Called before queue.py's own preparation (the last registered runs first): it
    # lets the held record through while the fork waits for it.
    os.register_at_fork(before=forking.set)
    threading.Thread(target=lambda: forking.wait(10) and held.open.set()).start()
    pid = os.fork()
    if pid == 0:  # the record in hand was handled; what was queued is the parent's
        handled = [r.getMessage() for r in held.records]
        os._exit(0 if handled[:1] == ["in hand"] and queue.wait(0) else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert queue.wait(5)


def test_a_record_no_thread_can_take_is_handled_where_it_is_logged(logger, monkeypatch):
    """Python 3.12 and later start no thread while the interpreter exits."""

    def refused(listener):
        raise RuntimeError("can't create new thread at interpreter shutdown")

    monkeypatch.setattr(log.queue.Listener, "start", refused)
    kept = ListHandler()
    queue = queue_for(logger, kept)
    logger.warning("while exiting")
    assert [r.getMessage() for r in kept.records] == ["while exiting"]
    assert queue.wait(0)


AT_EXIT = """
import atexit, logging, sys
from {{ cookiecutter.package_name }}.log.queue import LogQueueHandler

logger = logging.getLogger("exit")
logger.addHandler(LogQueueHandler([logging.FileHandler(sys.argv[1])], 10**6, 5.0))
atexit.register(logger.error, "the first record, logged while exiting")
"""


def test_a_first_record_logged_while_exiting_is_written(tmp_path):
    """Python 3.12 and later start no thread at exit: it is written all the same."""
    path = tmp_path / "exit.log"
    result = subprocess.run(  # noqa: S603 (our own command)
        [sys.executable, "-c", AT_EXIT, str(path)], cwd=PROJECT_ROOT,
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert path.read_text() == "the first record, logged while exiting\n"
    assert result.stderr == ""


def test_a_handler_that_breaks_does_not_end_the_thread(logger, capsys):
    class Broken(logging.Filter):
        def filter(self, record):
            raise RuntimeError("a broken filter")

    broken, kept = ListHandler(), ListHandler()
    broken.name = "broken"
    broken.addFilter(Broken())
    queue = queue_for(logger, broken, kept)
    logger.warning("one")
    logger.warning("two")
    assert queue.wait(5)
    assert [r.getMessage() for r in kept.records] == ["one", "two"]
    err = readable(capsys.readouterr().err)
    assert err.count("broken lost a record (RuntimeError: a broken filter)") == 2


def test_a_replaced_queue_never_starts_a_thread_again(logger):
    """create_app() with new settings stops the old queue, which a thread logging
    at that moment may still reach: its record is handled where it is logged."""
    kept = ListHandler()
    queue = queue_for(logger, kept)
    logger.warning("starts the thread")
    assert queue.wait(5)
    queue.stop()
    logger.warning("reaches the old queue")
    assert queue.listener is None
    messages = [r.getMessage() for r in kept.records]
    assert messages == ["starts the thread", "reaches the old queue"]


def test_threads_stopped_before_a_fork_start_again_with_the_next_record(
    logger, monkeypatch
):
    """uWSGI without fork hooks: the thread has ended when the fork comes, and each
    process starts its own."""

    class ThreadOf(logging.Handler):
        def emit(self, record):
            threads.append(threading.current_thread())

    threads = []
    queue = queue_for(logger, ThreadOf())
    monkeypatch.setattr(log.queue, "_every_handler", weakref.WeakSet([queue]))
    logger.warning("before")
    assert queue.wait(5)
    log.queue.stop_threads()
    assert not threads[0].is_alive()
    logger.warning("after")
    assert queue.wait(5)
    assert threads[1] not in (threads[0], threading.current_thread())


def test_a_stop_waits_for_a_logging_call_that_starts_the_thread(logger):
    queue = queue_for(logger, ListHandler())
    queue.acquire()  # as a logging call (emit) holds it
    stopper = threading.Thread(target=queue.stop)
    stopper.start()
    stopper.join(0.1)
    assert stopper.is_alive()  # waits for the lock (a broken stop ends at once)
    queue.release()
    stopper.join(5)
    assert not stopper.is_alive()


def test_a_first_failure_is_told_at_once_on_a_host_just_started(monkeypatch, capsys):
    """The monotonic clock counts from the boot: a minute has not passed yet."""

    monkeypatch.setattr(report, "time", SimpleNamespace(monotonic=lambda: 30.0))
    FailingHandler().handle(logging.makeLogRecord({"msg": "first"}))
    assert "1 records could not be written to the failing handler" in readable(
        capsys.readouterr().err
    )


def test_a_rest_ends_on_time_and_the_handler_tries_again(monkeypatch, capsys):
    clock = SimpleNamespace(monotonic=lambda: 30.0)
    monkeypatch.setattr(report, "time", clock)
    handler = FailingHandler()
    handler.rest = 1.0  # after the first failure, nothing is tried until 31.0
    tried = []
    emit = handler.emit
    monkeypatch.setattr(handler, "emit", lambda r: tried.append(r.msg) or emit(r))
    for moment, message in [(30.0, "fails"), (30.9, "resting"), (31.0, "on time")]:
        clock.monotonic = lambda moment=moment: moment
        handler.handle(logging.makeLogRecord({"msg": message}))
    assert tried == ["fails", "on time"]
    handler.close()  # its count told now, not after the suite
    assert "could not be written to the failing handler" in capsys.readouterr().err


def test_check_logging_reads_a_standing_failure_and_its_record_has_no_line():
    """A failure that loses no record but lasts fails the check too; the test
    record comes from no line of code."""

    class Kept(ReportsFailures, ListHandler):
        pass

    handler = Kept()
    handler.error = ConnectionError("an earlier record")  # not this check's
    assert check_handler(handler, logging.getLogger("test.check")) is None
    assert [(r.pathname, r.lineno) for r in handler.records] == [(check.__file__, 0)]
    handler.standing_error = OSError("cannot rename")
    assert check_handler(handler, logging.getLogger("test.check")) == (
        "OSError: cannot rename"
    )


def test_a_new_setup_ends_the_thread_of_the_old_one():
    first = create_app("testing", LOG_QUEUE_BYTES=1 << 20)
    first.logger.warning("starts the thread")
    listener = first.extensions["logging"].queue.listener
    create_app("testing", LOG_QUEUE_BYTES=1 << 21)  # other settings: a new setup
    listener._thread.join(5)  # the stdlib listener's thread: no public name for it
    assert not listener._thread.is_alive()


def test_a_handler_that_cannot_start_leaves_the_others(monkeypatch, capsys):
    def unavailable(app):
        raise HandlerUnavailable("not here")

    builders = {"first": unavailable, **log.HANDLER_BUILDERS}
    monkeypatch.setattr(log, "HANDLER_BUILDERS", builders)
    app = create_app("testing", LOG_QUEUE_BYTES=12345)  # a setup of its own
    assert "first logging is off: not here" in readable(capsys.readouterr().err)
    assert list(app.extensions["logging"].handlers)[0] == "console"


def test_a_handler_without_a_destination_is_listed_with_a_dash(monkeypatch):
    builders = {**log.HANDLER_BUILDERS, "plain": lambda app: logging.NullHandler()}
    monkeypatch.setattr(log, "HANDLER_BUILDERS", builders)
    app = create_app("testing", LOG_QUEUE_BYTES=23456)  # a setup of its own
    assert app.extensions["logging"].destinations["plain"] == "-"


def test_flasks_default_handler_is_taken_off(app):
    """Flask gives the app's logger its handler where no other listens (outside
    pytest): every line would be written twice."""
    app.logger.addHandler(default_handler)
    create_app("testing")
    assert default_handler not in app.logger.handlers


def test_the_exit_waits_five_seconds_without_a_network_handler(app):
    assert app.extensions["logging"].queue.exit_wait == 5.0
