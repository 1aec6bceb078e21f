"""The log file, with real files in a temporary directory."""

import os
import re
import shutil
import sqlite3  # noqa: F401 (see as_unprivileged_user)
import sys
import tempfile
import time
{%- if cookiecutter.file_rotation != "external" %}
from contextlib import redirect_stderr
from io import StringIO
from types import SimpleNamespace
{%- endif %}

import pytest
from flask import request

from {{ cookiecutter.package_name }} import create_app

from .conftest import (
    PRODUCTION_OVERRIDES,
    failing_app,
    handler_named,
    logged,
    readable,
)


def file_app(path, **overrides):
    return failing_app("file test failure", LOG_FILE=str(path), **overrides)


def close_handlers(app):
    """Write what is queued, and close the files."""
    logged(app)
    for handler in app.extensions["logging"].handlers.values():
        handler.close()


def test_one_error_is_one_traceback_after_two_create_app_calls(tmp_path):
    log_file = tmp_path / "app.log"
    file_app(log_file)
    app = file_app(log_file)
    response = app.test_client().get("/boom")
    close_handlers(app)
    text = log_file.read_text()
    assert text.count("Traceback (most recent call last)") == 1
    assert text.count("RuntimeError: file test failure") == 1
    assert response.headers["X-Request-ID"] in text


def test_relative_path_lands_in_the_instance_folder(instance_folder, capsys):
    app = create_app("production", **{**PRODUCTION_OVERRIDES, "LOG_FILE": "logs/x.log"})
    app.logger.warning("written in the instance folder, café 東京")
    close_handlers(app)
    path = instance_folder / "logs" / "x.log"
    text = path.read_text(encoding="utf-8")  # whatever the machine's own encoding
    assert "written in the instance folder, café 東京" in readable(text)
    err = readable(capsys.readouterr().err)
    (line,) = [line for line in err.splitlines() if "started in production" in line]
    where = f"logging to console (stderr), file ({path})"
    assert f"] {app.name} started in production; {where}" in line


def test_default_production_log_file_is_under_the_instance_folder():
    overrides = {k: v for k, v in PRODUCTION_OVERRIDES.items() if k != "LOG_FILE"}
    app = create_app("production", **overrides)
    handler = handler_named(app, "file")
    close_handlers(app)
    assert handler.baseFilename.startswith(os.path.join(app.instance_path, "logs"))


def test_unwritable_location_warns_once_and_app_still_works(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    app = file_app(blocker / "logs" / "app.log")
    err = readable(capsys.readouterr().err)
    assert err.count("file logging is off: cannot write") == 1
    assert handler_named(app, "file") is None
    assert app.test_client().get("/boom").status_code == 500
    assert "Logging error" not in capsys.readouterr().err
    result = app.test_cli_runner().invoke(args=["check-logging"])
    assert "file: FAILED: cannot write" in result.output
    assert result.exit_code == 1


def as_unprivileged_user(function):
    """Run function as a user without root's right to write anywhere; return its
    result. Root forks a child that drops to "nobody"; others run it here. The child
    may not read root's files, the Python installation's among them when it lives
    under /root: what the app imports late (SQLite's driver) is imported above."""
    if os.geteuid() != 0:
        return function()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.setgid(65534)
            os.setuid(65534)
            os.write(write_end, function().encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as reader:
        answer = reader.read()
    os.waitpid(pid, 0)
    return answer


@pytest.fixture
def read_only_folder():
    """A folder nobody but root may add files to, holding a writable app.log and its
    lock file: the handler could write, but never rotate."""
    with tempfile.TemporaryDirectory() as top:
        os.chmod(top, 0o755)  # reachable by every user
        folder = os.path.join(top, "logs")
        os.mkdir(folder)
        log_file = os.path.join(folder, "app.log")
        for name in (log_file, os.path.join(folder, ".__app.lock")):
            with open(name, "w"):
                pass
            os.chmod(name, 0o666)
        os.chmod(folder, 0o555)
        try:
            yield log_file
        finally:
            os.chmod(folder, 0o755)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
@pytest.mark.skipif(
    not hasattr(os, "fork"), reason="needs os.fork: root runs it as nobody"
)
# Python 3.12+ warns about a fork while threads run (other tests' sending threads);
# the child only opens a file and exits.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded")
def test_read_only_folder_is_found_at_startup(read_only_folder):
    """The file handler opens its file lazily and keeps a lock file beside it: the
    check must find a folder it cannot write to before the first record does."""

    def start():
        app = file_app(read_only_folder)
        return app.extensions["logging"].failures.get("file", "started")

    reason = as_unprivileged_user(start)
    assert reason.startswith(f"cannot write {read_only_folder}")
    assert "Permission denied" in reason

{%- if cookiecutter.file_rotation != "external" %}


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
@pytest.mark.skipif(
    not hasattr(os, "fork"), reason="needs os.fork: root runs it as nobody"
)
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded")
def test_a_rotation_the_folder_refuses_is_told_and_fails_check_logging():
    """concurrent-log-handler goes on without it, and the file grows past its bound."""

    def rotate_in_a_folder_made_read_only():
        with tempfile.TemporaryDirectory() as folder, redirect_stderr(StringIO()):
            log_file = os.path.join(folder, "app.log")
            app = file_app(log_file)
            with app.app_context():
                app.logger.warning("written before")  # the lock file is made
                logged(app)
                handler_named(app, "file").shouldRollover = lambda record: True  # due
                os.chmod(folder, 0o555)
                for number in range(3):
                    app.logger.warning("record %d", number)
                logged(app)
            checked = app.test_cli_runner().invoke(args=["check-logging"]).output
            os.chmod(folder, 0o755)
            close_handlers(app)
            with open(log_file) as written:
                return "\0".join([sys.stderr.getvalue(), checked, written.read()])

    told, checked, written = as_unprivileged_user(
        rotate_in_a_folder_made_read_only
    ).split("\0")
    assert told.count("failed (") == 1
    assert re.search(r"rotating \S+app\.log failed \(\w+Error: .+\)", told)
    assert "file: FAILED: " in checked
    assert "record 2" in written
    assert "flask check-logging" in written
{%- endif %}


def test_a_file_that_cannot_be_written_is_told_once_then_counted(tmp_path, capsys):
    log_dir = tmp_path / "logs"
    app = file_app(log_dir / "app.log")
    started = time.monotonic()
    with app.app_context():
        app.logger.warning("written")
        logged(app)
        shutil.rmtree(log_dir)  # the folder goes away under the running app
        for number in range(50):
            app.logger.warning("lost %d", number)
    assert app.test_client().get("/boom").status_code == 500  # the app goes on
    logged(app)
    err = readable(capsys.readouterr().err)
    assert err.count("could not be written") == 1
    assert "1 records could not be written to" in err
    assert "Logging error" not in err
    log_dir.mkdir()  # it works again: said so, with what was lost meanwhile
    app.logger.warning("written again")
    app.logger.warning("and again")
    logged(app)
    err = readable(capsys.readouterr().err)
    (line,) = [line for line in err.splitlines() if "works again" in line]
    assert line.startswith(("INFO {{ cookiecutter.package_name }}.log [", "20"))
    seconds = re.search(
        r"app\.log works again after ([\d.]+) s; 50 more records were lost", line
    )
    assert float(seconds[1]) < time.monotonic() - started + 0.1  # rounded to 0.1 s
    # A record cut short by the failure is never glued to the next one.
    assert (log_dir / "app.log").read_text().startswith("\n")
    assert "written again" in (log_dir / "app.log").read_text()
    close_handlers(app)  # nothing was lost since it works again: nothing to tell
    assert "could not be written" not in capsys.readouterr().err


def test_hostile_path_stays_on_one_line(tmp_path):
    log_file = tmp_path / "app.log"
    app = file_app(log_file, LOG_FILE_LEVEL="DEBUG")

    @app.before_request
    def log_visit():
        app.logger.info("visited %s", request.path)

    app.test_client().get("/x%0d%0a2026-01-01 00:00:00 ERROR forged")
    close_handlers(app)
    lines = log_file.read_text().splitlines()
    assert len(lines) == 1
    assert "forged" in lines[0]


def test_check_logging_reports_the_file(tmp_path):
    log_file = tmp_path / "app.log"
    app = file_app(log_file)
    result = app.test_cli_runner().invoke(args=["check-logging"])
    close_handlers(app)
    assert "file: ok" in result.output.splitlines()
    text = log_file.read_text()
    assert "flask check-logging" in text
    assert f"WARNING {app.name} [" in readable(text)
    assert "check.py" in text  # where the test record comes from
{%- if cookiecutter.file_rotation == "size" %}


def test_file_rotates_at_max_bytes(tmp_path):
    log_file = tmp_path / "app.log"
    app = file_app(log_file, LOG_FILE_MAX_BYTES=2000, LOG_FILE_BACKUP_COUNT=3)
    with app.app_context():
        for number in range(100):
            app.logger.info("record number %03d", number)
    close_handlers(app)
    rotated = sorted(p.name for p in tmp_path.glob("app.log.*"))
    assert rotated == ["app.log.1", "app.log.2", "app.log.3"]
    # A file rotates once it reaches the limit, so it may pass it by one record.
    longest = max(len(line) + 1 for line in log_file.read_text().splitlines())
    for path in [log_file, *tmp_path.glob("app.log.*")]:
        assert path.stat().st_size < 2000 + longest
    assert "record number 099" in log_file.read_text()
    assert "record number 098" in (log_file.read_text() + rotated_text(tmp_path))


def rotated_text(directory):
    return "".join(p.read_text() for p in directory.glob("app.log.*"))


def test_a_rotation_that_cannot_rename_the_file_is_told_at_most_once_a_minute(
    tmp_path, capsys, monkeypatch
):
    """concurrent-log-handler gives the rotation up in silence when the rename fails
    (here the file is gone): the reason is ours, told at once, then a minute later."""
    now = SimpleNamespace(monotonic=lambda: 100.0)
    monkeypatch.setattr("{{ cookiecutter.package_name }}.log.file.time", now)
    log_file = tmp_path / "app.log"
    app = file_app(log_file)
    handler = handler_named(app, "file")
    logged(app)
    capsys.readouterr()
    warning = f"rotating {log_file} failed (OSError: the file could not be renamed)"
    told = []
    for moment in (100.0, 159.9, 160.0):  # the first, within the minute, a minute on
        now.monotonic = lambda moment=moment: moment
        log_file.unlink(missing_ok=True)  # nothing to rename
        handler.doRollover()
        told.append(readable(capsys.readouterr().err).count(warning))
    assert told == [1, 0, 1]
    checked = app.test_cli_runner().invoke(args=["check-logging"]).output
    assert "file: FAILED: OSError: the file could not be renamed" in checked
    close_handlers(app)


def test_a_rotation_that_fails_after_the_rename_is_told_with_its_own_reason(
    tmp_path, capsys
):
    """The library raises when it cannot put the file in its place: that error is
    the reason told, and the one check-logging gives."""
    log_file = tmp_path / "app.log"
    app = file_app(log_file, LOG_FILE_BACKUP_COUNT=1)
    (tmp_path / "app.log.1" / "in-the-way").mkdir(parents=True)  # not a file
    handler = handler_named(app, "file")
    logged(app)
    capsys.readouterr()
    handler.doRollover()
    err = readable(capsys.readouterr().err)
    where = re.escape(str(log_file))
    assert re.search(rf"rotating {where} failed \(\w+Error: .*app\.log\.1'?\)", err)
    checked = app.test_cli_runner().invoke(args=["check-logging"]).output
    assert re.search(r"file: FAILED: \w+Error: .*app\.log\.1", checked)
    close_handlers(app)
{%- elif cookiecutter.file_rotation == "time" %}


def test_file_rotates_on_schedule(tmp_path):
    """The schedule is LOG_FILE_WHEN's; what happens when it comes is doRollover()."""
    log_file = tmp_path / "app.log"
    app = file_app(log_file, LOG_FILE_WHEN="midnight", LOG_FILE_BACKUP_COUNT=5)
    handler = handler_named(app, "file")
    assert (handler.when, handler.interval, handler.backupCount) == (
        "MIDNIGHT", 24 * 3600, 5
    )  # fmt: skip
    with app.app_context():
        app.logger.info("before the rotation")
        logged(app)
        handler.doRollover()
        app.logger.info("after the rotation")
    close_handlers(app)
    (rotated,) = tmp_path.glob("app.log.*")
    assert "before the rotation" in rotated.read_text()
    assert "after the rotation" not in rotated.read_text()
    assert "after the rotation" in log_file.read_text()


def test_a_rotation_that_cannot_delete_an_old_file_is_told_at_most_once_a_minute(
    tmp_path, capsys, monkeypatch
):
    """The library raises when a file past LOG_FILE_BACKUP_COUNT cannot be deleted
    (here a folder in its place): that error is the reason told, at once, then a
    minute later, and the one check-logging gives."""
    now = SimpleNamespace(monotonic=lambda: 100.0)
    monkeypatch.setattr("{{ cookiecutter.package_name }}.log.file.time", now)
    log_file = tmp_path / "app.log"
    app = file_app(log_file, LOG_FILE_WHEN="midnight", LOG_FILE_BACKUP_COUNT=1)
    (tmp_path / "app.log.2000-01-01").mkdir()  # the oldest, not a file
    handler = handler_named(app, "file")
    logged(app)
    capsys.readouterr()
    where, reason = re.escape(str(log_file)), r"\w+Error: .*app\.log\.2000-01-01'?"
    told = []
    for moment in (100.0, 159.9, 160.0):  # the first, within the minute, a minute on
        now.monotonic = lambda moment=moment: moment
        handler.doRollover()
        err = readable(capsys.readouterr().err)
        told.append(len(re.findall(rf"rotating {where} failed \({reason}\)", err)))
    assert told == [1, 0, 1]
    checked = app.test_cli_runner().invoke(args=["check-logging"]).output
    assert re.search(rf"file: FAILED: {reason}", checked)
    close_handlers(app)


def test_an_unknown_schedule_warns_and_leaves_the_file_out(tmp_path, capsys):
    app = file_app(tmp_path / "app.log", LOG_FILE_WHEN="daily")
    assert handler_named(app, "file") is None
    err = readable(capsys.readouterr().err)
    assert err.count("file logging is off: Invalid rollover interval") == 1
    assert "specified: DAILY" in err
    result = app.test_cli_runner().invoke(args=["check-logging"])
    assert "file: FAILED: Invalid rollover interval specified: DAILY" in result.output
{%- else %}


def test_file_moved_by_logrotate_is_reopened(tmp_path):
    log_file = tmp_path / "app.log"
    app = file_app(log_file)
    with app.app_context():
        app.logger.info("before the move")
        logged(app)
        log_file.rename(tmp_path / "app.log.1")
        app.logger.info("after the move")
    close_handlers(app)
    assert "before the move" in (tmp_path / "app.log.1").read_text()
    assert "after the move" not in (tmp_path / "app.log.1").read_text()
    assert "after the move" in log_file.read_text()


def test_file_never_rotates_in_process(tmp_path):
    log_file = tmp_path / "app.log"
    app = file_app(log_file)
    with app.app_context():
        for _ in range(200):
            app.logger.info("x" * 100)
    close_handlers(app)
    assert list(tmp_path.glob("app.log.*")) == []
{%- endif %}
