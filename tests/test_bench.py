"""The benchmarks run in quick mode, so they never rot. No timing is asserted here:
targets belong in the benchmarks' output and docs/benchmarks.md. What is asserted is
what must hold at any speed: no mail and no log line lost, every request answered
(with a hung syslog collector too), every table printed and the chart drawn."""

import fcntl
import json
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bench.__main__ import CHART
from bench.common import SideFailed, alternate
from bench.hot_path import BARE_DATABASE_LABEL, GUNICORN_ROWS
from bench.load import parse_wrk
from bench.shared_file import count_records
from harness.bake import TEMPLATE

from .conftest import run

TITLES = (
    "Error path: 500 responses in process",
    "Error path with the syslog collector hung",
    "Error storm",
    "Error path under gunicorn",
    "Hot path",
    "Bake time",
    "One file",
    "The log file's share of a 500",
    "Log throughput",
    "Tracing",
)


def table_rows(output, title_start):
    """The data rows of the table whose title starts with title_start."""
    block = output.split(f"### {title_start}", 1)[1].split("\n\n(", 1)[0]
    block = block.split("\n### ", 1)[0]  # a benchmark may print several tables
    lines = [line for line in block.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[1:]]


def table_dicts(output, title_start):
    block = output.split(f"### {title_start}", 1)[1]
    header = next(line for line in block.splitlines() if line.startswith("| "))
    columns = [cell.strip() for cell in header.strip("|").split("|")]
    return [
        dict(zip(columns, row, strict=True)) for row in table_rows(output, title_start)
    ]


def table_text(output, title_start):
    """The table, and the notes under it, for a failure message."""
    rest = output.split(f"### {title_start}", 1)[1].split("\n\n(", 1)[0]
    return f"### {title_start}{rest}"


@pytest.fixture(scope="module")
def quick_bench(tmp_path_factory, worker_id):
    """The output of `python -m bench --quick`, run once, shared by every worker.

    pytest-xdist runs a module's fixture once per worker: the first worker here runs
    the benchmarks, the others wait for its output (two at once would also slow each
    other down on 2 cores).
    """
    shared = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        shared = shared.parent  # the same folder for every worker of this session
    output = shared / "quick_bench.json"
    with open(shared / "quick_bench.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not output.exists():
            result = run(
                [sys.executable, "-m", "bench", "--quick"], cwd=TEMPLATE, timeout=900
            )
            output.write_text(json.dumps([result.returncode, result.stdout,
                                          result.stderr]))  # fmt: skip
    returncode, stdout, stderr = json.loads(output.read_text())
    assert returncode == 0, stderr[-3000:]
    return stdout


def test_error_path_mails_every_error(quick_bench):
    mails = {row["app"]: row["mails arrived"] for row in table_dicts(
        quick_bench, "Error path: 500 responses in process")}  # fmt: skip
    mailing = [name for name, cell in mails.items() if "/" in cell]
    assert "generated, every handler on" in mailing
    assert any(name.startswith("cookbook:") for name in mailing)
    assert any(name.startswith("naive: SMTPHandler on app.logger") for name in mailing)
    for name in mailing:
        arrived, sent = mails[name].split("/")
        assert arrived == sent, name


def test_hung_syslog_collector_never_leaves_a_request_unanswered(quick_bench):
    rows = table_dicts(quick_bench, "Error path with the syslog collector hung")
    assert [row["app"] for row in rows] == [
        "healthy TCP collector", "hung TCP collector", "logging off (floor)"
    ]  # fmt: skip
    for row in rows:
        assert row["timed out"] == "0", table_text(quick_bench, "Error path with")
        assert row["500 median ms (range)"] != "-", row["app"]


def test_gunicorn_answers_every_request(quick_bench):
    rows = table_dicts(quick_bench, "Error path under gunicorn")
    assert {row["workers"] for row in rows} == {"2", "4"}
    for row in rows:
        assert row["failed"] == "0", row


def test_hot_path_compares_like_with_like(quick_bench):
    """Under gunicorn, with or without an access line on both sides; in process,
    also against bare Flask with Flask-SQLAlchemy, which the generated app has."""
    rows = table_dicts(quick_bench, "Hot path")
    in_process = [row["where"] for row in rows if row["where"].startswith("in process")]
    assert [where.endswith(BARE_DATABASE_LABEL) for where in in_process] == [
        False, True, False, True
    ]  # fmt: skip
    under_gunicorn = [row["where"].split(" s, ", 1)[1] for row in rows
                      if row["where"].startswith("gunicorn")]  # fmt: skip
    assert under_gunicorn == [label for _, _, label in GUNICORN_ROWS]
    assert "requests failed" not in table_text(quick_bench, "Hot path")


def test_error_storm_accounts_for_every_error(quick_bench):
    (row,) = table_dicts(quick_bench, "Error storm")
    # Each error mailed, or told on stderr once: neither lost nor told twice. The one
    # exception: a send the exit cut short, whose mail the server may have stored
    # just before, is told as not written though it arrived.
    told_twice_at_most = "-1" if row["cut at exit"] == "1" else "0"
    assert row["unaccounted"] in {"0", told_twice_at_most}, table_text(
        quick_bench, "Error storm"
    )


def test_shared_file_loses_and_mixes_nothing(quick_bench):
    rows = table_rows(quick_bench, "One file")
    generated = [row for row in rows if row[1].startswith("generated")]
    assert [row[0] for row in generated] == ["size", "time", "external"]
    for rotation, _, lost, broken, files in generated:
        assert (lost, broken) == ("0", "0"), rotation
        assert int(files) >= 2, f"{rotation}: the run forced a rotation"


def test_tracing_sends_every_span_and_answers_with_the_endpoint_hung(quick_bench):
    rows = {row["app"]: row for row in table_dicts(quick_bench, "Tracing")}
    assert len(rows) == 5, table_text(quick_bench, "Tracing")
    received, sent = rows["generated, traced"]["spans received"].split(" of ")
    assert received == sent
    for row in rows.values():
        assert row["ms per request (range)"] != "-", row["app"]


def test_every_table_is_printed(quick_bench):
    for title in TITLES:
        assert f"### {title}" in quick_bench
    assert re.search(r"Machine: .+ cores.+HTTP client: ", quick_bench)


def test_quick_mode_draws_the_chart_elsewhere(quick_bench):
    path = Path(re.search(r"^Chart: (.+)$", quick_bench, re.M).group(1))
    try:
        assert path.resolve() != CHART.resolve()
        svg = ET.parse(path).getroot()
        text = " ".join(svg.itertext())
        for label in ("bare Flask, default logging", "hung TCP collector: 500"):
            assert label in text
    finally:
        path.unlink()


def test_alternate_rotates_the_order_and_drops_a_side_that_fails():
    order = []

    def side(name, fail_at=None):
        def one():
            order.append(name)
            if len([n for n in order if n == name]) == fail_at:
                raise SideFailed(f"{name} hung")
            return len(order)

        return one

    samples, failed = alternate(
        {"a": side("a"), "b": side("b", fail_at=2), "c": side("c")}, rounds=3
    )
    assert order == ["a", "b", "c", "b", "c", "a", "c", "a"]
    assert samples == {"a": [1, 6, 8], "b": [2], "c": [3, 5, 7]}
    assert failed == {"b": "b hung"}


WRK_OUTPUT = """\
Running 3s test @ http://127.0.0.1:40000/boom
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.10ms  612.00us  21.04ms   93.00%
    Req/Sec     3.52k   201.37     3.81k    80.00%
  Latency Distribution
     50%  980.00us
     75%    1.21ms
     90%    1.52ms
     99%    1.20s
  10562 requests in 3.00s, 2.41MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 10560
Requests/sec:   3520.31
Transfer/sec:    822.33KB
"""


def test_wrk_output_is_read_with_its_units():
    load = parse_wrk(WRK_OUTPUT, ok_2xx=False)
    assert (load.rps, load.requests) == (3520.31, 10562)
    assert (load.p50, load.p90, load.p99) == (0.98, 1.52, 1200.0)
    assert load.failures == 3 + 2  # socket errors, and 2 answers that were not 5xx
    assert parse_wrk(WRK_OUTPUT, ok_2xx=True).failures == 3 + 10560


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
    startup = (
        "2026-01-02 03:04:05,001 INFO my_flask_app [- - - -] my_flask_app started "
        "in production; logging to file (app.log) [in __init__.py:60]\n"
    )
    (tmp_path / "app.log.4").write_text(startup + RECORD)  # not counted either way
    found, broken = count_records(tmp_path)
    assert found == {"bench-00007"}
    assert broken == 2
