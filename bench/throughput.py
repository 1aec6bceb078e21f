"""Benchmark 5: log records per second through the configured file handler."""

import logging
import tempfile
import time
from pathlib import Path

from harness.bake import baked_package

from .common import Table


def records_per_second(handler, count):
    logger = logging.Logger("throughput")
    logger.addHandler(handler)
    start = time.perf_counter()
    for number in range(count):
        logger.info("record %d with some text to format", number)
    elapsed = time.perf_counter() - start
    handler.close()
    return count / elapsed


def run(quick):
    count = 5000 if quick else 100000
    table = Table(
        f"Log throughput: {count:,} records from one process",
        ["handler", "records/s", "vs FileHandler"],
    )
    results = {}
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory)
        plain = logging.FileHandler(path / "plain.log")
        plain.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        results["stdlib FileHandler"] = records_per_second(plain, count)
        for log_format in ("text", "json"):
            with baked_package(log_format=log_format) as (package, _project):
                app = package.create_app(
                    "testing", LOG_FILE=str(path / f"{log_format}.log")
                )
                handler = next(
                    h for h in app.extensions["log_handlers"] if h.name == "file"
                )
                app.logger.removeHandler(handler)
                name = f"generated file handler, {log_format}"
                # It keeps its request context filter: records carry "-" fields.
                results[name] = records_per_second(handler, count)
    base = results["stdlib FileHandler"]
    for name, rate in results.items():
        table.add(name, f"{rate:,.0f}", f"{rate / base:.2f}x")
    return table
