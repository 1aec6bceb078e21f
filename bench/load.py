"""The HTTP load client for servers under gunicorn: wrk when present, else Python.

wrk is a C client on epoll: on 2 cores, a Python client shares the cores and the GIL
with its own threads and can measure itself instead of the server. Without wrk, a
Python client with a few threads stands in, and every table says which of the two was
used. Each run lasts a fixed time and keeps two connections per gunicorn worker open:
enough to keep every worker busy, without a crowd waiting in the listen queue.
"""

import http.client
import os
import re
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass

from harness.servers import percentile

# BENCH_CLIENT=python forces the fallback, to check it or to compare the two.
WRK = None if os.environ.get("BENCH_CLIENT") == "python" else shutil.which("wrk")
CONNECTIONS_PER_WORKER = 2


@dataclass
class Load:
    """One run: requests per second, latency percentiles (ms), what went wrong."""

    rps: float
    p50: float
    p90: float
    p99: float
    requests: int
    failures: int  # answers with another status, and socket errors


def client_name():
    """Which client run_load() uses, for table titles."""
    if WRK:
        return f"wrk, 1 thread, {CONNECTIONS_PER_WORKER} connections per worker"
    why = "BENCH_CLIENT=python" if shutil.which("wrk") else "wrk not found"
    return f"Python http.client, {CONNECTIONS_PER_WORKER} threads per worker ({why})"


def run_load(port, path, duration, workers, status=200):
    """Load http://127.0.0.1:port/path for `duration` seconds with the best client."""
    connections = CONNECTIONS_PER_WORKER * workers
    if WRK:
        return run_wrk(port, path, duration, connections, status)
    return run_python(port, path, duration, connections, status)


def run_wrk(port, path, duration, connections, status):
    seconds = max(1, round(duration))  # wrk takes whole seconds
    result = subprocess.run(  # noqa: S603 (our own command)
        [WRK, "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
         "--latency", f"http://127.0.0.1:{port}{path}"],
        capture_output=True, text=True, timeout=duration + 60, check=True,
    )  # fmt: skip
    return parse_wrk(result.stdout, ok_2xx=200 <= status < 400)


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


def parse_wrk(output, ok_2xx=True):
    """A Load from the output of `wrk --latency`.

    wrk counts answers outside 2xx and 3xx as "Non-2xx or 3xx responses"; when the
    route is meant to fail (ok_2xx False), those are the good ones.
    """

    def ms(label):
        found = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s|m|h)\s*$", output, re.M)
        return float(found.group(1)) * UNITS[found.group(2)]

    total = re.search(r"^\s*(\d+) requests in ", output, re.M)
    if total is None:
        raise RuntimeError(f"wrk gave no result:\n{output}")
    requests = int(total.group(1))
    rps = float(re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    non_2xx = int(non_2xx.group(1)) if non_2xx else 0
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    failures = sum(map(int, errors.groups())) if errors else 0
    failures += non_2xx if ok_2xx else requests - non_2xx
    return Load(rps, ms("50"), ms("90"), ms("99"), requests, failures)


def run_python(port, path, duration, connections, status):
    """Threads sending one GET per connection (gunicorn's sync workers close each)."""
    deadline = time.perf_counter() + duration
    latencies, failures = [], [0]
    lock = threading.Lock()

    def worker():
        mine, failed = [], 0
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                conn.close()
                failed += response.status != status
            except OSError:
                failed += 1
                continue
            mine.append(time.perf_counter() - start)
        with lock:
            latencies.extend(mine)
            failures[0] += failed

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    ms = [s * 1000 for s in latencies]
    return Load(
        len(ms) / elapsed,
        percentile(ms, 0.5),
        percentile(ms, 0.9),
        percentile(ms, 0.99),
        len(ms),
        failures[0],
    )
