"""Benchmark 3: `cookiecutter --no-input` of this template vs a one-file template."""

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness.bake import TEMPLATE

from .common import Table

COOKIECUTTER = Path(sys.executable).parent / "cookiecutter"


def one_file_template(directory):
    """The floor: what cookiecutter itself costs for one rendered file, no hooks."""
    root = Path(directory) / "floor"
    (root / "{{cookiecutter.project_slug}}").mkdir(parents=True)
    (root / "cookiecutter.json").write_text('{"project_slug": "floor"}\n')
    (root / "{{cookiecutter.project_slug}}" / "README.md").write_text(
        "# {{ cookiecutter.project_slug }}\n"
    )
    return root


def time_bake(template, rounds):
    samples = []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            subprocess.run(  # noqa: S603
                [COOKIECUTTER, "--no-input", "-o", out, str(template)],
                check=True,
                capture_output=True,
            )
            samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def run(quick):
    rounds = 3 if quick else 15
    table = Table(
        f"Bake time: cookiecutter --no-input (median of {rounds})",
        ["template", "seconds", "vs floor"],
    )
    with tempfile.TemporaryDirectory() as directory:
        floor_template = one_file_template(directory)
        # Alternate the two so that a busy moment hits both alike.
        floor = time_bake(floor_template, rounds)
        this = time_bake(TEMPLATE, rounds)
    table.add("one-file template (floor)", f"{floor:.3f}", "1.00x")
    table.add("this template, default answers", f"{this:.3f}", f"{this / floor:.2f}x")
    return table
