"""What the app says at startup under uWSGI, with a stand-in for its module."""

import sys
import threading
from types import SimpleNamespace

import pytest

from {{ cookiecutter.package_name }} import create_app
from {{ cookiecutter.package_name }}.uwsgi_check import warn_about_uwsgi

SAFE = {"master": True, "enable-threads": True, "py-call-uwsgi-fork-hooks": True}


def start_under_uwsgi(
    monkeypatch, options, has_threads=1, worker_id=0, numproc=4, **settings
):
    """create_app twice in a process whose uwsgi module says this."""
    uwsgi = SimpleNamespace(
        opt=options, has_threads=has_threads, numproc=numproc,
        worker_id=lambda: worker_id,
    )  # fmt: skip
    monkeypatch.setitem(sys.modules, "uwsgi", uwsgi)
    warn_about_uwsgi.cache_clear()
    create_app("testing", **settings)
    create_app("testing", **settings)


@pytest.fixture(autouse=True)
def forget_warnings():
    yield
    warn_about_uwsgi.cache_clear()


def test_without_threads_it_says_once_which_flag_fixes_it(monkeypatch, capsys):
    start_under_uwsgi(monkeypatch, SAFE, has_threads=0)
    err = capsys.readouterr().err
    assert err.count("uWSGI runs Python without threads") == 1
    assert "--enable-threads (enable-threads = true in uwsgi.ini)" in err


@pytest.mark.parametrize(
    ("options", "numproc"),
    [
        ({"master": True}, 1),
        ({}, 4),
        ({}, 2),  # the first process forks the second
        ({"master": True, "enable-threads": True}, 4),
    ],
)
def test_forks_without_hooks_it_says_once_which_flags_fix_it(
    monkeypatch, capsys, options, numproc
):
    start_under_uwsgi(monkeypatch, options, numproc=numproc)
    err = capsys.readouterr().err
    assert err.count("without running Python's fork hooks") == 1
    assert "--py-call-uwsgi-fork-hooks" in err
    assert "--lazy-apps" in err


@pytest.mark.parametrize(
    "options",
    [
        {"master": b"true", "py-call-uwsgi-fork-hooks": b"false"},
        {"master": b"", "py-call-uwsgi-fork-hooks": b"OFF", "lazy-apps": b"no"},
        {"master": b"true", "py-call-uwsgi-fork-hooks": [b"true", b"0"]},
    ],
    ids=["hooks false", "hooks OFF and lazy-apps no", "hooks given twice, then 0"],
)
def test_a_switch_the_ini_turns_off_is_off(monkeypatch, capsys, options):
    """uWSGI gives the app an ini file's values as text, which it reads as on unless
    it is false, off, no or 0 (an empty value is on): to Python, b"false" is true."""
    start_under_uwsgi(monkeypatch, options)
    assert capsys.readouterr().err.count("without running Python's fork hooks") == 1


def test_forks_without_hooks_find_no_logging_thread(monkeypatch, capsys):
    """A thread that runs Python as uWSGI forks would hold the GIL in the worker for
    ever: the thread ends first, and the next record starts another."""
    queued = {"LOG_QUEUE_BYTES": 1024 * 1024}
    app = create_app("testing", **queued)
    before = set(threading.enumerate())
    app.logger.warning("logged before the fork")
    started = set(threading.enumerate()) - before
    assert started, "the record started the logging thread"
    start_under_uwsgi(monkeypatch, {"master": True, "enable-threads": True}, **queued)
    assert not any(thread.is_alive() for thread in started)
    assert "logged before the fork" in capsys.readouterr().err
    app.logger.warning("logged in the worker")
    assert app.extensions["logging"].queue.wait(10)
    assert "logged in the worker" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("options", "worker_id", "numproc"),
    [
        (SAFE, 0, 4),  # the project's uwsgi.ini
        ({"master": b"true", "py-call-uwsgi-fork-hooks": b"true"}, 0, 4),  # its text
        ({"master": True, "lazy-apps": True}, 1, 4),  # loaded after the fork
        ({"master": True, "lazy": True}, 1, 4),  # lazy-apps' older, broader form
        ({}, 0, 1),  # one process, no master: no fork at all
    ],
)
def test_no_warning_with_the_projects_ini_lazy_apps_or_one_process(
    monkeypatch, capsys, options, worker_id, numproc
):
    start_under_uwsgi(monkeypatch, options, worker_id=worker_id, numproc=numproc)
    assert "uWSGI" not in capsys.readouterr().err


def test_with_lazy_apps_only_the_first_worker_speaks(monkeypatch, capsys):
    start_under_uwsgi(monkeypatch, {"lazy-apps": True}, has_threads=0, worker_id=2)
    assert "uWSGI" not in capsys.readouterr().err


def test_with_lazy_apps_the_first_worker_says_it(monkeypatch, capsys):
    """With lazy-apps the master never loads the app: worker 1 says what it finds."""
    start_under_uwsgi(monkeypatch, {"lazy-apps": True}, has_threads=0, worker_id=1)
    err = capsys.readouterr().err
    assert err.count("uWSGI runs Python without threads") == 1
    assert "--enable-threads (enable-threads = true in uwsgi.ini)" in err


def test_outside_uwsgi_nothing_is_said(capsys):
    warn_about_uwsgi.cache_clear()
    create_app("testing")
    assert "uWSGI" not in capsys.readouterr().err
