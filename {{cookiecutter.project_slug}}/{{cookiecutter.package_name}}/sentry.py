"""Error reports to Sentry, through sentry-sdk's Flask integration."""

import logging
from importlib.metadata import PackageNotFoundError, version
from urllib.parse import urlsplit

import sentry_sdk
from flask import Flask
from sentry_sdk.integrations.flask import FlaskIntegration
from sentry_sdk.integrations.logging import LoggingIntegration

from .request_id import get_request_id

DISTRIBUTION = "{{ cookiecutter.project_slug }}"


def init_sentry(app: Flask) -> None:
    if not app.config["SENTRY_DSN"]:
        return
    sentry_sdk.init(
        dsn=app.config["SENTRY_DSN"],
        environment=app.config["CONFIG_NAME"],
        release=package_version(),
        # Personal data (user ids, IP addresses, cookies) stays at the SDK's
        # default: not sent. Newer SDKs configure this with `data_collection`.
        traces_sample_rate=float(app.config["SENTRY_TRACES_SAMPLE_RATE"] or 0),
        integrations=[
            FlaskIntegration(),
            # ERROR records become events too (a logger.exception() call), and
            # INFO ones breadcrumbs. An unhandled exception is both Flask's logged
            # error and the Flask integration's report: the SDK's dedupe sends it
            # once.
            LoggingIntegration(level=logging.INFO, event_level=logging.ERROR),
        ],
    )
    app.before_request(tag_request_id)
    # For the startup line: where events go, without the DSN's key.
    host = urlsplit(app.config["SENTRY_DSN"]).hostname
    app.extensions["logging"].destinations["sentry"] = host


def tag_request_id() -> None:
    """Let a request id quoted by a user find the Sentry event."""
    sentry_sdk.set_tag("request_id", get_request_id())


def package_version() -> str | None:
    try:
        return f"{DISTRIBUTION}@{version(DISTRIBUTION)}"
    except PackageNotFoundError:
        return None
