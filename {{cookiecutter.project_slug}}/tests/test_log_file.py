"""The log file, with real files in a temporary directory."""

import os

from flask import request

from {{ cookiecutter.package_name }} import create_app

{% if cookiecutter.file_rotation == "time" -%}
from .conftest import PRODUCTION_OVERRIDES, wait_for
{%- else -%}
from .conftest import PRODUCTION_OVERRIDES
{%- endif %}


def file_app(path, **overrides):
    app = create_app(
        "testing", PROPAGATE_EXCEPTIONS=False, LOG_FILE=str(path), **overrides
    )

    @app.route("/boom")
    def boom():
        raise RuntimeError("file test failure")

    return app


def close_handlers(app):
    for handler in app.extensions["log_handlers"]:
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


def test_relative_path_lands_in_the_instance_folder(tmp_path):
    app = create_app("production", **{**PRODUCTION_OVERRIDES, "LOG_FILE": "logs/x.log"})
    close_handlers(app)
    assert os.path.isdir(os.path.join(app.instance_path, "logs"))


def test_default_production_log_file_is_under_the_instance_folder():
    overrides = {k: v for k, v in PRODUCTION_OVERRIDES.items() if k != "LOG_FILE"}
    app = create_app("production", **overrides)
    handler = next(h for h in app.extensions["log_handlers"] if h.name == "file")
    close_handlers(app)
    assert handler.baseFilename.startswith(os.path.join(app.instance_path, "logs"))


def test_unwritable_location_warns_once_and_app_still_works(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    app = file_app(blocker / "logs" / "app.log")
    err = capsys.readouterr().err
    assert err.count("file logging is off") == 1
    assert "file" not in [h.name for h in app.extensions["log_handlers"]]
    assert app.test_client().get("/boom").status_code == 500
    assert "Logging error" not in capsys.readouterr().err


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
    assert "flask check-logging" in log_file.read_text()
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
{%- elif cookiecutter.file_rotation == "time" %}


def test_file_rotates_on_schedule(tmp_path):
    log_file = tmp_path / "app.log"
    app = file_app(log_file, LOG_FILE_WHEN="S", LOG_FILE_BACKUP_COUNT=5)

    def rotated():
        with app.app_context():
            app.logger.info("tick")
        return list(tmp_path.glob("app.log.*"))

    assert wait_for(rotated, timeout=5)
    close_handlers(app)
    assert "tick" in log_file.read_text()
{%- else %}


def test_file_moved_by_logrotate_is_reopened(tmp_path):
    log_file = tmp_path / "app.log"
    app = file_app(log_file)
    with app.app_context():
        app.logger.info("before the move")
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
