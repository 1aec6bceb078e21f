"""Run the benchmarks and print one table each: python -m bench [--quick] [names]."""

import argparse
import os
import platform
import sys
import time

from . import bake_time, error_path, hot_path, shared_file, throughput

BENCHMARKS = {
    "error_path": error_path.run,
    "storm": error_path.storm,
    "hot_path": hot_path.run,
    "bake_time": bake_time.run,
    "shared_file": shared_file.run,
    "throughput": throughput.run,
}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, to check")
    parser.add_argument("names", nargs="*", choices=[*BENCHMARKS, []], default=[])
    args = parser.parse_args(argv)
    print(
        f"Machine: {platform.platform()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; mode: {'quick' if args.quick else 'full'}"
    )
    for name in args.names or BENCHMARKS:
        start = time.perf_counter()
        table = BENCHMARKS[name](args.quick)
        print(table.render())
        print(f"\n({name}: {time.perf_counter() - start:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
