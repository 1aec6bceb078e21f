"""Configuration classes, picked by name, then overridden by the instance folder's
config.py, the environment and the caller."""

import os
from collections.abc import Mapping
from typing import Any

from flask import Config as FlaskConfig
from flask import Flask

from .config_values import coerce_settings
from .production_check import DEVELOPMENT_SECRET_KEY, check_production_config


class Config:
    """Settings shared by every environment."""

    PROJECT_NAME = {{ cookiecutter.__project_name_py }}
    SECRET_KEY: str | None = None
    DEBUG = False
    SQLALCHEMY_DATABASE_URI = "sqlite:///{{ cookiecutter.project_slug }}.db"
    # Larger request bodies are refused with 413 before the app reads them whole.
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024

    # Proxies in front of the app whose X-Forwarded-For / -Proto headers are
    # trusted (Werkzeug's ProxyFix). 0 trusts none: the headers could be forged.
    PROXY_FIX_X_FOR = 0
    PROXY_FIX_X_PROTO = 0

    LOG_LEVEL = "INFO"
    LOG_EXTRA_LOGGERS = ["sqlalchemy"]
{%- if cookiecutter.log_format == "json" %}
    # The field names of the JSON lines: native, ecs (Elastic), otel or gcp (Google).
    LOG_SCHEMA = "native"
{%- endif %}
    # Records waiting for the logging thread, in bytes at most; more are dropped,
    # counted and reported. 0: no thread, each record is written as it is logged.
    LOG_QUEUE_BYTES = 8 * 1024 * 1024
{%- if cookiecutter.use_file_handler %}

    # A relative LOG_FILE is taken from the instance folder.
    LOG_FILE: str | None = None
    LOG_FILE_LEVEL = "INFO"
{%- if cookiecutter.file_rotation != "external" %}
    LOG_FILE_BACKUP_COUNT = 10
{%- endif %}
{%- if cookiecutter.file_rotation == "size" %}
    LOG_FILE_MAX_BYTES = 10 * 1024 * 1024
{%- elif cookiecutter.file_rotation == "time" %}
    LOG_FILE_WHEN = "midnight"
{%- endif %}
{%- endif %}
{%- if cookiecutter.use_smtp_handler %}

    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_SENDER: str | None = None  # None: server-error@<this host's name>
    ADMINS = [
{%- for address in cookiecutter.admin_emails.split(",") %}
        "{{ address.strip() }}",
{%- endfor %}
    ]
    MAIL_TIMEOUT = 10.0
    MAIL_THROTTLE_SECONDS = 300.0
    MAIL_EXIT_WAIT = 30.0
{%- endif %}
{%- if cookiecutter.use_syslog_handler %}

    SYSLOG_ADDRESS: str | None = None
    SYSLOG_SOCKTYPE = "udp"
    SYSLOG_FACILITY = "user"
    SYSLOG_TIMEOUT = 5.0
{%- endif %}
{%- if cookiecutter.use_nt_eventlog_handler %}

    NT_EVENTLOG_APPNAME: str | None = None
{%- endif %}
{%- if cookiecutter.use_sentry %}

    SENTRY_DSN: str | None = None
    SENTRY_TRACES_SAMPLE_RATE = 0.0
{%- endif %}


class DevelopmentConfig(Config):
    """Local work: debugger on, everything logged to the console."""

    DEBUG = True
    SECRET_KEY = DEVELOPMENT_SECRET_KEY
    LOG_LEVEL = "DEBUG"
    LOG_QUEUE_BYTES = 0  # each line at once, in order with the server's own


class TestingConfig(Config):
    """The test suite: in-memory database, no handler but the console."""

    TESTING = True
    SECRET_KEY = DEVELOPMENT_SECRET_KEY
    SQLALCHEMY_DATABASE_URI = "sqlite:///:memory:"
    LOG_QUEUE_BYTES = 0  # a test sees what it logged as soon as it is logged
{%- if cookiecutter.use_file_handler or cookiecutter.use_syslog_handler or cookiecutter.use_nt_eventlog_handler %}


class ProductionConfig(Config):
    """Deployment: the handlers that need no further setting are on."""
{%- if cookiecutter.use_file_handler %}

    LOG_FILE = "logs/{{ cookiecutter.project_slug }}.log"
{%- endif %}
{%- if cookiecutter.use_syslog_handler %}

    SYSLOG_ADDRESS = "/dev/log"
{%- endif %}
{%- if cookiecutter.use_nt_eventlog_handler %}

    NT_EVENTLOG_APPNAME = Config.PROJECT_NAME
{%- endif %}
{%- endif %}


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
{%- if cookiecutter.use_file_handler or cookiecutter.use_syslog_handler or cookiecutter.use_nt_eventlog_handler %}
    "production": ProductionConfig,
{%- else %}
    "production": Config,  # the shared settings, as they are
{%- endif %}
}


def load_config(
    app: Flask, config: str | Mapping[str, Any] | None, overrides: dict[str, Any]
) -> None:
    """Fill app.config, then refuse what production must never run.

    config is a configuration's name, or a mapping of settings as in Flask's tutorial
    (create_app({"TESTING": True, ...})): applied like the overrides, it picks the
    testing configuration when its TESTING is true.
    """
    if isinstance(config, Mapping):
        overrides = {**config, **overrides}
        config = "testing" if config.get("TESTING") else None
    fill_config(app.config, config, overrides)
    if app.config["CONFIG_NAME"] == "production":
        check_production_config(app.config)


def settings_for(config_name: str | None = None) -> FlaskConfig:
    """The settings create_app(config_name) would use, without creating the app.

    gunicorn.conf.py reads them, before any worker exists. A bare Flask object finds
    the instance folder as create_app's does.
    """
    settings = Flask(__name__, instance_relative_config=True).config
    fill_config(settings, config_name)
    return settings


def fill_config(
    config: FlaskConfig,
    config_name: str | None,
    overrides: dict[str, Any] | None = None,
) -> None:
    """Load, each over the last: the class by name, the instance folder's config.py,
    the FLASK_* variables, the overrides.

    Without a name, FLASK_CONFIG names the class, and without that, production.
    """
    name = config_name or os.environ.get("FLASK_CONFIG") or "production"
    if name not in CONFIGS:
        valid = ", ".join(sorted(CONFIGS))
        raise ValueError(f"Unknown configuration {name!r}; valid names: {valid}.")
    config.from_object(CONFIGS[name])
    config.from_pyfile("config.py", silent=True)
    config.from_prefixed_env()
    config.update(overrides or {})
    config["CONFIG_NAME"] = name
    coerce_settings(config, CONFIGS[name])
