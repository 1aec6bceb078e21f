"""What the benchmarks share: baking, timing statistics and the result table."""

import contextlib
import importlib
import os
import statistics
import sys
import tempfile
from pathlib import Path

from cookiecutter.main import cookiecutter

TEMPLATE = Path(__file__).resolve().parents[1]


def bake(directory, **answers):
    """Generate a project into directory; return its path."""
    with silenced_stdout():  # the post-gen hook prints next steps
        path = cookiecutter(
            str(TEMPLATE),
            no_input=True,
            output_dir=str(directory),
            extra_context=answers,
        )
    return Path(path)


@contextlib.contextmanager
def silenced_stdout():
    """Silence file descriptor 1, which hook subprocesses inherit."""
    sys.stdout.flush()
    saved = os.dup(1)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 1)
        try:
            yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)


@contextlib.contextmanager
def baked_package(**answers):
    """Bake a project and make its package importable; yield (module, project dir)."""
    with tempfile.TemporaryDirectory() as directory:
        project = bake(directory, **answers)
        sys.path.insert(0, str(project))
        try:
            for name in [m for m in sys.modules if m.split(".")[0] == "my_flask_app"]:
                del sys.modules[name]
            yield importlib.import_module("my_flask_app"), project
        finally:
            sys.path.remove(str(project))


@contextlib.contextmanager
def quiet_stderr():
    """Send stderr to /dev/null: the console handler must not time the terminal."""
    saved = sys.stderr
    with open(os.devnull, "w") as devnull:
        sys.stderr = devnull
        try:
            yield
        finally:
            sys.stderr = saved


def summary(samples):
    """Median and 99th percentile, in milliseconds."""
    ms = sorted(s * 1000 for s in samples)
    p99 = statistics.quantiles(ms, n=100)[98] if len(ms) >= 2 else ms[0]
    return statistics.median(ms), p99


class Table:
    """A Markdown table, for the terminal and for docs/benchmarks.md alike."""

    def __init__(self, title, columns):
        self.title, self.columns, self.rows = title, columns, []

    def add(self, *cells):
        self.rows.append([str(c) for c in cells])

    def render(self):
        widths = [
            max(len(x) for x in [column, *(row[i] for row in self.rows)])
            for i, column in enumerate(self.columns)
        ]

        def line(cells):
            padded = (c.ljust(w) for c, w in zip(cells, widths, strict=True))
            return "| " + " | ".join(padded) + " |"

        out = [f"\n### {self.title}\n", line(self.columns)]
        out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
        out.extend(line(row) for row in self.rows)
        return "\n".join(out)
