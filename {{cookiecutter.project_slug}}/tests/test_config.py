import json
import logging
import re
import secrets
import threading
from datetime import timedelta

import pytest
{%- if cookiecutter.use_sentry %}
import sentry_sdk
{%- endif %}
from flask import send_file, session

from {{ cookiecutter.package_name }} import create_app
from {{ cookiecutter.package_name }}.config import Config, settings_for
from {{ cookiecutter.package_name }}.config_values import read_number
from {{ cookiecutter.package_name }}.production_check import DEVELOPMENT_SECRET_KEY

from .conftest import PRODUCTION_OVERRIDES, logged, readable
{%- if cookiecutter.use_sentry %}
from .peers import free_port
{%- endif %}


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


def test_a_mapping_with_testing_picks_testing_as_in_flasks_tutorial(tmp_path):
    database = str(tmp_path / "app.sqlite")
    app = create_app({"TESTING": True, "DATABASE": database}, LOG_LEVEL="ERROR")
    assert app.config["CONFIG_NAME"] == "testing"
    assert app.testing is True
    assert app.config["DATABASE"] == database
    assert app.config["LOG_LEVEL"] == "ERROR"  # keywords still override


def test_any_other_mapping_picks_as_if_no_name_were_given(monkeypatch):
    monkeypatch.setenv("FLASK_CONFIG", "development")
    app = create_app({"TESTING": False, "GREETING": "hello"})
    assert app.config["CONFIG_NAME"] == "development"
    assert app.config["GREETING"] == "hello"


def test_settings_come_from_class_instance_file_environment_caller(
    instance_folder, monkeypatch
):
    instance_folder.mkdir()
    (instance_folder / "config.py").write_text(
        'LOG_LEVEL = "WARNING"\nPROXY_FIX_X_FOR = 1\nPROXY_FIX_X_PROTO = 1\n'
    )
    monkeypatch.setenv("FLASK_PROXY_FIX_X_FOR", "2")
    monkeypatch.setenv("FLASK_PROXY_FIX_X_PROTO", "2")
    config = create_app("testing", PROXY_FIX_X_PROTO=3).config
    assert config["LOG_LEVEL"] == "WARNING"  # the instance file over the class
    assert config["PROXY_FIX_X_FOR"] == 2  # the environment over the file
    assert config["PROXY_FIX_X_PROTO"] == 3  # the caller over everything
    # gunicorn.conf.py reads the same sources.
    assert settings_for("testing")["LOG_LEVEL"] == "WARNING"
    assert settings_for("development")["CONFIG_NAME"] == "development"


def test_production_takes_its_secret_key_from_the_instance_folder(instance_folder):
    key = secrets.token_hex()
    instance_folder.mkdir()
    (instance_folder / "config.py").write_text(f"SECRET_KEY = {key!r}\n")
    overrides = {k: v for k, v in PRODUCTION_OVERRIDES.items() if k != "SECRET_KEY"}
    assert create_app("production", **overrides).config["SECRET_KEY"] == key


def test_production_is_the_default_and_needs_a_secret_key():
    said = (
        "SECRET_KEY is unset, shorter than 32 characters, made of fewer than 10 "
        "different characters or a development value: set FLASK_SECRET_KEY, or "
        "SECRET_KEY in the instance folder's config.py, to a long random value before "
        "starting in production, for example the output of "
        '`python -c "import secrets; print(secrets.token_hex())"`.'
    )
    with pytest.raises(RuntimeError, match=f"^{re.escape(said)}$"):
        create_app()


@pytest.mark.parametrize(
    "key",
    [
        None, "", "x", "abc", "changeme", "a" * 31, DEVELOPMENT_SECRET_KEY, 12345,
        " " * 32, "a" * 32, b"a" * 40, "changeme" * 4, "012345678" * 4,
        DEVELOPMENT_SECRET_KEY.upper(), f"  {DEVELOPMENT_SECRET_KEY} ",
    ],
    ids=repr,  # no backslash in the ids: each test can be named on a command line
)  # fmt: skip
def test_production_refuses_a_missing_short_weak_or_development_secret_key(key):
    overrides = {**PRODUCTION_OVERRIDES, "SECRET_KEY": key}
    with pytest.raises(RuntimeError, match="SECRET_KEY") as refused:
        create_app("production", **overrides)
    # The message says how to make a good one.
    assert 'python -c "import secrets; print(secrets.token_hex())"' in str(
        refused.value
    )


@pytest.mark.parametrize(
    "make_key", [secrets.token_hex, secrets.token_urlsafe, secrets.token_bytes]
)
def test_production_accepts_a_random_secret_key(make_key):
    key = make_key(32)
    app = create_app("production", **{**PRODUCTION_OVERRIDES, "SECRET_KEY": key})
    assert app.config["SECRET_KEY"] == key


def test_a_weak_secret_key_names_the_variable_that_set_it(monkeypatch):
    overrides = {k: v for k, v in PRODUCTION_OVERRIDES.items() if k != "SECRET_KEY"}
    monkeypatch.setenv("FLASK_SECRET_KEY", "changeme")
    named = "value (set by the environment variable FLASK_SECRET_KEY): set"
    with pytest.raises(RuntimeError, match=re.escape(named)):
        create_app("production", **overrides)


def test_production_accepts_a_key_of_ten_different_characters():
    key = "0123456789" * 4
    app = create_app("production", **{**PRODUCTION_OVERRIDES, "SECRET_KEY": key})
    assert app.config["SECRET_KEY"] == key


def test_production_refuses_debug():
    said = (
        "DEBUG is on: production never runs with the debugger. Turn it off, or use "
        "FLASK_CONFIG=development."
    )
    with pytest.raises(RuntimeError, match=f"^{re.escape(said)}$"):
        create_app("production", **PRODUCTION_OVERRIDES, DEBUG=True)


# " no " too: Flask's command line turns the debugger on for it.
@pytest.mark.parametrize("value", ["1", "true", "yes", "on", " no "])
def test_production_refuses_debug_from_environment(monkeypatch, value):
    monkeypatch.setenv("FLASK_DEBUG", value)
    with pytest.raises(RuntimeError, match="DEBUG"):
        create_app("production", **PRODUCTION_OVERRIDES)


@pytest.mark.parametrize("key", ["TESTING", "PROPAGATE_EXCEPTIONS"])
def test_production_refuses_what_turns_error_handling_off(monkeypatch, key):
    """Either sends unhandled errors past the app's handler: no page, no log."""
    with pytest.raises(RuntimeError, match=f"^{key} is on: unhandled errors"):
        create_app("production", **PRODUCTION_OVERRIDES, **{key: True})
    monkeypatch.setenv(f"FLASK_{key}", "true")
    variable = f"set by the environment variable FLASK_{key}"
    with pytest.raises(RuntimeError, match=variable):
        create_app("production", **PRODUCTION_OVERRIDES)


def test_a_refusal_caused_by_dotenv_names_it(monkeypatch, tmp_path):
    """A checkout with a developer's .env, run in production: flask commands load
    .env into the environment, as this test does by hand."""
    (tmp_path / ".env").write_text("FLASK_DEBUG=yes\n")  # the project's .env has 1
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FLASK_DEBUG", "yes")
    named = re.escape(f"set by FLASK_DEBUG in {tmp_path / '.env'}")
    with pytest.raises(RuntimeError, match=named):
        create_app("production", **PRODUCTION_OVERRIDES)


@pytest.mark.parametrize("value", ["0", "false", "no", "No", ""])
def test_debug_off_is_read_as_flask_reads_it(monkeypatch, value):
    monkeypatch.setenv("FLASK_DEBUG", value)
    app = create_app("production", **PRODUCTION_OVERRIDES)
    assert app.debug is False


@pytest.mark.parametrize(("value", "expected"), [("no", False), ("yes", True)])
def test_every_switch_reads_text_as_flask_reads_flask_debug(
    monkeypatch, value, expected
):
    switches = [key for key in dir(Config) if isinstance(getattr(Config, key), bool)]
    for key in switches:
        monkeypatch.setenv(f"FLASK_{key}", value)
    config = create_app("development").config
    assert {key: config[key] for key in switches} == dict.fromkeys(switches, expected)


def test_flasks_own_switches_read_text_as_flask_reads_flask_debug(monkeypatch):
    """As text, "no" would be on: production would refuse TESTING, and Flask would
    send a session cookie that scripts can read (and so on)."""
    switches = [
        "TESTING",
        "SESSION_COOKIE_HTTPONLY",
        # Their default, None, lets DEBUG or TESTING decide.
        "PROPAGATE_EXCEPTIONS",
        "TRAP_BAD_REQUEST_ERRORS",
        "TEMPLATES_AUTO_RELOAD",
    ]
    for key in switches:
        monkeypatch.setenv(f"FLASK_{key}", "no")
    config = create_app("production", **PRODUCTION_OVERRIDES).config
    assert {key: config[key] for key in switches} == dict.fromkeys(switches, False)


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


def test_a_list_may_be_text_with_commas(monkeypatch):
    """FLASK_LOG_EXTRA_LOGGERS=sqlalchemy is not JSON: Flask keeps it as text."""
    monkeypatch.setenv("FLASK_LOG_EXTRA_LOGGERS", "sqlalchemy, urllib3,")
    app = create_app("testing")
    assert app.config["LOG_EXTRA_LOGGERS"] == ["sqlalchemy", "urllib3"]
    assert app.extensions["logging"].queue in logging.getLogger("urllib3").handlers


def test_flasks_own_lists_may_be_text_with_commas(monkeypatch):
    """Left as text, FLASK_TRUSTED_HOSTS=example.com trusts no host at all."""
    monkeypatch.setenv("FLASK_TRUSTED_HOSTS", "example.com, www.example.com")
    client = create_app("testing").test_client()
    assert client.get("/livez", base_url="http://www.example.com").status_code == 200
    assert client.get("/livez", base_url="http://evil.example").status_code == 400


def signed_session(secret_key):
    """A session cookie saying user=admin, signed with secret_key."""
    app = create_app("testing", SECRET_KEY=secret_key)
    return app.session_interface.get_signing_serializer(app).dumps({"user": "admin"})


def test_old_secret_keys_are_text_with_commas_never_single_characters(monkeypatch):
    """Left as text, each character of FLASK_SECRET_KEY_FALLBACKS is a key that
    signs sessions: anyone could forge one with the key "o"."""
    old_keys = [secrets.token_hex(), secrets.token_hex()]
    monkeypatch.setenv("FLASK_SECRET_KEY_FALLBACKS", ",".join(old_keys))
    app = create_app("testing")
    app.add_url_rule("/who", "who", lambda: session.get("user", "nobody"))
    client = app.test_client()
    client.set_cookie("session", signed_session(old_keys[1]))
    assert client.get("/who").text == "admin"
    client.set_cookie("session", signed_session(old_keys[0][0]))
    assert client.get("/who").text == "nobody"


def test_production_refuses_a_weak_old_secret_key(monkeypatch):
    monkeypatch.setenv("FLASK_SECRET_KEY_FALLBACKS", f"{secrets.token_hex()},changeme")
    said = (
        "SECRET_KEY_FALLBACKS holds a key shorter than 32 characters, made of fewer "
        "than 10 different characters or a development value (set by the environment "
        "variable FLASK_SECRET_KEY_FALLBACKS): a session signed with any old key is "
        "still accepted. Remove that key (separate keys with commas in text)."
    )
    with pytest.raises(RuntimeError, match=f"^{re.escape(said)}$"):
        create_app("production", **PRODUCTION_OVERRIDES)
    monkeypatch.setenv("FLASK_SECRET_KEY_FALLBACKS", secrets.token_hex())
    create_app("production", **PRODUCTION_OVERRIDES)


def test_overrides_beat_environment(monkeypatch):
    monkeypatch.setenv("FLASK_LOG_LEVEL", "WARNING")
    assert create_app("testing", LOG_LEVEL="ERROR").config["LOG_LEVEL"] == "ERROR"


def test_a_level_is_read_in_any_case_and_a_number_written_as_text(monkeypatch):
    monkeypatch.setenv("FLASK_LOG_LEVEL", " warning")
    app = create_app("testing", LOG_QUEUE_BYTES="1e6")
    assert app.config["LOG_LEVEL"] == "WARNING"
    assert app.logger.level == logging.WARNING
    assert app.config["LOG_QUEUE_BYTES"] == 1_000_000
    assert type(app.config["LOG_QUEUE_BYTES"]) is int


@pytest.mark.parametrize(
    ("variable", "value", "answer"),
    [
        ("FLASK_LOG_LEVEL", "verbose", "use DEBUG, INFO, WARNING, ERROR or CRITICAL."),
        ("FLASK_PROXY_FIX_X_FOR", "", "use a number, such as 0."),
        ("FLASK_MAX_CONTENT_LENGTH", "16MB", "use a number, such as 16777216."),
        ("FLASK_LOG_QUEUE_BYTES", "inf", "use a number, such as 0."),  # testing: 0
        ("FLASK_MAX_FORM_PARTS", "many", "use a number, such as 1000."),  # Flask's
        ("FLASK_PERMANENT_SESSION_LIFETIME", "1h", "use a number, such as 2678400."),
        ("FLASK_SEND_FILE_MAX_AGE_DEFAULT", "1h", "use a number, such as 3600."),
    ],
)
def test_a_value_the_app_cannot_use_is_refused_with_a_valid_one(
    monkeypatch, variable, value, answer
):
    monkeypatch.setenv(variable, value)
    key = variable.removeprefix("FLASK_")
    said = f"{key} is {value!r} (set by the environment variable {variable}): {answer}"
    with pytest.raises(ValueError, match=f"^{re.escape(said)}$"):
        create_app("testing")


@pytest.mark.parametrize(
    ("variable", "value", "answer"),
    [
        ("FLASK_LOG_LEVEL", "true", "use DEBUG, INFO, WARNING, ERROR or CRITICAL."),
        ("FLASK_LOG_LEVEL", "null", "use DEBUG, INFO, WARNING, ERROR or CRITICAL."),
        ("FLASK_PROXY_FIX_X_FOR", "true", "use a number, such as 0."),
        ("FLASK_PROXY_FIX_X_PROTO", "-1", "use a number, such as 0."),
        ("FLASK_MAX_CONTENT_LENGTH", "[16]", "use a number, such as 16777216."),
        ("FLASK_PROXY_FIX_X_FOR", "null", "use a number, such as 0."),
        ("FLASK_PROXY_FIX_X_FOR", "1.5", "use a whole number, such as 0."),
        ("FLASK_TRUSTED_HOSTS", "5", "use text with commas between."),
        ("FLASK_LOG_EXTRA_LOGGERS", "null", "use text with commas between, such as "
         "'sqlalchemy'."),
    ],
)  # fmt: skip
def test_json_of_the_wrong_kind_is_refused_with_a_valid_value(
    monkeypatch, variable, value, answer
):
    """Flask reads these as JSON: true is a number to Python (1), and null a level
    (0, so every record); -1 proxies or [16] bytes fail later, or never."""
    monkeypatch.setenv(variable, value)
    key = variable.removeprefix("FLASK_")
    shown = repr(json.loads(value))
    said = f"{key} is {shown} (set by the environment variable {variable}): {answer}"
    with pytest.raises(ValueError, match=f"^{re.escape(said)}$"):
        create_app("testing")


def test_a_list_refused_shows_its_default_written_with_commas(monkeypatch):
    monkeypatch.setattr(Config, "LOG_EXTRA_LOGGERS", ["sqlalchemy", "urllib3"])
    said = "LOG_EXTRA_LOGGERS is 5: use text with commas between, such as "
    with pytest.raises(ValueError, match=re.escape(f"{said}'sqlalchemy,urllib3'.")):
        create_app("testing", LOG_EXTRA_LOGGERS=5)


def test_a_level_may_be_given_as_its_number(monkeypatch):
    monkeypatch.setenv("FLASK_LOG_LEVEL", "30")  # JSON: the number 30
    app = create_app("testing")
    assert app.config["LOG_LEVEL"] == logging.WARNING
    assert app.logger.level == logging.WARNING


def test_no_limit_is_none_as_in_flask():
    app = create_app("testing", MAX_CONTENT_LENGTH=None)
    assert app.config["MAX_CONTENT_LENGTH"] is None


@pytest.mark.parametrize(
    ("key", "value", "read"),
    [
        ("CONNECT_TIMEOUT", "0.5", 0.5),
        ("CONNECT_TIMEOUT", 2.0, 2),
        ("QUEUE_BYTES", 0, 0),
    ],
)
def test_a_number_is_read_as_it_is_or_from_text(key, value, read):
    assert read_number(key, value, 1.0) == read
    assert type(read_number(key, value, 1.0)) is type(read)


def test_a_count_is_a_whole_number_and_a_duration_is_in_seconds():
    app = create_app(
        "testing", PROXY_FIX_X_FOR="2.0", PERMANENT_SESSION_LIFETIME="3600"
    )
    assert app.config["PROXY_FIX_X_FOR"] == 2
    assert app.permanent_session_lifetime == timedelta(hours=1)


def test_a_file_sent_is_cached_for_the_seconds_given_as_text(tmp_path):
    """As text, Flask's SEND_FILE_MAX_AGE_DEFAULT failed every file sent, static
    files too."""
    app = create_app("testing", SEND_FILE_MAX_AGE_DEFAULT="600")
    (tmp_path / "notes.txt").write_text("notes")
    app.add_url_rule("/notes", "notes", lambda: send_file(tmp_path / "notes.txt"))
    response = app.test_client().get("/notes")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=600"


@pytest.mark.parametrize("value", ["100", 1.5, -0.1, "inf"])
def test_a_rate_is_a_share_from_0_to_1(value):
    """A rate of 100, meant as a percentage, would be taken for none at all."""
    said = f"^SAMPLE_RATE is {value!r}: use a number from 0 to 1, such as 0.1.$"
    with pytest.raises(ValueError, match=said):
        read_number("SAMPLE_RATE", value, 0.1)
    assert read_number("SAMPLE_RATE", "1", 0.1) == 1


@pytest.mark.parametrize("value", [0, "0", -1])
def test_a_timeout_of_zero_is_refused(value):
    """A socket timeout of 0 makes every connection fail at once."""
    said = f"^CONNECT_TIMEOUT is {value!r}: use a number, such as 5.$"
    with pytest.raises(ValueError, match=said):
        read_number("CONNECT_TIMEOUT", value, 5)


def test_testing_uses_in_memory_sqlite(app):
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///:memory:"


def test_create_app_twice_adds_no_handler_and_logs_each_line_once(capsys):
    first = create_app("testing")
    count = len(first.logger.handlers)
    second = create_app("testing")
    assert len(second.logger.handlers) == count
    assert second.extensions["logging"] is first.extensions["logging"]
    second.logger.warning("logged exactly once")
    logged(second)
    assert capsys.readouterr().err.count("logged exactly once") == 1


def test_app_logger_does_not_repeat_through_root(production_app):
    assert production_app.logger.propagate is False


def test_caplog_sees_what_the_app_logs_once(app, caplog, capsys):
    with caplog.at_level(logging.INFO), app.app_context():
        app.logger.warning("seen by caplog")
        logging.getLogger("sqlalchemy").warning("a library's record")
    messages = [record.getMessage() for record in caplog.records]
    assert messages == ["seen by caplog", "a library's record"]
    logged(app)
    assert capsys.readouterr().err.count("seen by caplog") == 1  # the console's line


def test_check_logging_reports_each_handler(app):
    result = app.test_cli_runner().invoke(args=["check-logging"])
    assert result.exit_code == 0
    assert result.output.splitlines()[-1] == "console: ok"
    assert "Test record from `flask check-logging`" in result.output  # on stderr


def test_production_says_where_it_logs_and_keeps_secrets(capsys, tmp_path):
    overrides = {
        **PRODUCTION_OVERRIDES,
{%- if cookiecutter.use_file_handler %}
        "LOG_FILE": str(tmp_path / "app.log"),
{%- endif %}
{%- if cookiecutter.use_smtp_handler %}
        "MAIL_SERVER": "smtp.example.com",
        "MAIL_PORT": 587,
        "MAIL_USERNAME": "mailer",
        "MAIL_PASSWORD": "s3cret-mail-password",
        "ADMINS": ["ops@example.com", "dev@example.com"],
{%- endif %}
{%- if cookiecutter.use_sentry %}
        # Nothing listens there: no event may leave this machine.
        "SENTRY_DSN": f"http://publickey123@127.0.0.1:{free_port()}/42",
{%- endif %}
    }
    app = create_app("production", **overrides)
{%- if cookiecutter.use_sentry %}
    sentry_sdk.init()  # no DSN: later tests send nothing
{%- endif %}
    logged(app)
    err = readable(capsys.readouterr().err)
    assert err.count(" started in production; logging to ") == 1
    line = next(line for line in err.splitlines() if "started in production" in line)
    assert f"{app.name} started in production; logging to console (stderr)" in line
{%- if cookiecutter.use_file_handler %}
    assert f"file ({tmp_path / 'app.log'})" in line
{%- endif %}
{%- if cookiecutter.use_smtp_handler %}
    assert "mail (smtp.example.com:587, to ops@example.com, dev@example.com)" in line
    assert "s3cret-mail-password" not in err
{%- endif %}
{%- if cookiecutter.use_sentry %}
    assert "sentry (127.0.0.1)" in line
    assert "publickey123" not in err
{%- endif %}


class HandledWhere(logging.Handler):
    """Keeps each record's message with the thread that handled it."""

    def __init__(self):
        super().__init__()
        self.handled = []

    def emit(self, record):
        self.handled.append((record.getMessage(), threading.current_thread()))


def test_development_writes_debug_records_at_once(capsys):
    """Development shows everything, each line written by the logging call itself:
    no logging thread holds it back, and it comes in order with the server's own."""
    app = create_app("development")
    where = HandledWhere()
    targets = app.extensions["logging"].queue.targets
    targets.append(where)
    try:
        app.logger.debug("a detail for the developer")
    finally:
        targets.remove(where)
    handled = ("a detail for the developer", threading.current_thread())
    assert where.handled == [handled]
    lines = readable(capsys.readouterr().err).splitlines()
    (line,) = [line for line in lines if "a detail for the developer" in line]
    assert "DEBUG" in line


def test_production_logs_from_info_up(capsys):
    """Debugging details stay out of the production log; the app's news goes in."""
    app = create_app("production", **PRODUCTION_OVERRIDES)
    app.logger.debug("a detail for the developer")
    app.logger.info("an order was placed")
    logged(app)
    err = readable(capsys.readouterr().err)
    assert "an order was placed" in err
    assert "a detail for the developer" not in err


def test_other_configurations_log_no_startup_line(capsys):
    create_app("development")
    create_app("testing")
    assert "started in" not in capsys.readouterr().err
