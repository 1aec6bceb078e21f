"""Time an app in a process of its own, through Flask's test client (no HTTP).

Each side of an in-process comparison is an AppProcess: the app is built there, and
the benchmark asks it, round after round, to time `count` requests to a path. A
process per app keeps the sides apart (the generated apps share one logger name) and
lets a request that hangs be reported and killed instead of hanging the benchmark: a
watchdog thread in the app's process answers for it once a request has taken longer
than `request_timeout`.

The app's process has stderr on /dev/null, so the console handler and Flask's default
handler do not time a terminal; failures come back as messages on stdout.
"""

import json
import os
import select
import statistics
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path

from .common import SideFailed

ROOT = Path(__file__).resolve().parents[1]


class AppProcess:
    """One app in its own process; .time() runs a batch of requests there."""

    def __init__(self, factory, request_timeout=10.0, cpus=None, **kwargs):
        """cpus: the CPU numbers the app's process may run on (None: any)."""
        self.request_timeout = request_timeout
        self.process = subprocess.Popen(  # noqa: S603 (our own command)
            [sys.executable, "-m", "bench.inproc",
             json.dumps({"factory": factory, "kwargs": kwargs, "cpus": cpus,
                         "request_timeout": request_timeout})],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self._buffer = b""
        self.answered = 0  # requests that got their response, every batch counted
        self.hung = None  # what happened, once a request hung
        reply = self._reply(timeout=60)
        if "ready" not in reply:
            self.close()
            raise RuntimeError(f"{factory} app did not start: {reply}")

    def time(self, path, count, status=200):
        """Durations in seconds of `count` GETs of path, and the batch's wall time.

        Raises SideFailed if a request hung (the process is then gone) or the app
        answered with another status.
        """
        if self.hung:
            raise SideFailed(self.hung)
        self._send({"path": path, "count": count, "status": status})
        # The watchdog answers for a hung request; this deadline is for the rest.
        reply = self._reply(timeout=self.request_timeout + 0.1 * count + 30)
        if "samples" in reply:
            self.answered += len(reply["samples"])
            return reply["samples"], reply["elapsed"]
        self.answered = reply.get("answered", self.answered)
        self.hung = reply.get("hung") or reply.get("error") or str(reply)
        self.close()
        raise SideFailed(self.hung)

    def close(self):
        if self.process.poll() is None:
            try:
                self._send({"quit": True})
                self.process.stdin.close()
                self.process.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()

    def _send(self, message):
        self.process.stdin.write(json.dumps(message).encode() + b"\n")
        self.process.stdin.flush()

    def _reply(self, timeout):
        """The next line the app's process writes, as a dict; bounded by timeout."""
        deadline = time.monotonic() + timeout
        stdout = self.process.stdout.fileno()
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                self.process.kill()
                self.process.wait()
                return {"hung": f"no answer within {timeout:.0f} s; killed"}
            readable, _, _ = select.select([stdout], [], [], left)
            if readable:
                chunk = os.read(stdout, 1 << 16)
                if not chunk:
                    code = self.process.wait()
                    return {"error": f"the app's process ended (exit code {code})"}
                self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)


class Batches:
    """One side of a comparison: a batch of requests to one path of one app per round.

    Calling it runs a batch and returns the round's figure: the median duration in
    seconds, or with rate=True requests per second. Every duration is kept in .all.
    """

    def __init__(self, app, path, count, status=200, rate=False):
        self.app, self.path, self.count, self.status = app, path, count, status
        self.rate = rate
        self.all = []

    def __call__(self):
        samples, elapsed = self.app.time(self.path, self.count, self.status)
        self.all.extend(samples)
        return len(samples) / elapsed if self.rate else statistics.median(samples)


# What follows runs in the app's process.


class Watchdog:
    """Reports a request that takes longer than `timeout`, then ends the process."""

    def __init__(self, timeout):
        self.timeout = timeout
        self.started = None  # perf_counter() when the current request began
        self.number = 0  # requests answered so far, over every batch
        self.path = None
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self):
        while True:  # until the process ends
            time.sleep(0.2)
            started = self.started
            if started is not None and time.perf_counter() - started > self.timeout:
                hung = (
                    f"a request to {self.path} got no response within "
                    f"{self.timeout:g} s, after {self.number:,} answered"
                )
                message = {"hung": hung, "answered": self.number}
                os.write(1, json.dumps(message).encode() + b"\n")
                os._exit(3)


def reply(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def serve(spec):
    from .apps import FACTORIES

    if spec["cpus"] is not None:  # before any thread starts: they inherit it
        os.sched_setaffinity(0, spec["cpus"])
    try:
        app = FACTORIES[spec["factory"]](**spec["kwargs"])
    except Exception:
        reply({"error": traceback.format_exc()})
        return
    client = app.test_client()
    watchdog = Watchdog(spec["request_timeout"])
    reply({"ready": True})
    for line in sys.stdin:
        command = json.loads(line)
        if command.get("quit"):
            return
        path, status = command["path"], command["status"]
        watchdog.path = path
        samples = []
        clock = time.perf_counter
        begin = clock()
        for _ in range(command["count"]):
            watchdog.started = start = clock()
            response = client.get(path)
            samples.append(clock() - start)
            watchdog.started = None
            watchdog.number += 1
            if response.status_code != status:
                reply({"error": f"{path} answered {response.status_code}"})
                return
        reply({"samples": samples, "elapsed": clock() - begin})


if __name__ == "__main__":
    serve(json.loads(sys.argv[1]))
