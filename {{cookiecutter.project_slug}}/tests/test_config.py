import pytest
from markupsafe import escape

from {{ cookiecutter.package_name }} import create_app
from {{ cookiecutter.package_name }}.config import DEVELOPMENT_SECRET_KEY

from .conftest import PRODUCTION_OVERRIDES


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """The developer's own FLASK_* variables must not decide these tests."""
    for name in ("FLASK_CONFIG", "FLASK_DEBUG", "FLASK_SECRET_KEY", "FLASK_LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("name", "debug", "testing"),
    [
        ("development", True, False),
        ("testing", False, True),
        ("production", False, False),
    ],
)
def test_config_selected_by_name(name, debug, testing):
    overrides = PRODUCTION_OVERRIDES if name == "production" else {}
    app = create_app(name, **overrides)
    assert app.config["CONFIG_NAME"] == name
    assert app.debug is debug
    assert app.testing is testing


def test_config_selected_by_environment(monkeypatch):
    monkeypatch.setenv("FLASK_CONFIG", "development")
    app = create_app()
    assert app.config["CONFIG_NAME"] == "development"
    assert app.debug is True


def test_explicit_name_beats_environment(monkeypatch):
    monkeypatch.setenv("FLASK_CONFIG", "development")
    assert create_app("testing").config["CONFIG_NAME"] == "testing"


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="development, production, testing"):
        create_app("staging")


def test_production_is_the_default_and_needs_a_secret_key():
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


@pytest.mark.parametrize("key", [None, "", "dev", DEVELOPMENT_SECRET_KEY])
def test_production_refuses_missing_or_development_secret_key(key):
    overrides = {**PRODUCTION_OVERRIDES, "SECRET_KEY": key}
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", **overrides)


def test_production_refuses_debug():
    with pytest.raises(RuntimeError, match="DEBUG"):
        create_app("production", **PRODUCTION_OVERRIDES, DEBUG=True)


def test_production_refuses_debug_from_environment(monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    with pytest.raises(RuntimeError, match="DEBUG"):
        create_app("production", **PRODUCTION_OVERRIDES)


def test_production_accepts_secret_key_from_environment(monkeypatch):
    overrides = {k: v for k, v in PRODUCTION_OVERRIDES.items() if k != "SECRET_KEY"}
    monkeypatch.setenv("FLASK_SECRET_KEY", "from-the-environment-0123456789abcdef")
    app = create_app("production", **overrides)
    assert app.config["SECRET_KEY"] == "from-the-environment-0123456789abcdef"


def test_environment_values_are_parsed_as_json(monkeypatch):
    monkeypatch.setenv("FLASK_LOG_EXTRA_LOGGERS", '["sqlalchemy", "urllib3"]')
    monkeypatch.setenv("FLASK_SQLALCHEMY_RECORD_QUERIES", "true")
    monkeypatch.setenv("FLASK_LOG_LEVEL", "WARNING")
    app = create_app("testing")
    assert app.config["LOG_EXTRA_LOGGERS"] == ["sqlalchemy", "urllib3"]
    assert app.config["SQLALCHEMY_RECORD_QUERIES"] is True
    assert app.config["LOG_LEVEL"] == "WARNING"
    assert app.logger.level == 30


def test_overrides_beat_environment(monkeypatch):
    monkeypatch.setenv("FLASK_LOG_LEVEL", "WARNING")
    assert create_app("testing", LOG_LEVEL="ERROR").config["LOG_LEVEL"] == "ERROR"


def test_testing_uses_in_memory_sqlite(app):
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///:memory:"


def test_create_app_twice_adds_no_handler_and_logs_each_line_once(capsys):
    first = create_app("testing")
    count = len(first.logger.handlers)
    second = create_app("testing")
    assert len(second.logger.handlers) == count
    second.logger.warning("logged exactly once")
    assert capsys.readouterr().err.count("logged exactly once") == 1


def test_app_logger_does_not_repeat_through_root(app):
    assert app.logger.propagate is False


def test_index_shows_project_name(client, app):
    response = client.get("/")
    assert response.status_code == 200
    assert str(escape(app.config["PROJECT_NAME"])) in response.get_data(as_text=True)


def test_check_logging_reports_each_handler(app):
    result = app.test_cli_runner().invoke(args=["check-logging"])
    assert result.exit_code == 0
    assert result.output.splitlines()[-1] == "console: ok"
    assert "Test record from `flask check-logging`" in result.output  # on stderr
