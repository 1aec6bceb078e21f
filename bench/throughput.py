"""Log throughput: records per second through the generated file handler.

Against the stdlib's plain logging.FileHandler, in one process, in alternating rounds.
Each record goes through the app's queue handler without its thread (as with
LOG_QUEUE_BYTES=0), which prepares it (request fields, "-" outside a request, and an
escaped message), then to the file handler (concurrent-log-handler), which takes an
inter-process lock around every record: what a record costs the app, on whichever
thread.
"""

import contextlib
import logging
import tempfile
import time
from pathlib import Path

from harness.bake import baked_package

from .common import Table, alternate, ratios, spread, times

PLAIN = "stdlib FileHandler"


def records_per_second(logger, count):
    start = time.perf_counter()
    for number in range(count):
        logger.info("record %d with some text to format", number)
    return count / (time.perf_counter() - start)


def run(quick):
    rounds = 3 if quick else 7
    count = 3000 if quick else 20000
    table = Table(
        f"Log throughput: records per second from one process, {rounds} alternating "
        f"rounds of {count:,}",
        ["handler", "records/s (range)", "us per record", "vs FileHandler"],
    )
    loggers = {}
    with tempfile.TemporaryDirectory() as directory, contextlib.ExitStack() as stack:
        path = Path(directory)
        plain = logging.FileHandler(path / "plain.log")
        plain.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        handlers, files = {PLAIN: plain}, []
        for log_format in ("text", "json"):
            # Each bake replaces the last one's package in sys.modules: build its
            # handler before the next.
            package, _ = stack.enter_context(baked_package(log_format=log_format))
            app = package.create_app(
                "testing", LOG_FILE=str(path / f"{log_format}.log")
            )
            files.append(app.extensions["logging"].handlers["file"])
            queue_handler = package.log.queue.LogQueueHandler
            handlers[f"generated file handler, {log_format}"] = queue_handler(
                [files[-1]], 0, 5.0
            )
        for name, handler in handlers.items():
            loggers[name] = logging.Logger(f"throughput {name}")
            loggers[name].addHandler(handler)
        for logger in loggers.values():
            records_per_second(logger, 200)  # warm up
        figures, _ = alternate(
            {name: (lambda lg=lg: records_per_second(lg, count))
             for name, lg in loggers.items()},
            rounds,
        )  # fmt: skip
        for handler in [*handlers.values(), *files]:
            handler.close()
    for name in loggers:
        rates = figures[name]
        table.add(
            name,
            spread(rates, 0),
            spread([1e6 / r for r in rates], 1),
            times(ratios(rates, figures[PLAIN])),
        )
    return table
