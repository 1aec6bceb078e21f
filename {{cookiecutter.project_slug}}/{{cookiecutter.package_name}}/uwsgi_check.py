"""uWSGI settings under which the app's background threads, which deliver its logs,
hold records back: Python without threads, or forks that skip Python's fork hooks.
"""

import functools
import importlib
from types import ModuleType

from .log.queue import stop_threads
from .log.report import warn

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
    options = uwsgi.opt
    problems = [] if uwsgi.has_threads else [NO_THREADS]
    forks_later = options.get("master") or uwsgi.numproc > 1
    lazy = options.get("lazy-apps") or options.get("lazy")
    if forks_later and not lazy and not options.get("py-call-uwsgi-fork-hooks"):
        problems.append(NO_FORK_HOOKS)
    return problems
