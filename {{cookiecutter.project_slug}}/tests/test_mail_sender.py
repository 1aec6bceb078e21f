"""The error mail sender needs a full domain."""

import pytest

from {{ cookiecutter.package_name }} import create_app
from {{ cookiecutter.package_name }}.mail_sender import warn_once

from .conftest import PRODUCTION_OVERRIDES

FULL = PRODUCTION_OVERRIDES | {"MAIL_SERVER": "127.0.0.1"}


@pytest.fixture(autouse=True)
def forget_warnings():
    warn_once.cache_clear()


@pytest.mark.parametrize("sender", ["server-error@web1", "ops@localhost", "x@web1."])
def test_production_warns_once_about_a_sender_without_a_full_domain(capsys, sender):
    create_app("production", **FULL, MAIL_SENDER=sender)
    create_app("production", **FULL, MAIL_SENDER=sender)
    err = capsys.readouterr().err
    assert err.count(f"the error mail sender {sender} has no full domain") == 1
    assert "set FLASK_MAIL_SENDER" in err


def test_the_default_sender_is_checked_too(capsys, monkeypatch):
    monkeypatch.setattr("socket.gethostname", lambda: "web1")
    create_app("production", **FULL)
    assert "server-error@web1 has no full domain" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("config", "settings"),
    [
        ("production", {"MAIL_SENDER": "server-error@app.example.com"}),
        ("production", {"MAIL_SENDER": "server-error@web1", "MAIL_SERVER": None}),
        ("development", {"MAIL_SENDER": "server-error@web1"}),
    ],
)
def test_no_warning_otherwise(capsys, config, settings):
    overrides = FULL if config == "production" else {"MAIL_SERVER": "127.0.0.1"}
    create_app(config, **overrides | settings)
    assert "no full domain" not in capsys.readouterr().err
