"""Error path with the syslog collector hung: it accepts a connection, never reads.

The generated app with every handler on and syslog over TCP (SYSLOG_SOCKTYPE=tcp),
once to a healthy collector and once to a hung one (a TCP black hole), each collector
in a process of its own, against the floor (the same app with logging off). Each app is
timed in process, on a 500 and on its own / page, in alternating rounds.

Before the rounds both TCP apps answer a run of untimed errors (5,000 in quick mode,
15,000 in full mode): more syslog records than the socket buffers between an app and
a collector that stopped reading can hold, and in full mode also more than the log
queue holds by default (LOG_QUEUE_BYTES). The rounds then time the state a hung
collector soon leaves an app in. A request that gets no
response within the deadline is reported in the table (the app's process is then
ended) instead of hanging the benchmark.
"""

import contextlib
import tempfile
import threading
from pathlib import Path

from harness.servers import percentile

from .common import SideFailed, Table, alternate, ratios, spread, times
from .error_path import EveryHandler
from .inproc import Batches
from .peers import Peer

HEALTHY = "healthy TCP collector"
HUNG = "hung TCP collector"
FLOOR = "logging off (floor)"


def fill(apps, count):
    """`count` untimed 500s from each app at once; {app: reason} for those that hung."""
    hung = {}

    def one(app):
        try:
            app.time("/boom", count, 500)
        except SideFailed as reason:
            hung[app] = str(reason)

    threads = [threading.Thread(target=one, args=(app,)) for app in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return hung


def run(quick):
    rounds = 3 if quick else 7
    count = 40 if quick else 200
    filler = 5000 if quick else 15000
    deadline = 5.0 if quick else 10.0
    table = Table(
        f"Error path with the syslog collector hung: in process, {rounds} "
        f"alternating rounds after {filler:,} untimed errors",
        ["app", "500 median ms (range)", "500 p99 ms", "500 vs floor",
         "/ median ms (range)", "/ vs healthy", "answered", "timed out"],
    )  # fmt: skip
    with tempfile.TemporaryDirectory() as scratch, contextlib.ExitStack() as stack:
        setup = EveryHandler(stack, Path(scratch))
        healthy = setup.peer(Peer("tcp"))
        black_hole = setup.peer(Peer("blackhole"))

        def app(name, collector=None, **options):
            tcp = None
            if collector is not None:
                tcp = {"SYSLOG_ADDRESS": f"127.0.0.1:{collector.port}",
                       "SYSLOG_SOCKTYPE": "tcp"}  # fmt: skip
            return setup.app(name, throttle=300, settings=tcp,
                             request_timeout=deadline, **options)  # fmt: skip

        apps = {
            HEALTHY: app("healthy", healthy),
            HUNG: app("hung", black_hole),
            FLOOR: app("floor", logging_off=True),
        }
        apps[FLOOR].time("/boom", 3, 500)
        hung = fill([apps[HEALTHY], apps[HUNG]], filler)
        errors = {n: Batches(a, "/boom", count, 500) for n, a in apps.items()}
        pages = {n: Batches(a, "/", count) for n, a in apps.items()}
        sides = {}
        for name in apps:
            if apps[name] not in hung:
                sides[(name, "500")] = errors[name]
                sides[(name, "/")] = pages[name]
        figures, failed = alternate(sides, rounds)
    timed_out = {name: hung[a] for name, a in apps.items() if a in hung}
    for (name, _), reason in failed.items():
        timed_out.setdefault(name, reason)
    for name in apps:
        error_figures = figures.get((name, "500"), [])
        page_figures = figures.get((name, "/"), [])
        table.add(
            name,
            spread([f * 1000 for f in error_figures]),
            p99(errors[name].all),
            times(ratios(error_figures, figures.get((FLOOR, "500"), []))),
            spread([f * 1000 for f in page_figures]),
            times(ratios(page_figures, figures.get((HEALTHY, "/"), []))),
            f"{apps[name].answered:,}",
            "1" if name in timed_out else "0",
        )
        for path, batch in (("500", errors[name]), ("/", pages[name])):
            samples = batch.all
            if not samples and name in timed_out:
                samples = f"none: {timed_out[name]}"
            table.series[f"{name}: {path}"] = samples
    table.note(
        "Every handler on: syslog over TCP, mail at its default throttle (one mail "
        "per distinct error per 5 minutes), the log file, the console."
    )
    for name, reason in timed_out.items():
        table.note(f"{name}: {reason}.")
    return table


def p99(samples):
    return f"{percentile(samples, 0.99) * 1000:,.2f}" if samples else "-"
