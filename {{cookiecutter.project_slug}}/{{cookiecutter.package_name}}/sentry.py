"""Error reports to Sentry, through sentry-sdk's Flask integration."""

import logging
import os
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from typing import Any
from urllib.parse import urlsplit

import sentry_sdk
from flask import Flask
from sentry_sdk.integrations.flask import FlaskIntegration
from sentry_sdk.integrations.logging import LoggingIntegration

from .log.tracebacks import MAX_MESSAGE
from .request_id import get_request_id
from .scrub import MARKER, PUBLIC_HEADERS, is_secret, scrub_text
{%- if cookiecutter.use_opentelemetry %}
from .tracing.ids import current_ids
{%- endif %}

DISTRIBUTION = "{{ cookiecutter.project_slug }}"
# Parts of an event that name installed packages and the SDK: never a secret, and
# scrubbing would hide the version of a package named like one (pytest-cookies).
PACKAGE_PARTS = {"modules", "sdk"}


def init_sentry(app: Flask) -> None:
    dsn = sentry_dsn(app)
    if not dsn:
        return
    sentry_sdk.init(
        dsn=dsn,
        environment=app.config["CONFIG_NAME"],
        release=package_version(),
        # Personal data (user ids, IP addresses, cookies) stays at the SDK's
        # default: not sent. Newer SDKs configure this with `data_collection`.
        # Request bodies are never sent, and every event is scrubbed (scrub.py): the
        # SDK's own scrubber only knows a list of exact names.
        max_request_body_size="never",
        # Text in an event is cut where the log cuts a message: newer SDKs send it
        # whole, a 10 MB exception message three times over.
        max_value_length=MAX_MESSAGE,
        before_send=scrub_event,
        before_send_transaction=scrub_event,
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
    host = urlsplit(dsn).hostname
    app.extensions["logging"].destinations["sentry"] = host


def sentry_dsn(app: Flask) -> str | None:
    """SENTRY_DSN, else in production the SDK's own SENTRY_DSN variable, as its
    documentation says. Development and testing send nothing unless told to."""
    dsn: str | None = app.config["SENTRY_DSN"]
    if not dsn and app.config["CONFIG_NAME"] == "production":
        return os.environ.get("SENTRY_DSN")
    return dsn


def tag_request_id() -> None:
{%- if cookiecutter.use_opentelemetry %}
    """Let a request id quoted by a user, or a trace, find the Sentry event."""
    sentry_sdk.set_tag("request_id", get_request_id())
    trace_id, span_id = current_ids()
    sentry_sdk.set_tag("trace_id", trace_id)
    sentry_sdk.set_tag("span_id", span_id)
{%- else %}
    """Let a request id quoted by a user find the Sentry event."""
    sentry_sdk.set_tag("request_id", get_request_id())
{%- endif %}


def scrub_event(event: Any, hint: Any) -> Any:
    """The event without secrets: its headers but the public ones, and every value
    whose name is secret (query string, frame variables, breadcrumbs...)."""
    headers = event.get("request", {}).get("headers")
    if headers:
        event["request"]["headers"] = scrub_headers(headers)
    return {
        part: value if part in PACKAGE_PARTS else scrub(value)
        for part, value in event.items()
    }


def scrub(value: Any) -> Any:
    """value, with every secret in it replaced (scrub.py's rule): mappings by their
    keys, text by scrub_text, lists and tuples item by item. A new object; value is
    unchanged."""
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, Mapping):
        return {
            key: MARKER if is_secret(str(key)) else scrub(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [scrub(item) for item in value]
    return value


def scrub_headers(headers: Mapping[str, Any]) -> dict[str, Any]:
    """Headers as a report may show them: only PUBLIC_HEADERS keep their value."""
    return {
        name: scrub(value) if name.lower() in PUBLIC_HEADERS else MARKER
        for name, value in headers.items()
    }


def package_version() -> str | None:
    try:
        return f"{DISTRIBUTION}@{version(DISTRIBUTION)}"
    except PackageNotFoundError:
        return None
