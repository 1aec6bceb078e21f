"""Hot path: requests per second of a trivial route, generated app vs bare Flask.

In process (Flask's test client, each app in a process of its own) and under gunicorn
with 2 workers (both servers up at once, driven by the load client), in alternating
rounds. Bare Flask gets the same SECRET_KEY: with one, Flask prepares signed sessions
on every request, as any real deployment does.
"""

import statistics
import tempfile
from pathlib import Path

from harness.bake import bake
from harness.servers import Gunicorn

from .common import SECRET_KEY, Table, alternate, percentile, ratios, spread, times
from .gunicorn_errors import compare, write_apps
from .inproc import AppProcess, Batches
from .load import client_name


def in_process(project, rounds, count):
    """(bare Batches, generated Batches, figures) of alternating rounds on /ping."""
    settings = {"SECRET_KEY": SECRET_KEY, "LOG_FILE": str(project / "bench.log")}
    apps = [AppProcess("bare", secret_key=SECRET_KEY)]
    try:
        apps.append(AppProcess("generated", project=str(project), settings=settings))
        for app in apps:
            app.time("/ping", 100)
        sides = {
            "bare": Batches(apps[0], "/ping", count, rate=True),
            "generated": Batches(apps[1], "/ping", count, rate=True),
        }
        figures, _ = alternate(sides, rounds)
    finally:
        for app in apps:
            app.close()
    return sides["bare"], sides["generated"], figures


def run(quick):
    rounds = 3 if quick else 7
    count = 300 if quick else 2000
    http_rounds = 2 if quick else 5
    duration = 1 if quick else 3
    table = Table(
        "Hot path: a trivial route, requests per second, alternating rounds",
        ["where", "client", "bare Flask (range)", "generated (range)",
         "generated / bare", "p99 ms bare", "p99 ms generated"],
    )  # fmt: skip
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        project = bake(scratch)
        bare, generated, figures = in_process(project, rounds, count)
        table.add(
            f"in process, {rounds} rounds of {count:,}",
            "Flask test client",
            spread(figures["bare"], 0),
            spread(figures["generated"], 0),
            times(ratios(figures["generated"], figures["bare"])),
            f"{percentile(bare.all, 0.99) * 1000:.2f}",
            f"{percentile(generated.all, 0.99) * 1000:.2f}",
        )

        write_apps(project, scratch / "bare")
        env = {
            "FLASK_CONFIG": "production",
            "FLASK_SECRET_KEY": SECRET_KEY,
            "FLASK_LOG_FILE": str(project / "bench.log"),
        }
        servers = [Gunicorn(scratch / "bare", "bare_app:app",
                            {"FLASK_SECRET_KEY": SECRET_KEY}, workers=2)]  # fmt: skip
        try:
            servers.append(Gunicorn(project, "generated_app:app", env, workers=2))
            bare, generated, ratio = compare(
                *servers, "/ping", 200, http_rounds, duration, workers=2
            )
        finally:
            for server in servers:
                server.stop()
        table.add(
            f"gunicorn, 2 workers, {http_rounds} rounds of {duration} s",
            client_name(),
            spread([run.rps for run in bare.runs], 0),
            spread([run.rps for run in generated.runs], 0),
            times(ratio),
            f"{statistics.median(run.p99 for run in bare.runs):.2f}",
            f"{statistics.median(run.p99 for run in generated.runs):.2f}",
        )
    failed = sum(run.failures for run in bare.runs + generated.runs)
    if failed:
        table.note(f"Under gunicorn, {failed} requests failed or got another status.")
    return table
