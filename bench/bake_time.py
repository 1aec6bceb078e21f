"""Bake time: `cookiecutter --no-input` of this template vs a one-file template."""

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness.bake import TEMPLATE

from .common import Table, alternate, ratios, spread, times

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


def time_bake(template):
    """Seconds of one `cookiecutter --no-input` of template, into a fresh folder."""
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        subprocess.run(  # noqa: S603
            [COOKIECUTTER, "--no-input", "-o", out, str(template)],
            check=True,
            capture_output=True,
        )
        return time.perf_counter() - start


def run(quick):
    rounds = 3 if quick else 15
    table = Table(
        f"Bake time: cookiecutter --no-input, {rounds} alternating rounds",
        ["template", "seconds (range)", "vs floor"],
    )
    with tempfile.TemporaryDirectory() as directory:
        floor_template = one_file_template(directory)
        figures, _ = alternate(
            {
                "floor": lambda: time_bake(floor_template),
                "this": lambda: time_bake(TEMPLATE),
            },
            rounds,
        )
    table.add("one-file template (floor)", spread(figures["floor"], 3), "1.00x")
    table.add(
        "this template, default answers",
        spread(figures["this"], 3),
        times(ratios(figures["this"], figures["floor"])),
    )
    return table
