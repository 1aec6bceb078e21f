"""Error path under gunicorn: 500s per second and their p99, generated vs bare Flask.

With 2 and then 4 sync workers, the generated app with every handler on (mail to a
slow server at the default throttle, the log file, syslog over UDP, the console) and
bare Flask with its default logging both run at once; the load client drives them in
alternating rounds of a fixed duration. Both write their tracebacks to gunicorn's
stderr, which goes to a file, as a service manager would collect it.
"""

import contextlib
import tempfile
from pathlib import Path

from harness.bake import bake
from harness.servers import Gunicorn

from .common import SECRET_KEY, Table, alternate, ratios, spread, times
from .load import client_name, run_load
from .peers import MailServer, Peer

# The same two routes on both apps: a trivial one and one that raises.
ROUTES = """


@app.route("/ping")
def ping():
    return "pong"


@app.route("/boom")
def boom():
    raise RuntimeError("benchmark failure")
"""

BARE_APP = (
    """\
import os

from flask import Flask

app = Flask("bare")
app.config["SECRET_KEY"] = os.environ["FLASK_SECRET_KEY"]"""
    + ROUTES
)

# Bare Flask reads its key from the environment, as the generated app does.
BARE_ENV = {"FLASK_SECRET_KEY": SECRET_KEY}

GENERATED_APP = (
    """\
from my_flask_app import create_app

app = create_app()"""
    + ROUTES
)


class Rounds:
    """One server as a side: each call is one load run; every run is kept."""

    def __init__(self, server, path, duration, workers, status=200):
        self.server, self.path, self.duration = server, path, duration
        self.workers, self.status = workers, status
        self.runs = []

    def __call__(self):
        load = run_load(
            self.server.port, self.path, self.duration, self.workers, self.status
        )
        self.runs.append(load)
        return load.rps

    def warm_up(self):
        run_load(self.server.port, self.path, 1, self.workers, self.status)


def start(stack, folder, app, env, workers, **options):
    """A gunicorn serving folder's app, stopped when stack closes."""
    server = Gunicorn(folder, app, env, workers=workers, **options)
    stack.callback(server.stop)
    return server


def compare(servers, path, status, rounds, duration, workers):
    """Alternating rounds of load on every server; ({name: Rounds}, {name: figures})."""
    sides = {name: Rounds(server, path, duration, workers, status)
             for name, server in servers.items()}  # fmt: skip
    for side in sides.values():
        side.warm_up()
    figures, _ = alternate(sides, rounds)
    return sides, figures


def write_apps(project, bare_dir):
    (project / "generated_app.py").write_text(GENERATED_APP)
    bare_dir.mkdir()
    (bare_dir / "bare_app.py").write_text(BARE_APP)


def load_cells(side):
    """req/s (range), p50 ms, p99 ms (range), failures: medians over the rounds."""
    return (
        spread([run.rps for run in side.runs], 0),
        spread([run.p50 for run in side.runs]),
        spread([run.p99 for run in side.runs]),
        sum(run.failures for run in side.runs),
    )


def run(quick):
    rounds = 2 if quick else 5
    duration = 1 if quick else 3
    delay = 0.1 if quick else 2.0
    table = Table(
        f"Error path under gunicorn: 500s, {rounds} alternating rounds of {duration} s"
        f", client: {client_name()}",
        ["workers", "app", "requests/s (range)", "p50 ms (range)", "p99 ms (range)",
         "requests/s vs bare", "failed"],
    )  # fmt: skip
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        peers = [MailServer(delay, scratch)]
        try:
            peers.append(Peer("udp"))
            project = bake(scratch, use_syslog_handler=True)
            write_apps(project, scratch / "bare")
            if (project / "gunicorn.conf.py").exists():
                table.note("The generated app runs with its gunicorn.conf.py.")
            env = {
                "FLASK_CONFIG": "production",
                "FLASK_SECRET_KEY": SECRET_KEY,
                "FLASK_LOG_FILE": str(project / "logs" / "app.log"),
                "FLASK_MAIL_SERVER": "127.0.0.1",
                "FLASK_MAIL_PORT": str(peers[0].port),
                "FLASK_SYSLOG_ADDRESS": f"127.0.0.1:{peers[1].port}",
            }
            for workers in (2, 4):
                with contextlib.ExitStack() as stack:
                    servers = {
                        "bare": start(stack, scratch / "bare", "bare_app:app",
                                      BARE_ENV, workers),
                        "generated": start(stack, project, "generated_app:app",
                                           env, workers),
                    }  # fmt: skip
                    sides, figures = compare(
                        servers, "/boom", 500, rounds, duration, workers
                    )
                ratio = ratios(figures["generated"], figures["bare"])
                for name, side, versus in (
                    ("bare Flask, default logging", sides["bare"], "-"),
                    ("generated, every handler on", sides["generated"], times(ratio)),
                ):
                    *cells, failed = load_cells(side)
                    table.add(workers, name, *cells, versus, failed)
        finally:
            for peer in peers:
                peer.stop()
    table.note(
        f"Mail goes to a server taking {delay:g} s per message, at the default "
        "throttle (one mail per distinct error per 5 minutes, for every worker)."
    )
    return table
