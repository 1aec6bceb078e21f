"""Real peers on 127.0.0.1: SMTP servers (an inbox, a tarpit), gunicorn and a load
client.

The SMTP servers, free_port() and wait_for() are the generated project's own (its
tests/peers.py and tests/mail_server.py): one implementation for both test suites.
"""

import contextlib
import http.client
import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid

from .bake import BIN, generated_tests_module

_peers = generated_tests_module("peers")
_mail = generated_tests_module("mail_server")
free_port, wait_for = _peers.free_port, _peers.wait_for
Inbox, SmtpTarpit = _mail.Inbox, _mail.Tarpit


# Every server process a test started, each the leader of a process group with its
# workers: a test that fails before it stops its server leaves the group to
# stop_leftovers(), at the test's teardown.
STARTED: list[subprocess.Popen] = []
# What gunicorn and uWSGI say when the port they were given is taken.
PORT_TAKEN = ("Connection in use", "Address already in use")


def stop_leftovers():
    while STARTED:
        process = STARTED.pop()
        with contextlib.suppress(ProcessLookupError):  # no process of it is left
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=60)


class Gunicorn:
    """gunicorn serving module:app from a project directory, on a free port."""

    def __init__(
        self, project, app, env, workers=2, extra=(), graceful_timeout=30,
        control_socket=False,
    ):  # fmt: skip
        """graceful_timeout=None leaves it to the project's gunicorn.conf.py, and so
        does control_socket=None."""
        self.terminated = False
        self.log = project / "gunicorn.stderr"
        if graceful_timeout is not None:
            extra = ["--graceful-timeout", str(graceful_timeout), *extra]
        # The default control socket is one path for all the tests.
        no_control_socket = ["--no-control-socket"] if control_socket is False else []
        self.start(
            lambda port: [BIN / "gunicorn", "--workers", str(workers),
                          "--bind", f"127.0.0.1:{port}",
                          *extra, *no_control_socket, app],
            project, env,
        )  # fmt: skip

    def start(self, command_for, cwd, env):
        """Run command_for(port) on a free port until it answers. free_port() finds a
        port free now: if another process binds it first, the server exits, and it
        starts again on another, at most three times."""
        for _ in range(3):
            self.port = free_port()
            self.process = subprocess.Popen(  # noqa: S603 (our own command)
                [str(part) for part in command_for(self.port)],
                cwd=cwd,
                env={**os.environ, **env},
                stdout=subprocess.DEVNULL,
                stderr=self.log.open("w"),
                start_new_session=True,
            )
            STARTED.append(self.process)
            # The master accepts connections before a worker has loaded the app.
            ready = wait_for(lambda: self.exited() or self._answers(), timeout=60)
            if not self.exited() or not any(m in self.stderr() for m in PORT_TAKEN):
                break
        assert not self.exited(), self.stderr()
        assert ready, self.stderr()

    def exited(self):
        return self.process.poll() is not None

    def _answers(self):
        try:
            self.get("/livez", timeout=2)  # asked again until start() gives up
        except OSError:
            return False
        return True

    def get(self, path, headers=None, timeout=30):
        """(status, headers, body) of a GET, for any status."""
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", headers=headers or {}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()

    def terminate(self):
        """SIGTERM, as a service manager sends it, once; no wait."""
        if not self.terminated and self.process.poll() is None:
            self.terminated = True
            self.process.send_signal(signal.SIGTERM)

    def stop(self, timeout=60):
        """SIGTERM (unless sent already); wait for a graceful exit."""
        self.terminate()
        self.process.wait(timeout=timeout)
        return self.process.returncode

    def stderr(self):
        return self.log.read_text()


def timed_gets(port, paths, count, threads=4, timeout=10.0):
    """GET each of paths `count` times, spread over `threads` clients.

    Returns {path: [(status, seconds, request id), ...]}; a request that gets no
    answer within timeout seconds is recorded with status None.
    """
    results = {path: [] for path in paths}
    lock = threading.Lock()

    def client(share):
        for index in range(share):
            path = paths[index % len(paths)]
            request_id = f"drill-{uuid.uuid4().hex}"
            start = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
                conn.request("GET", path, headers={"X-Request-ID": request_id})
                response = conn.getresponse()
                response.read()
                status = response.status
                conn.close()
            except OSError:
                status = None
            with lock:
                results[path].append((status, time.perf_counter() - start, request_id))

    total = count * len(paths)
    workers = [
        threading.Thread(target=client, args=(total // threads,))
        for _ in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return results


def percentile(values, share):
    """The value below which `share` (0 to 1) of values lie, interpolated."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def p99_ms(samples):
    """The 99th percentile of timed_gets() samples, in milliseconds."""
    return 1000 * percentile([sample[1] for sample in samples], 0.99)
