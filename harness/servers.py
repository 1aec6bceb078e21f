"""Real peers on 127.0.0.1: SMTP servers (a healthy inbox, a tarpit), gunicorn and a
load client."""

import asyncio
import http.client
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller

from .bake import BIN


def free_port(kind=socket.SOCK_STREAM):
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """An aiosmtpd handler keeping what it receives.

    delay makes it slow: it takes that many seconds per mail (for the benchmarks).
    held=True makes it take no mail until release() lets some through: it waits
    before answering MAIL FROM, so a sender that gives up has sent nothing.
    """

    def __init__(self, delay=0.0, held=False):
        self.delay = delay
        self.held = held
        self.permits = threading.Semaphore(0)
        self.asked = threading.Event()  # a held sender is waiting
        self.messages = []

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.held:
            self.asked.set()
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, self.permits.acquire)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        self.messages.append(
            message_from_bytes(envelope.content, policy=policy.default)
        )
        return "250 Message accepted"

    def release(self, count=1):
        """Let count more held mails through."""
        self.permits.release(count)

    def start(self):
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())
        self.controller.start()
        self.port = self.controller.port
        return self

    def stop(self):
        self.held = False
        self.release(1000)  # no sender may keep the server from stopping
        self.controller.stop()


def wait_for(condition, timeout=15.0):
    deadline = time.monotonic() + timeout
    while not (result := condition()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return result


class Gunicorn:
    """gunicorn serving module:app from a project directory, on a free port."""

    def __init__(self, project, app, env, workers=2, extra=(), graceful_timeout=30):
        """graceful_timeout=None leaves it to the project's gunicorn.conf.py."""
        self.port = free_port()
        self.terminated = False
        self.log = project / "gunicorn.stderr"
        if graceful_timeout is not None:
            extra = ["--graceful-timeout", str(graceful_timeout), *extra]
        command = [
            BIN / "gunicorn", "--workers", str(workers), "--bind",
            f"127.0.0.1:{self.port}",
            # Each test's own: the default control socket is one path for all.
            "--no-control-socket", *extra, app,
        ]  # fmt: skip
        self.process = subprocess.Popen(  # noqa: S603 (our own command)
            [str(part) for part in command],
            cwd=project,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("w"),
        )
        # The master accepts connections before a worker has loaded the app.
        ready = wait_for(self._answers, timeout=60)
        assert ready, self.stderr()

    def _answers(self):
        try:
            self.get("/livez")
        except OSError:
            return False
        return True

    def get(self, path, headers=None):
        """(status, headers, body) of a GET, for any status."""
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", headers=headers or {}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
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


class SmtpTarpit:
    """An SMTP server that sends its greeting one byte at a time, for ever: every
    read succeeds within a socket timeout, so only a deadline ends a conversation."""

    def __init__(self, interval=0.2):
        self.interval = interval
        self.stopped = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.stopped.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self.drip, args=(conn,), daemon=True).start()

    def drip(self, conn):
        with conn:
            for byte in b"220 " + b"." * 100_000:
                if self.stopped.wait(self.interval):
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return  # the client gave up

    def stop(self):
        self.stopped.set()
        self.thread.join(timeout=5)
        self.listener.close()
