"""Real peers on 127.0.0.1: an SMTP inbox and gunicorn."""

import asyncio
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller

from .bake import BIN


def free_port(kind=socket.SOCK_STREAM):
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """An aiosmtpd handler keeping what it receives, taking `delay` seconds per mail."""

    def __init__(self, delay=0.0):
        self.delay = delay
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        self.messages.append(
            message_from_bytes(envelope.content, policy=policy.default)
        )
        return "250 Message accepted"

    def start(self):
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())
        self.controller.start()
        self.port = self.controller.port
        return self

    def stop(self):
        self.controller.stop()


def wait_for(condition, timeout=15.0):
    deadline = time.monotonic() + timeout
    while not (result := condition()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return result


class Gunicorn:
    """gunicorn serving module:app from a project directory, on a free port."""

    def __init__(self, project, app, env, workers=2, extra=()):
        self.port = free_port()
        self.log = project / "gunicorn.stderr"
        command = [
            BIN / "gunicorn", "--workers", str(workers), "--bind",
            f"127.0.0.1:{self.port}", "--graceful-timeout", "30", *extra, app,
        ]  # fmt: skip
        self.process = subprocess.Popen(  # noqa: S603 (our own command)
            [str(part) for part in command],
            cwd=project,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("w"),
        )
        ready = wait_for(self._accepts, timeout=30)
        assert ready, self.stderr()

    def _accepts(self):
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", self.port)) == 0

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

    def stop(self, timeout=60):
        """SIGTERM, as a service manager sends it; wait for a graceful exit."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=timeout)
        return self.process.returncode

    def stderr(self):
        return self.log.read_text()
