"""Run the benchmarks and print their tables: python -m bench [--quick] [names].

With both error_path and hung_collector, it also draws the error path's latency
chart: into docs/img/error-path.svg in full mode, into a temporary file in quick mode
(never over the committed chart), or where --chart says.
"""

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from . import (
    bake_time,
    chart,
    error_path,
    gunicorn_errors,
    hot_path,
    hung_collector,
    shared_file,
    throughput,
    tracing,
)
from .load import client_name

BENCHMARKS = {
    "error_path": error_path.run,
    "hung_collector": hung_collector.run,
    "storm": error_path.storm,
    "gunicorn_errors": gunicorn_errors.run,
    "hot_path": hot_path.run,
    "bake_time": bake_time.run,
    "shared_file": shared_file.run,
    "throughput": throughput.run,
    "tracing": tracing.run,
}
CHART = Path(__file__).resolve().parents[1] / "docs" / "img" / "error-path.svg"
CHART_GROUPS = {
    "error_path": "500s, every peer healthy (the naive setup's mail server is slow)",
    "hung_collector": "Syslog over TCP: 500s and / with the collector healthy or hung",
}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, to check")
    parser.add_argument("--chart", type=Path, help="where to write the SVG chart")
    parser.add_argument("names", nargs="*", choices=[*BENCHMARKS, []], default=[])
    args = parser.parse_args(argv)
    print(
        f"Machine: {platform.platform()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; mode: {'quick' if args.quick else 'full'}"
        f"; HTTP client: {client_name()}"
    )
    results = {}
    for name in args.names or BENCHMARKS:
        start = time.perf_counter()
        result = BENCHMARKS[name](args.quick)
        results[name] = result if isinstance(result, list) else [result]
        for table in results[name]:
            print(table.render())
        print(f"\n({name}: {time.perf_counter() - start:.0f} s)", flush=True)
    if all(name in results for name in CHART_GROUPS):
        path = args.chart or (None if args.quick else CHART)
        if path is None:
            handle, path = tempfile.mkstemp(prefix="error-path-", suffix=".svg")
            os.close(handle)
        groups = [(CHART_GROUPS[n], results[n][0].series) for n in CHART_GROUPS]
        mode = "quick mode" if args.quick else "full mode"
        title = f"Error path latency, in process (python -m bench, {mode})"
        Path(path).write_text(chart.draw(groups, title))
        print(f"\nChart: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
