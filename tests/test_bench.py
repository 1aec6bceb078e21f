"""The benchmarks run in quick mode, so they never rot. No timing is asserted here:
targets belong in the benchmarks' output and docs/benchmarks.md. What is asserted is
what must hold at any speed: no mail and no log line lost."""

import re
import sys

import pytest

from bench.shared_file import count_records
from harness.bake import TEMPLATE

from .conftest import run


def table_rows(output, title_start):
    """The data rows of the table whose title starts with title_start."""
    block = output.split(f"### {title_start}", 1)[1].split("\n\n(", 1)[0]
    lines = [line for line in block.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[1:]]


@pytest.fixture(scope="module")
def quick_bench():
    result = run([sys.executable, "-m", "bench", "--quick"], cwd=TEMPLATE, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_error_path_mails_every_error(quick_bench):
    rows = table_rows(quick_bench, "Error path")
    mails = {row[0]: row[5] for row in rows}
    for name in ("generated, every handler on", "seeds: SMTPHandler on app.logger"):
        arrived, sent = mails[name].split("/")
        assert arrived == sent, name


def test_error_storm_accounts_for_every_error(quick_bench):
    (row,) = table_rows(quick_bench, "Error storm")
    assert int(row[-1]) <= 0  # nothing unaccounted for (below 0: reported twice)


def test_shared_file_loses_and_mixes_nothing(quick_bench):
    rows = table_rows(quick_bench, "One file")
    generated = [row for row in rows if row[1].startswith("generated")]
    assert [row[0] for row in generated] == ["size", "time", "external"]
    for rotation, _, lost, broken, files in generated:
        assert (lost, broken) == ("0", "0"), rotation
        assert int(files) >= 2, f"{rotation}: the run forced a rotation"


def test_every_table_is_printed(quick_bench):
    for title in ("Error path", "Error storm", "Hot path", "Bake time", "One file",
                  "Log throughput"):  # fmt: skip
        assert f"### {title}" in quick_bench
    assert re.search(r"Machine: .+ cores", quick_bench)


RECORD = (
    "2026-01-02 03:04:05,678 ERROR my_flask_app [bench-00007 127.0.0.1 GET /boom/7] "
    "Exception on /boom/7 [GET] [in app.py:875]\n"
    "Traceback (most recent call last):\n"
    '  File "app.py", line 1, in boom\n'
    "RuntimeError: bench failure 7\n"
)


def test_record_counter_finds_whole_records_and_flags_broken_ones(tmp_path):
    (tmp_path / "app.log").write_text("")  # just rotated in: neither found nor broken
    (tmp_path / "app.log.1").write_text(RECORD)
    (tmp_path / "app.log.2").write_text("RuntimeError: bench failure 8\n")  # a tail
    (tmp_path / "app.log.3").write_text(RECORD.replace("failure 7", "failure 9"))
    found, broken = count_records(tmp_path)
    assert found == {"bench-00007"}
    assert broken == 2
