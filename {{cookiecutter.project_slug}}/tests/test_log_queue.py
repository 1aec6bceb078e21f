"""The queue between the code that logs and the handlers: never a wait, never a
record lost in silence, a thread of its own in every process."""

import logging
import os
import subprocess
import sys
import threading
import uuid

import pytest

from {{ cookiecutter.package_name }}.log import records
from {{ cookiecutter.package_name }}.log.queue import LogQueueHandler
from {{ cookiecutter.package_name }}.log.report import ReportsFailures

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
    logger.warning("second")  # ...and the caller goes on
    assert kept.records == []
    held.open.set()
    assert queue.wait(5)
    assert [r.getMessage() for r in kept.records] == ["first", "second"]


def test_a_record_is_prepared_once_for_every_handler(app, monkeypatch, capsys):
    """Two handlers (the console and a list), one traceback made."""
    calls = []

    def counting(exc):
        calls.append(exc)
        return f"formatted {len(calls)}"

    monkeypatch.setattr(records, "format_exception", counting)
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


def test_the_queue_is_bounded_in_bytes_and_counts_what_it_drops(logger, capsys):
    held, kept = HeldHandler(), ListHandler()
    queue = queue_for(logger, held, kept, max_bytes=10_000)
    for number in range(20):
        logger.warning("%02d %s", number, "x" * 1000)  # 1.5 KB each, as counted
    err = readable(capsys.readouterr().err)
    assert err.count("the log queue is full") == 1
    held.open.set()
    assert queue.wait(5)
    err = readable(capsys.readouterr().err)
    dropped = int(err.split(" records were dropped")[0].rsplit(" ", 1)[-1])
    assert len(kept.records) + dropped == 20
    assert 5 <= len(kept.records) <= 7


def test_the_exit_reports_what_is_queued_and_ends_what_is_in_flight(logger, capsys):
    held = HeldHandler()
    queue = queue_for(logger, held, exit_wait=0.05)
    logger.error("in flight")
    assert held.waiting.wait(5)
    logger.error("queued \x1b[2J")
    logger.info("queued, not an error")
    queue.flush()  # the first half of logging.shutdown(): the wait...
    queue.close()  # ...and the second: what is left is told
    err = readable(capsys.readouterr().err)
    assert "2 log records were still queued after the exit wait (0.05 s); " \
        "the 1 errors follow" in err  # fmt: skip
    assert "queued \\x1b[2J" in err
    assert "queued, not an error" not in err
    # The record in flight was interrupted: its handler told of it, once.
    assert "1 records could not be written to the held handler (ConnectionError" in err
    assert held.records == []


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
