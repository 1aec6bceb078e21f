"""Benchmark 2: requests per second of a trivial route, generated app vs bare Flask.

In-process (Flask's test client) and under gunicorn with 2 workers, driven by a
bounded load generator on 127.0.0.1.
"""

import http.client
import statistics
import threading
import time

from flask import Flask

from harness.bake import baked_package, quiet_stderr
from harness.servers import Gunicorn

from .common import Table

BARE_APP = """\
import os

from flask import Flask

app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ["FLASK_SECRET_KEY"]


@app.route("/ping")
def ping():
    return "pong"
"""

GENERATED_APP = """\
from my_flask_app import create_app

app = create_app()


@app.route("/ping")
def ping():
    return "pong"
"""


def add_ping(app):
    @app.route("/ping")
    def ping():
        return "pong"

    return app


def in_process_rps(app, count):
    client = app.test_client()
    start = time.perf_counter()
    for _ in range(count):
        client.get("/ping")
    return count / (time.perf_counter() - start)


def load(port, total, threads=4):
    """Send `total` GETs from `threads` threads; return requests per second."""
    per_thread = total // threads
    failures = []

    def worker():
        for _ in range(per_thread):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/ping")
            response = conn.getresponse()
            response.read()
            conn.close()
            if response.status != 200:
                failures.append(response.status)

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    start = time.perf_counter()
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    elapsed = time.perf_counter() - start
    assert not failures, failures[:5]
    return per_thread * threads / elapsed


def run(quick):
    count = 2000 if quick else 20000
    http_count = 400 if quick else 6000
    rounds = 1 if quick else 3
    table = Table(
        "Hot path: a trivial route, requests per second (median of rounds)",
        ["where", "bare Flask", "generated app", "generated / bare"],
    )
    with baked_package() as (package, project), quiet_stderr():
        settings = {
            "SECRET_KEY": "benchmark-secret-key-0123456789abcdef",
            "LOG_FILE": str(project / "bench.log"),
        }
        # Bare Flask gets the same SECRET_KEY: with one, Flask signs sessions on every
        # request, as any real deployment does.
        bare = add_ping(Flask("bare"))
        bare.config["SECRET_KEY"] = settings["SECRET_KEY"]
        generated = add_ping(package.create_app("production", **settings))
        in_bare = statistics.median(in_process_rps(bare, count) for _ in range(rounds))
        in_gen = statistics.median(
            in_process_rps(generated, count) for _ in range(rounds)
        )
        table.add(
            "in-process", f"{in_bare:,.0f}", f"{in_gen:,.0f}", f"{in_gen / in_bare:.2f}"
        )

        (project / "bare_app.py").write_text(BARE_APP)
        (project / "generated_app.py").write_text(GENERATED_APP)
        env = {
            "FLASK_CONFIG": "production",
            "FLASK_SECRET_KEY": settings["SECRET_KEY"],
            "FLASK_LOG_FILE": settings["LOG_FILE"],
        }
        results = {}
        for name in ("bare_app", "generated_app"):
            server = Gunicorn(project, f"{name}:app", env, workers=2)
            try:
                load(server.port, 200)  # warm up
                results[name] = statistics.median(
                    load(server.port, http_count) for _ in range(rounds)
                )
            finally:
                server.stop()
        bare_rps, gen_rps = results["bare_app"], results["generated_app"]
        table.add(
            "gunicorn, 2 workers",
            f"{bare_rps:,.0f}",
            f"{gen_rps:,.0f}",
            f"{gen_rps / bare_rps:.2f}",
        )
    return table
