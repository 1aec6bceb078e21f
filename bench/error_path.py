"""Benchmark 1: what a 500 costs when the mail server is slow, and an error storm.

Compares, in one run, the latency of 500 responses of
  - a generated app with every handler on (mail to a slow server, file, syslog),
  - the seeds' setup: an SMTPHandler attached straight to app.logger,
  - the generated app with logging switched off (the floor),
and checks that every mail of both mailing runs arrives.
"""

import logging
import re
import subprocess
import sys
import tempfile
import textwrap
import time
from logging.handlers import SMTPHandler
from pathlib import Path

from flask import Flask

from harness.bake import baked_package, quiet_stderr
from harness.servers import Inbox, free_port, wait_for

from .common import Table, summary


def add_failing_route(app):
    @app.route("/boom")
    def boom():
        raise RuntimeError("benchmark failure")


# A slow SMTP server in a process of its own, as a real one is: in this process its
# thread would compete with the app being timed. It appends each sender to a file.
MAIL_SERVER = """
import asyncio, sys
from aiosmtpd.controller import Controller

delay, log = float(sys.argv[1]), sys.argv[2]

class Slow:
    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(delay)
        with open(log, "a") as f:
            f.write(envelope.mail_from + "\\n")
        return "250 Message accepted"

controller = Controller(Slow(), hostname="127.0.0.1", port=int(sys.argv[3]))
controller.start()
print("ready", flush=True)
sys.stdin.read()
"""


class MailServerProcess:
    """The slow SMTP server above; counts what it accepted, by sender."""

    def __init__(self, delay, directory):
        self.port = free_port()
        self.log = directory / "senders.txt"
        self.log.touch()
        self.process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", MAIL_SERVER, str(delay), str(self.log),
             str(self.port)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self.process.stdout.readline().strip() == "ready"

    def arrived(self, sender):
        return self.log.read_text().splitlines().count(sender)

    def stop(self):
        self.process.stdin.close()
        self.process.wait(timeout=30)


# Reads syslog datagrams in a process of its own, as a syslog daemon does.
SYSLOG_LISTENER = """
import socket

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", 0))
print(sock.getsockname()[1], flush=True)
while True:
    sock.recv(65536)
"""


def naive_app(mail_port):
    """The way the seeds wire error mail: SMTPHandler on app.logger, sent inline."""
    app = Flask("naive")
    handler = SMTPHandler(
        ("127.0.0.1", mail_port), "naive@example.com", ["ops@example.com"], "Failure"
    )
    handler.setLevel(logging.ERROR)
    app.logger.addHandler(handler)
    add_failing_route(app)
    return app


def time_errors(app, count, warmup=3):
    """Latency of `count` 500 responses, after a few untimed ones (template caches)."""
    client = app.test_client()
    for _ in range(warmup):
        client.get("/boom")
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        response = client.get("/boom")
        samples.append(time.perf_counter() - start)
        assert response.status_code == 500
    return samples


def run(quick):
    delay = 0.1 if quick else 2.0
    count = 10 if quick else 50
    naive_count = 3 if quick else 50
    scratch = tempfile.TemporaryDirectory()
    inbox = MailServerProcess(delay, Path(scratch.name))
    syslog = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", SYSLOG_LISTENER], stdout=subprocess.PIPE, text=True
    )
    syslog_port = int(syslog.stdout.readline())
    table = Table(
        f"Error path: 500 responses with a mail server taking {delay:g} s per message",
        ["app", "requests", "median ms", "p99 ms", "median vs floor", "mails arrived"],
    )
    try:
        with (
            baked_package(use_syslog_handler=True) as (package, project),
            quiet_stderr(),
        ):
            settings = {
                "SECRET_KEY": "benchmark-secret-key-0123456789abcdef",
                "LOG_FILE": str(project / "bench.log"),
                "SYSLOG_ADDRESS": f"127.0.0.1:{syslog_port}",
            }
            floor_app = package.create_app("production", **settings)
            add_failing_route(floor_app)
            floor_app.logger.disabled = True
            floor = time_errors(floor_app, count)
            floor_app.logger.disabled = False

            app = package.create_app(
                "production",
                **settings,
                MAIL_SERVER="127.0.0.1",
                MAIL_PORT=inbox.port,
                MAIL_THROTTLE_SECONDS=0,
                MAIL_SENDER="generated@example.com",
            )
            add_failing_route(app)
            generated = time_errors(app, count)
            naive = time_errors(naive_app(inbox.port), naive_count, warmup=0)

            arrived = inbox.arrived

            warm = count + 3  # the warm-up errors are mailed too
            wait_for(
                lambda: arrived("generated@example.com") == warm,
                timeout=warm * delay + 30,
            )
        floor_median = summary(floor)[0]
        for name, samples, sender in (
            ("generated, every handler on", generated, "generated@example.com"),
            ("seeds: SMTPHandler on app.logger", naive, "naive@example.com"),
            ("generated, logging off (floor)", floor, None),
        ):
            median, p99 = summary(samples)
            sent = len(samples) + (3 if sender == "generated@example.com" else 0)
            mails = "-" if sender is None else f"{arrived(sender)}/{sent}"
            table.add(
                name, len(samples), f"{median:.2f}", f"{p99:.2f}",
                f"{median / floor_median:.2f}x", mails,
            )  # fmt: skip
        speedup = summary(naive)[0] / summary(generated)[0]
        table.add("naive / generated (median)", "", f"{speedup:,.0f}x", "", "", "")
    finally:
        inbox.stop()
        scratch.cleanup()
        syslog.kill()
        syslog.wait()
    return table


STORM = textwrap.dedent(
    """
    import resource, sys, time
    from my_flask_app import create_app

    port, count, exit_wait = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    app = create_app(
        "testing", PROPAGATE_EXCEPTIONS=False, MAIL_SERVER="127.0.0.1",
        MAIL_PORT=port, ADMINS=["ops@example.com"], MAIL_EXIT_WAIT=exit_wait,
    )
    app.logger.handlers = [h for h in app.logger.handlers if h.name == "mail"]
    errors = [type(f"StormError{i}", (Exception,), {}) for i in range(count)]

    @app.route("/storm/<int:i>")
    def storm(i):
        raise errors[i]("storm")

    client = app.test_client()
    start = time.perf_counter()
    for i in range(count):
        client.get(f"/storm/{i}")
    burst = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"burst={burst:.3f} peak_kib={peak}", flush=True)
    print(f"exit_start={time.time():.3f}", flush=True)
    """
)


def storm(quick):
    """2,000 distinct errors at once against the slow server, then a normal exit."""
    delay = 0.1 if quick else 2.0
    count = 200 if quick else 2000
    exit_wait = 1.0 if quick else 30.0
    inbox = Inbox(delay=delay).start()
    table = Table(
        f"Error storm: {count} distinct errors, mail server taking {delay:g} s each",
        ["burst s", "peak RSS MiB", "mailed", "dropped (reported)",
         "unsent at exit (reported)", "exit drain s", "unaccounted"],
    )  # fmt: skip
    try:
        with baked_package() as (_package, project):
            args = [str(inbox.port), str(count), str(exit_wait)]
            result = subprocess.run(  # noqa: S603
                [sys.executable, "-c", STORM, *args],
                cwd=project, capture_output=True, text=True, timeout=600, check=False,
            )  # fmt: skip
            ended = time.time()
        assert result.returncode == 0, result.stderr[-2000:]
        stats = dict(re.findall(r"(\w+)=([\d.]+)", result.stdout))
        mailed = len(inbox.messages)
        bodies = " ".join(m.get_content() for m in inbox.messages)
        dropped = sum(
            int(n) for n in re.findall(r"(\d+) error mails were dropped", bodies)
        )
        dropped_stderr = re.findall(r"(\d+) error mails were dropped", result.stderr)
        unsent = re.search(r"(\d+) error mails were still unsent", result.stderr)
        unsent = int(unsent.group(1)) if unsent else 0
        # A drop that no mail reported yet is reported on stderr at exit or later.
        dropped = max(dropped, sum(int(n) for n in dropped_stderr))
        lost = count - mailed - dropped - unsent
        table.add(
            stats["burst"], f"{int(stats['peak_kib']) / 1024:.0f}", mailed, dropped,
            unsent, f"{ended - float(stats['exit_start']):.1f}", lost,
        )  # fmt: skip
    finally:
        inbox.stop()
    return table
