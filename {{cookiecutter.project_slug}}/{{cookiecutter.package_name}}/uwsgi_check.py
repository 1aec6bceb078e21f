"""uWSGI settings under which the app's background threads, which deliver its logs,
hold records back: Python without threads, or forks that skip Python's fork hooks.
"""

import functools
import importlib
from types import ModuleType

from .log.queue import stop_threads
from .log.report import warn

# A switch's values that uWSGI reads as off.
OFF = {b"false", b"off", b"no", b"0"}
NO_THREADS = (
    "uWSGI runs Python without threads: the app's background threads, which deliver "
    "its logs, only run while a request does. Start uWSGI with --enable-threads "
    "(enable-threads = true in uwsgi.ini)."
)
NO_FORK_HOOKS = (
    "uWSGI forks its workers from the process that loaded the app without running "
    "Python's fork hooks, which the app's background threads need: records they "
    "deliver can be left unsent. Start uWSGI with --py-call-uwsgi-fork-hooks "
    "(py-call-uwsgi-fork-hooks = true in uwsgi.ini), or with --lazy-apps."
)


@functools.cache
def warn_about_uwsgi() -> None:
    """Under uWSGI, say once at startup what holds the app's records back."""
    try:
        uwsgi = importlib.import_module("uwsgi")  # only inside a uWSGI process
    except ImportError:
        return
    if uwsgi.worker_id() > 1:
        return  # with --lazy-apps every worker loads the app: the first one says it
    problems = uwsgi_problems(uwsgi)
    for problem in problems:
        warn(problem)
    if NO_FORK_HOOKS in problems:
        # A thread that runs Python as uWSGI forks would hold the GIL in the worker
        # for ever: the worker would never answer.
        stop_threads()


def uwsgi_problems(uwsgi: ModuleType) -> list[str]:
    problems = [] if uwsgi.has_threads else [NO_THREADS]
    forks_later = switched_on(uwsgi, "master") or uwsgi.numproc > 1
    lazy = switched_on(uwsgi, "lazy-apps") or switched_on(uwsgi, "lazy")
    if forks_later and not lazy and not switched_on(uwsgi, "py-call-uwsgi-fork-hooks"):
        problems.append(NO_FORK_HOOKS)
    return problems


def switched_on(uwsgi: ModuleType, option: str) -> bool:
    """Whether uWSGI has the switch on. uwsgi.opt holds True for a bare flag, else
    the text it was given (the last, if given twice), which uWSGI reads as on unless
    it is false, off, no or 0."""
    value = uwsgi.opt.get(option)
    if isinstance(value, list):
        value = value[-1]
    if isinstance(value, bytes):
        return value.lower() not in OFF
    return bool(value)
