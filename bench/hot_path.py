"""Hot path: requests per second of a trivial route, generated app vs bare Flask.

In process (Flask's test client, each app in a process of its own) and under gunicorn
with 2 workers (every server up at once, driven by the load client), in alternating
rounds. Bare Flask gets the same SECRET_KEY: with one, Flask prepares signed sessions
on every request, as any real deployment does.

The in-process comparison runs twice: with both processes on one CPU core, so that
both sides run under the same conditions, and on whichever cores the scheduler picks,
as an app would run. The difference measured is a few microseconds in a request of
about 145. Each also has a row against bare Flask with Flask-SQLAlchemy, which the
generated app has, and which ends a database session at every request's teardown.

Under gunicorn the generated app writes an access line per request (its
gunicorn.conf.py), and bare Flask, by gunicorn's default, none. So each runs twice:
bare Flask without an access log and with gunicorn's own on stderr; the generated app
with its settings as baked and with the access line turned off as its README says.
Like is compared with like, and a third row shows what the access line costs.
"""

import contextlib
import os
import shutil
import statistics
import tempfile
from pathlib import Path

from harness.bake import bake
from harness.servers import percentile

from .common import SECRET_KEY, Table, alternate, ratios, spread, times
from .gunicorn_errors import BARE_APP, BARE_ENV, compare, start, write_apps
from .inproc import AppProcess, Batches
from .load import client_name

ACCESS_LINE_ON = 'accesslog = "-"'
# Bare Flask with the one extension the generated app has on every request: the
# like-for-like peer in process (Flask-SQLAlchemy ends its session at each teardown).
BARE_DATABASE = "bare, Flask-SQLAlchemy"
BARE_DATABASE_LABEL = "; bare Flask with Flask-SQLAlchemy"
ACCESS_LINE_OFF = "accesslog = None"

# (generated side, bare side, what the row compares) under gunicorn.
GUNICORN_ROWS = (
    ("generated, no access line", "bare", "no access line on either side"),
    ("generated", "bare, access log", "an access line per request on both sides"),
    ("generated", "bare", "access line on the generated side only"),
)


def in_process(project, rounds, count, cpus=None):
    """{side: Batches} and {side: figures} of alternating rounds on /ping."""
    settings = {"SECRET_KEY": SECRET_KEY, "LOG_FILE": str(project / "bench.log")}
    apps = [AppProcess("bare", cpus=cpus, secret_key=SECRET_KEY)]
    try:
        apps.append(AppProcess("bare", cpus=cpus, secret_key=SECRET_KEY, database=True))
        apps.append(
            AppProcess("generated", cpus=cpus, project=str(project), settings=settings)
        )
        for app in apps:
            app.time("/ping", 100)
        sides = {
            "bare": Batches(apps[0], "/ping", count, rate=True),
            BARE_DATABASE: Batches(apps[1], "/ping", count, rate=True),
            "generated": Batches(apps[2], "/ping", count, rate=True),
        }
        figures, _ = alternate(sides, rounds)
    finally:
        for app in apps:
            app.close()
    return sides, figures


def under_gunicorn(project, scratch, rounds, duration):
    """({side: Rounds}, {side: figures}) of bare Flask and the generated app, each
    with and without an access line per request."""
    write_apps(project, scratch / "bare")
    logged = scratch / "bare-access-log"
    logged.mkdir()
    (logged / "bare_app.py").write_text(BARE_APP)
    # A copy of the generated project (a folder of its own, as each server needs for
    # its stderr), with the one change its README gives for turning the line off.
    no_access = scratch / "generated-no-access"
    shutil.copytree(project, no_access)
    conf = no_access / "gunicorn.conf.py"
    settings = conf.read_text()
    assert ACCESS_LINE_ON in settings
    conf.write_text(settings.replace(ACCESS_LINE_ON, ACCESS_LINE_OFF))
    env = {
        "FLASK_CONFIG": "production",
        "FLASK_SECRET_KEY": SECRET_KEY,
        "FLASK_LOG_FILE": str(project / "bench.log"),
    }
    with contextlib.ExitStack() as stack:
        servers = {
            "bare": start(stack, scratch / "bare", "bare_app:app", BARE_ENV, 2),
            "bare, access log": start(stack, logged, "bare_app:app", BARE_ENV, 2,
                                      extra=["--access-logfile", "-"]),
            "generated": start(stack, project, "generated_app:app", env, 2),
            "generated, no access line": start(stack, no_access, "generated_app:app",
                                               env, 2),
        }  # fmt: skip
        return compare(servers, "/ping", 200, rounds, duration, 2)


def run(quick):
    rounds = 3 if quick else 9
    count = 300 if quick else 2000
    http_rounds = 2 if quick else 5
    duration = 1 if quick else 3
    table = Table(
        "Hot path: a trivial route, requests per second, alternating rounds",
        ["where", "client", "bare Flask (range)", "generated (range)",
         "generated / bare", "p99 ms bare", "p99 ms generated"],
    )  # fmt: skip
    one_core = [max(os.sched_getaffinity(0))]
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        project = bake(scratch)
        for cpus, where in ((one_core, "both on one core"), (None, "any core")):
            sides, figures = in_process(project, rounds, count, cpus)
            for bare, label in (("bare", ""), (BARE_DATABASE, BARE_DATABASE_LABEL)):
                table.add(
                    f"in process, {where}, {rounds} rounds of {count:,}{label}",
                    "Flask test client",
                    spread(figures[bare], 0),
                    spread(figures["generated"], 0),
                    times(ratios(figures["generated"], figures[bare])),
                    f"{percentile(sides[bare].all, 0.99) * 1000:.2f}",
                    f"{percentile(sides['generated'].all, 0.99) * 1000:.2f}",
                )

        sides, figures = under_gunicorn(project, scratch, http_rounds, duration)
    where = f"gunicorn, 2 workers, {http_rounds} rounds of {duration} s"
    for generated, bare, label in GUNICORN_ROWS:
        table.add(
            f"{where}, {label}",
            client_name(),
            spread(figures[bare], 0),
            spread(figures[generated], 0),
            times(ratios(figures[generated], figures[bare])),
            f"{statistics.median(run.p99 for run in sides[bare].runs):.2f}",
            f"{statistics.median(run.p99 for run in sides[generated].runs):.2f}",
        )
    failed = sum(run.failures for side in sides.values() for run in side.runs)
    if failed:
        table.note(f"Under gunicorn, {failed} requests failed or got another status.")
    return table
