"""The generated lnav-format.json, read by Debian's lnav: lnav finds the project's
format for its log file, text or JSON (in each LOG_SCHEMA but gcp), and keeps each
message whole."""

import csv
import io
import json
import shutil
import sys

import pytest

from .conftest import production_env, run, suite_env

needs_lnav = pytest.mark.skipif(
    not shutil.which("lnav"), reason="needs lnav (.ci/run installs Debian's)"
)

WRITE_LOG = """
import sys
from my_flask_app import create_app

app = create_app("production", LOG_QUEUE_BYTES=0)


@app.route("/boom")
def boom():
    app.logger.info("brackets [GET] and [in fake:1] are part of it")
    raise RuntimeError("lnav drill failure")


client = app.test_client()
client.get("/boom", headers={"X-Request-ID": "lnav-1"})
app.logger.warning("outside a request")
"""
QUERY = "SELECT log_format, log_level, log_body FROM all_logs"


def lnav_rows(project, tmp_path, **settings):
    """(format, level, body) of each record lnav reads from the project's log file,
    with the project's formats installed as its README says (lnav -i)."""
    env = {**suite_env(), **production_env(tmp_path, **settings), "HOME": str(tmp_path)}
    wrote = run([sys.executable, "-c", WRITE_LOG], project, env=env)
    assert wrote.returncode == 0, wrote.stderr
    installed = run(["lnav", "-i", project / "lnav-format.json"], project, env=env)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    read = run(
        ["lnav", "-n", "-c", f";{QUERY}", "-c", ":write-csv-to -",
         tmp_path / "logs" / "app.log"],
        project, env=env,
    )  # fmt: skip
    assert read.returncode == 0, read.stdout + read.stderr
    rows = list(csv.reader(io.StringIO(read.stdout)))
    assert rows[0] == ["log_format", "log_level", "log_body"], read.stdout
    return [row for row in rows[1:] if "started in production" not in row[2]]


@needs_lnav
@pytest.mark.parametrize("tracing", [False, True], ids=["text", "text+tracing"])
def test_lnav_reads_the_text_log_whole(bake, tmp_path, tracing):
    project = bake(use_opentelemetry=tracing)
    rows = lnav_rows(project, tmp_path)
    if tracing:
        assert rows[0][2].startswith("Tracing is off")
        rows = rows[1:]
    info, error, warning = rows
    assert {row[0] for row in rows} == {"my_flask_app_log"}
    # The message with its brackets, without the line's [in file:line] suffix.
    assert info[1:] == ["info", "brackets [GET] and [in fake:1] are part of it"]
    assert error[1] == "error"
    assert error[2].startswith("Exception on /boom [GET]")
    assert error[2].rstrip().endswith("RuntimeError: lnav drill failure")
    assert warning[1:] == ["warning", "outside a request"]


@needs_lnav
@pytest.mark.parametrize("schema", ["native", "ecs", "otel"])
def test_lnav_finds_the_json_format_of_each_schema(bake, tmp_path, schema):
    project = bake(log_format="json")
    rows = lnav_rows(project, tmp_path, LOG_SCHEMA=schema)
    name = {"native": "json"}.get(schema, schema)
    assert {row[0] for row in rows} == {f"my_flask_app_{name}"}
    assert [row[1:] for row in rows] == [
        ["info", "brackets [GET] and [in fake:1] are part of it"],
        ["error", "Exception on /boom [GET]"],
        ["warning", "outside a request"],
    ]


def test_the_format_file_is_json_with_each_format_named_for_the_project(bake):
    for log_format in ("text", "json"):
        path = bake(log_format=log_format) / "lnav-format.json"
        formats = json.loads(path.read_text())
        names = [key for key in formats if not key.startswith("$")]
        assert names
        assert all(name.startswith("my_flask_app_") for name in names)
