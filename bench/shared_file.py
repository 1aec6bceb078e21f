"""Several gunicorn workers, one log file, rotation forced mid-run; and its price.

For each file_rotation choice, 4 workers answer requests that raise; every error
record must be in the file or a rotated sibling, whole. The same runs with the
matching stdlib handlers (RotatingFileHandler, TimedRotatingFileHandler,
WatchedFileHandler) are the baseline.

Then what the generated file handler (concurrent-log-handler) costs a 500, in process
and in alternating rounds: every handler on, against the same app with a plain
logging.FileHandler in its place, without a file at all, and with logging off.
"""

import contextlib
import re
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from harness.bake import baked_package
from harness.servers import Gunicorn

from .common import Table, alternate, ratios, spread
from .error_path import EveryHandler
from .inproc import Batches

APP = """\
import os
from logging.handlers import RotatingFileHandler, TimedRotatingFileHandler
from logging.handlers import WatchedFileHandler

from my_flask_app import create_app
from my_flask_app.log.formatters import TextFormatter
from my_flask_app.log.queue import LogQueueHandler

app = create_app()
own = app.extensions["logging"]

STDLIB = {
    "size": lambda path: RotatingFileHandler(path, maxBytes=20000, backupCount=1000),
    "time": lambda path: TimedRotatingFileHandler(path, when="S", backupCount=1000),
    "external": lambda path: WatchedFileHandler(path),
}
handler = own.handlers["file"]
if os.environ.get("BENCH_STDLIB"):
    handler = STDLIB[os.environ["BENCH_STDLIB"]](os.environ["FLASK_LOG_FILE"])
    handler.setFormatter(TextFormatter())
# The app's queue and thread, delivering to the file only: the console would slow
# every worker down without telling us anything.
app.logger.handlers = [
    LogQueueHandler([handler], own.queue.max_bytes, own.queue.exit_wait)
]


@app.route("/boom/<int:number>")
def boom(number):
    raise RuntimeError(f"bench failure {number}")
"""

RECORD_START = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ", re.M)
OUTSIDE_A_REQUEST = " [- - - -] "
HEAD_ID = re.compile(r"\[(bench-\d+) ")
LAST_LINE = re.compile(r"RuntimeError: bench failure (\d+)\s*$")


def send(port, numbers):
    for number in numbers:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/boom/{number}",
            headers={"X-Request-ID": f"bench-{number:05d}"},
        )
        try:
            urllib.request.urlopen(request, timeout=30)  # noqa: S310
        except urllib.error.HTTPError as error:
            if error.code != 500:
                raise


def drive(port, numbers, midway, threads=8):
    """Send every request from several threads; call midway() halfway through."""
    half = len(numbers) // 2
    for index, part in enumerate((numbers[:half], numbers[half:])):
        workers = [
            threading.Thread(target=send, args=(port, part[i::threads]))
            for i in range(threads)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        if index == 0:
            midway()


def count_records(directory):
    """(distinct request ids found whole, records broken or mixed)."""
    found, broken = set(), 0
    for path in Path(directory).glob("app.log*"):
        if path.name.startswith(".") or path.suffix == ".lock":
            continue
        text = path.read_text(errors="replace")
        starts = [m.start() for m in RECORD_START.finditer(text)]
        if text.strip() and (not starts or starts[0] != 0):
            broken += 1
        if not starts:
            continue  # empty, as a file just rotated in is
        for begin, end in zip(starts, [*starts[1:], len(text)], strict=True):
            record = text[begin:end]
            if OUTSIDE_A_REQUEST in record.partition("\n")[0]:
                continue  # each worker's startup line, not one of ours
            head, last = HEAD_ID.search(record), LAST_LINE.search(record)
            if head and last and head.group(1) == f"bench-{int(last.group(1)):05d}":
                found.add(head.group(1))
            else:
                broken += 1
    return found, broken


def one_run(project, rotation, count, stdlib):
    logs = project / f"logs-{rotation}-{'stdlib' if stdlib else 'generated'}"
    logs.mkdir()
    log_file = logs / "app.log"
    env = {
        "FLASK_CONFIG": "production",
        "FLASK_SECRET_KEY": "benchmark-secret-key-0123456789abcdef",
        "FLASK_LOG_FILE": str(log_file),
        "FLASK_LOG_FILE_MAX_BYTES": "20000",
        "FLASK_LOG_FILE_WHEN": "S",
        "FLASK_LOG_FILE_BACKUP_COUNT": "1000",
    }
    if stdlib:
        env["BENCH_STDLIB"] = rotation

    def midway():
        if rotation == "external":
            # What logrotate does without copytruncate: move the file away.
            log_file.rename(logs / "app.log.1")
        elif rotation == "time":
            time.sleep(1.1)  # LOG_FILE_WHEN=S: the second half lands after a rotation

    server = Gunicorn(project, "bench_app:app", env, workers=4)
    try:
        drive(server.port, list(range(count)), midway=midway)
    finally:
        server.stop()
    found, broken = count_records(logs)
    files = len(list(logs.glob("app.log*")))
    return count - len(found), broken, files


def run(quick):
    count = 80 if quick else 800
    table = Table(
        f"One file, 4 gunicorn workers, {count} errors, rotation forced mid-run",
        ["file_rotation", "handler", "lost", "broken or mixed", "files"],
    )
    for rotation in ("size", "time", "external"):
        with baked_package(file_rotation=rotation) as (_package, project):
            (project / "bench_app.py").write_text(APP)
            for stdlib in (False, True):
                lost, broken, files = one_run(project, rotation, count, stdlib)
                name = (
                    STDLIB_NAMES[rotation]
                    if stdlib
                    else "generated (concurrent-log-handler)"
                )
                table.add(rotation, name, lost, broken, files)
    return [table, file_share(quick)]


CLH = "every handler on, concurrent-log-handler"
PLAIN = "every handler on, plain FileHandler instead"
NO_FILE = "every handler on but the file"
FLOOR = "logging off (floor)"


def file_share(quick):
    """The log file's part of a 500, and a plain FileHandler's for comparison."""
    rounds = 3 if quick else 7
    count = 40 if quick else 200
    table = Table(
        f"The log file's share of a 500: in process, {rounds} alternating rounds",
        ["app", "500 median ms (range)", "added by the file, ms",
         "share of what logging adds"],
    )  # fmt: skip
    with tempfile.TemporaryDirectory() as scratch, contextlib.ExitStack() as stack:
        setup = EveryHandler(stack, Path(scratch))
        apps = {
            CLH: setup.app("clh", throttle=300),
            PLAIN: setup.app("plain", throttle=300, stdlib_file=True),
            NO_FILE: setup.app("nofile", throttle=300, settings={"LOG_FILE": None}),
            FLOOR: setup.app("floor", throttle=300, logging_off=True),
        }
        for each in apps.values():
            each.time("/boom", 3, 500)
        sides = {name: Batches(a, "/boom", count, 500) for name, a in apps.items()}
        figures, _ = alternate(sides, rounds)
    for name in apps:
        added = share = "-"
        if name in (CLH, PLAIN):
            added_s = differences(figures[name], figures[NO_FILE])
            logging_adds = differences(figures[name], figures[FLOOR])
            added = spread([a * 1000 for a in added_s], 3)
            share = spread([100 * r for r in ratios(added_s, logging_adds)], 0, "%")
        table.add(name, spread([f * 1000 for f in figures[name]]), added, share)
    table.note(
        "Mail at its default throttle (one mail per distinct error per 5 minutes), "
        "syslog over UDP; differences are taken round by round."
    )
    return table


def differences(minuends, subtrahends):
    return [a - b for a, b in zip(minuends, subtrahends, strict=False)]


STDLIB_NAMES = {
    "size": "stdlib RotatingFileHandler",
    "time": "stdlib TimedRotatingFileHandler",
    "external": "stdlib WatchedFileHandler",
}
