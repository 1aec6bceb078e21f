"""Tracing: what a traced request costs, in process, against the same app untraced
and against bare Flask.

A project baked with use_opentelemetry, its production settings (the log file on),
served by Flask's test client, each app in a process of its own, all on one CPU
core, in alternating rounds of requests to a trivial route:
  - traced: every request sampled (OpenTelemetry's default), its spans sent over
    OTLP/HTTP to a receiver that decodes them, in a process of its own;
  - traced, endpoint hung: the same, sending to a collector that accepts and never
    answers, so that its span queue fills and spans are dropped;
  - traced, 1 in 10 sampled: the same as traced, with OTEL_TRACES_SAMPLER
    parentbased_traceidratio at 0.1, as production often runs;
  - untraced: the same project with no endpoint set;
  - bare Flask, with the same SECRET_KEY.
The cost of tracing is the difference of the wall time per request, the background
thread's export included. Every span sent to the receiver is counted there.

`python -m bench.tracing receiver` runs the receiver: it prints "ready PORT", then
the number of spans it holds for each line read, and exits when stdin closes.
"""

import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from harness.bake import bake, generated_tests_module

from .common import SECRET_KEY, Table, alternate, ratios, spread, times
from .inproc import AppProcess
from .peers import Peer

ROOT = Path(__file__).resolve().parents[1]
TRACED = "generated, traced"
HUNG = "generated, traced, endpoint hung"
SAMPLED = "generated, traced, 1 in 10 sampled"
UNTRACED = "generated, untraced"
BARE = "bare Flask"
TARGET_MS = 0.15


class Receiver:
    """The OTLP/HTTP receiver, in a process of its own."""

    def __init__(self):
        self.process = subprocess.Popen(  # noqa: S603 (our own command)
            [sys.executable, "-m", "bench.tracing", "receiver"],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        line = self.process.stdout.readline().split()
        if line[:1] != ["ready"]:
            self.process.kill()
            raise RuntimeError("the OTLP receiver did not start")
        self.endpoint = f"http://127.0.0.1:{line[1]}"

    def spans(self):
        self.process.stdin.write("count\n")
        self.process.stdin.flush()
        return int(self.process.stdout.readline())

    def stop(self):
        self.process.stdin.close()
        self.process.wait(timeout=10)


def serve_receiver():
    receiver = generated_tests_module("otlp_receiver").Receiver()
    print(f"ready {receiver.server_address[1]}", flush=True)
    for _ in sys.stdin:
        with receiver.arrived:
            print(len(receiver.spans), flush=True)
    receiver.stop()


@contextlib.contextmanager
def otel_environment(**variables):
    """os.environ with these OTEL_* variables and no other, for the app processes
    started meanwhile, which inherit it."""
    saved = dict(os.environ)
    for name in [n for n in os.environ if n.startswith("OTEL_")]:
        del os.environ[name]
    os.environ.update(variables)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


class WallTime:
    """One side: a batch of `count` requests to /ping per round; the round's figure
    is the wall time per request, in seconds."""

    def __init__(self, app, count):
        self.app, self.count = app, count

    def __call__(self):
        samples, elapsed = self.app.time("/ping", self.count)
        return elapsed / len(samples)


def run(quick):
    rounds = 3 if quick else 9
    count = 300 if quick else 2000
    table = Table(
        f"Tracing: a trivial route in process, on one core, {rounds} alternating "
        f"rounds of {count:,}",
        ["app", "ms per request (range)", "vs untraced", "tracing's cost, ms",
         "spans received"],
    )  # fmt: skip
    one_core = [max(os.sched_getaffinity(0))]
    with tempfile.TemporaryDirectory() as scratch, contextlib.ExitStack() as stack:
        scratch = Path(scratch)
        project = str(bake(scratch, use_opentelemetry=True))
        receiver, tenth_receiver = Receiver(), Receiver()
        stack.callback(receiver.stop)
        stack.callback(tenth_receiver.stop)
        hung = Peer("blackhole")
        stack.callback(hung.stop)
        settings = {"SECRET_KEY": SECRET_KEY, "LOG_FILE": str(scratch / "app.log")}
        tenth = {"OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
                 "OTEL_TRACES_SAMPLER_ARG": "0.1"}  # fmt: skip
        environments = {
            TRACED: {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint},
            HUNG: {"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{hung.port}"},
            SAMPLED: {"OTEL_EXPORTER_OTLP_ENDPOINT": tenth_receiver.endpoint, **tenth},
            UNTRACED: {},
        }
        apps = {}
        for name, variables in environments.items():
            with otel_environment(**variables):
                apps[name] = AppProcess("generated", cpus=one_core, project=project,
                                        settings=settings)  # fmt: skip
            stack.callback(apps[name].close)
        apps[BARE] = AppProcess("bare", cpus=one_core, secret_key=SECRET_KEY)
        stack.callback(apps[BARE].close)
        for app in apps.values():
            app.time("/ping", 100)  # warm: imports, the first request's start
        sides = {name: WallTime(app, count) for name, app in apps.items()}
        figures, failed = alternate(sides, rounds)
        received = {}
        for name, into in ((TRACED, receiver), (SAMPLED, tenth_receiver)):
            apps[name].close()  # its exit sends what it has queued
            received[name] = f"{into.spans():,} of {apps[name].answered:,}"
    for name in (TRACED, HUNG, SAMPLED, UNTRACED, BARE):
        ms = [f * 1000 for f in figures[name]]
        cost = [(a - b) * 1000 for a, b in zip(figures[name], figures[UNTRACED],
                                                strict=False)]  # fmt: skip
        traced = name in (TRACED, HUNG, SAMPLED)
        table.add(
            name,
            spread(ms, 3),
            times(ratios(figures[name], figures[UNTRACED])),
            spread(cost, 3) if traced else "-",
            received.get(name, "-"),
        )
    hung_vs_healthy = ratios(figures[HUNG], figures[TRACED])
    median_cost = statistics.median(
        a - b for a, b in zip(figures[TRACED], figures[UNTRACED], strict=False)
    )
    verdict = "met" if median_cost * 1000 <= TARGET_MS else "missed"
    table.note(
        f"Target: tracing costs at most {TARGET_MS} ms a request, every request "
        f"sampled: {median_cost * 1000:.3f} ms, {verdict}. Endpoint hung vs healthy: "
        f"{times(hung_vs_healthy)} (target: at most 1.2x)."
    )
    for name, reason in failed.items():
        table.note(f"{name}: {reason}.")
    return table


if __name__ == "__main__":
    serve_receiver()
