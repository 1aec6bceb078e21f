"""Error path: what a 500 costs, in process, against the peers a user would pick.

Compares, in alternating rounds, the latency of 500 responses (Flask's test client,
each app in a process of its own, stderr on /dev/null) of
  - the generated app with every handler on: mail (to an SMTP server in its own
    process; every error mailed, MAIL_THROTTLE_SECONDS=0), the log file, syslog over
    UDP (to a listener in its own process) and the console;
  - the logging cookbook's recipe on a plain Flask app: a QueueHandler, and one
    QueueListener thread delivering to the stdlib's SMTPHandler, RotatingFileHandler,
    SysLogHandler and a console StreamHandler, with the same peers, a log file in the
    same folder, every error mailed;
  - the generated app with mail at its default throttle (one mail per distinct error
    per 5 minutes): the difference is what sending a mail for every error costs the
    request's thread while the logging thread is at it;
  - bare Flask with its default logging: a plain Flask app whose route raises, which
    Flask logs once, traceback included, with its default stderr handler;
  - the generated app with logging off: the floor, what answering a 500 costs;
  - the naive setup: `SMTPHandler` attached to `app.logger`, as in the Flask docs,
    which sends each mail inline, on the request's thread, to a slow mail server;
and checks that every mail of the mailing apps arrives. Then an error storm.
"""

import contextlib
import re
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter
from pathlib import Path

from harness.bake import bake, baked_package
from harness.servers import Inbox, percentile, wait_for

from .common import SECRET_KEY, Table, alternate, ratios, spread, times
from .inproc import AppProcess, Batches
from .peers import MailServer, Peer

GENERATED = "generated, every handler on"
COOKBOOK = "cookbook: QueueHandler, QueueListener, stdlib handlers"
THROTTLED = "generated, every handler on, mail throttled"
BARE = "bare Flask, default logging"
FLOOR = "generated, logging off (floor)"
NAIVE = "naive: SMTPHandler on app.logger"
WARMUP = 3  # untimed requests first (template and import caches); mailed too
THROTTLE = 300  # MAIL_THROTTLE_SECONDS by default


class Mailbook:
    """How many mails each sender has sent, and a wait until the server has them all.

    Waiting before every side's turn keeps one app's mail backlog, sent from its
    logging thread, from competing with the next app's timing for the 2 cores.
    """

    def __init__(self, server):
        self.server = server
        self.sent = Counter()

    def add(self, sender, count):
        self.sent[sender] += count

    def settle(self):
        pending = sum(self.sent.values())
        wait_for(self.all_arrived, timeout=10 + 0.05 * pending)

    def all_arrived(self):
        return all(self.server.arrived(s) == n for s, n in self.sent.items())

    def cell(self, sender):
        return f"{self.server.arrived(sender)}/{self.sent[sender]}"


def mailing(batches, book, sender):
    """A side whose every request is mailed by `sender`."""

    def side():
        figure = batches()
        book.add(sender, batches.count)
        return figure

    return side


def throttled(batches, book, sender):
    """A side whose app mails its one error once per throttle window: the windows
    follow the clock, so a run that crosses into the next one gets a second mail."""
    first = window_now()
    book.add(sender, 1)

    def side():
        figure = batches()
        book.sent[sender] = window_now() - first + 1
        return figure

    return side


def window_now():
    return int(time.time() // THROTTLE)


def every_handler(project, name, mail, syslog_port, throttle=0):
    """Settings of the generated app with every handler on."""
    return {
        "SECRET_KEY": SECRET_KEY,
        "LOG_FILE": str(project / "logs" / f"{name}.log"),
        "SYSLOG_ADDRESS": f"127.0.0.1:{syslog_port}",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": mail.port,
        "MAIL_SENDER": f"{name}@example.com",
        "MAIL_THROTTLE_SECONDS": throttle,
    }


class EveryHandler:
    """A project baked with syslog, its mail server and UDP syslog listener, and the
    generated apps run with every handler on. Everything is closed with the stack,
    in reverse order: the apps before the peers they send to."""

    def __init__(self, stack, scratch):
        self.stack = stack
        self.mail = self.peer(MailServer(0, scratch))
        self.syslog = self.peer(Peer("udp"))
        self.project = bake(scratch, use_syslog_handler=True)

    def peer(self, peer):
        self.stack.callback(peer.stop)
        return peer

    def process(self, app):
        self.stack.callback(app.close)
        return app

    def app(self, name, throttle=0, settings=None, **options):
        """An AppProcess of the generated app; settings override every_handler's."""
        merged = every_handler(self.project, name, self.mail, self.syslog.port,
                               throttle) | (settings or {})  # fmt: skip
        return self.process(AppProcess("generated", project=str(self.project),
                                       settings=merged, **options))  # fmt: skip

    def cookbook(self):
        """An AppProcess of the cookbook's recipe, to the same peers, its log file
        beside the generated apps'."""
        (self.project / "logs").mkdir(exist_ok=True)
        log_file = str(self.project / "logs" / "cookbook.log")
        return self.process(AppProcess("cookbook", mail_port=self.mail.port,
            syslog_port=self.syslog.port, log_file=log_file))  # fmt: skip


def run(quick):
    delay = 0.1 if quick else 2.0
    rounds = 3 if quick else 7
    count = 40 if quick else 200
    naive_count = 1 if quick else 2
    table = Table(
        f"Error path: 500 responses in process, {rounds} alternating rounds",
        ["app", "requests", "median ms (range)", "p99 ms", "vs cookbook",
         "vs bare Flask", "vs floor", "mails arrived"],
    )  # fmt: skip
    with tempfile.TemporaryDirectory() as scratch, contextlib.ExitStack() as stack:
        setup = EveryHandler(stack, Path(scratch))
        slow = setup.peer(MailServer(delay, Path(scratch)))
        apps = {
            GENERATED: setup.app("generated"),
            COOKBOOK: setup.cookbook(),
            THROTTLED: setup.app("throttled", throttle=THROTTLE),
            BARE: setup.process(AppProcess("bare")),
            FLOOR: setup.app("floor", logging_off=True),
            NAIVE: setup.process(AppProcess("naive", mail_port=slow.port)),
        }
        book = Mailbook(setup.mail)
        senders = {GENERATED: "generated@example.com",
                   COOKBOOK: "cookbook@example.com"}  # fmt: skip
        batches = {
            name: Batches(app, "/boom", naive_count if name == NAIVE else count, 500)
            for name, app in apps.items()
        }
        sides = dict(batches)
        sides[THROTTLED] = throttled(batches[THROTTLED], book, "throttled@example.com")
        for name, sender in senders.items():
            sides[name] = mailing(batches[name], book, sender)
            book.add(sender, WARMUP)
        for name in (GENERATED, COOKBOOK, THROTTLED, BARE, FLOOR):
            apps[name].time("/boom", WARMUP, 500)
        figures, failed = alternate(sides, rounds, between=book.settle)
        book.settle()
        mails = {name: book.cell(sender) for name, sender in senders.items()}
        mails[THROTTLED] = book.cell("throttled@example.com")
        mails[NAIVE] = f"{slow.arrived('naive@example.com')}/{len(batches[NAIVE].all)}"
    for name, batch in batches.items():
        digits = 0 if name == NAIVE else 2

        def versus(base, name=name, digits=digits):
            if name == base:
                return "-"
            return times(ratios(figures[name], figures[base]), digits)

        table.add(
            f"{name} (mail server: {delay:g} s)" if name == NAIVE else name,
            len(batch.all),
            spread([f * 1000 for f in figures[name]]),
            f"{percentile(batch.all, 0.99) * 1000:,.2f}",
            versus(COOKBOOK),
            versus(BARE),
            versus(FLOOR),
            mails.get(name, "-"),
        )
        table.series[name] = batch.all
    speedup = ratios(figures[NAIVE], figures[GENERATED])
    table.add("naive / generated", "", times(speedup, 0), "", "", "", "", "")
    for name, reason in failed.items():
        table.note(f"{name}: {reason}")
    return table


STORM = textwrap.dedent(
    """
    import resource, sys, time
    from my_flask_app import create_app
    from my_flask_app.config import ProductionConfig
    from my_flask_app.log.queue import LogQueueHandler

    port, count, exit_wait = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    app = create_app(
        "testing", PROPAGATE_EXCEPTIONS=False, MAIL_SERVER="127.0.0.1",
        MAIL_PORT=port, ADMINS=["ops@example.com"], MAIL_EXIT_WAIT=exit_wait,
        LOG_QUEUE_BYTES=ProductionConfig.LOG_QUEUE_BYTES,
    )
    # The app's queue and thread, with the mail handler only.
    own = app.extensions["logging"]
    app.logger.handlers = [LogQueueHandler(
        [own.handlers["mail"]], own.queue.max_bytes, own.queue.exit_wait)]
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

# What the app tells on stderr of the mails it did not send, each a count.
NOT_MAILED = {
    "dropped": r"(\d+) records were dropped",
    "queued at exit": r"(\d+) log records were still queued after",
    "failed": r"(\d+) records could not be written to 127\.0\.0\.1:",
}
FAILED_WHILE_RESTING = r"127\.0\.0\.1:\S+ to \S+ works again .*?(\d+) more records"
# A send the exit cut short: the server may have stored its mail just before.
CUT_AT_EXIT = "the exit wait ended"


def storm(quick):
    """2,000 distinct errors at once against the slow server, then a normal exit."""
    delay = 0.1 if quick else 2.0
    count = 200 if quick else 2000
    exit_wait = 1.0 if quick else 30.0
    inbox = Inbox(delay=delay).start()
    table = Table(
        f"Error storm: {count} distinct errors, mail server taking {delay:g} s each",
        ["burst s", "peak RSS MiB", "mailed",
         *(f"{kind} (reported)" for kind in NOT_MAILED), "exit drain s",
         "cut at exit", "unaccounted"],
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
        told = {kind: sum(map(int, re.findall(pattern, result.stderr)))
                for kind, pattern in NOT_MAILED.items()}  # fmt: skip
        told["failed"] += sum(map(int, re.findall(FAILED_WHILE_RESTING,
                                                  result.stderr)))  # fmt: skip
        table.add(
            stats["burst"], f"{int(stats['peak_kib']) / 1024:.0f}", mailed,
            *told.values(), f"{ended - float(stats['exit_start']):.1f}",
            result.stderr.count(CUT_AT_EXIT), count - mailed - sum(told.values()),
        )  # fmt: skip
    finally:
        inbox.stop()
    return table
