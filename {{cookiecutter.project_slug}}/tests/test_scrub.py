"""The one rule for secrets in error reports."""

import time

import pytest

from {{ cookiecutter.package_name }}.log.tracebacks import MAX_TEXT
from {{ cookiecutter.package_name }}.scrub import (
    MARKER,
    is_secret,
    remember_secret_settings,
    scrub_text,
)

from .conftest import failing_app, readable

F = MARKER


@pytest.mark.parametrize(
    ("text", "scrubbed"),
    [
        ("/reset?token=abc123&page=2", "/reset?token=[Filtered]&page=2"),
        ("<Request '/?api_key=k1'>", "<Request '/?api_key=[Filtered]'>"),
        ("{'password': 'hunter2', 'n': 1}", "{'password': [Filtered], 'n': 1}"),
        ('{"csrf_token": "t0k", "n": 1}', '{"csrf_token": [Filtered], "n": 1}'),
        ("User(passwd='a b', id=3)", "User(passwd=[Filtered], id=3)"),
        ("postgresql://app:hunter2@db/orders", "postgresql://app:[Filtered]@db/orders"),
        ("redis://:hunter2@cache:6379/0", "redis://:[Filtered]@cache:6379/0"),
        ("KeyError: 'session'", "KeyError: 'session'"),
        ("nothing secret here=1", "nothing secret here=1"),
        # bytes, as redis and many drivers return them
        ("Login(password=b'hunter2', n=1)", "Login(password=[Filtered], n=1)"),
        ("{b'api_key': b'k-123456'}", "{b'api_key': [Filtered]}"),
        # quotes escaped inside the value, in JSON and in a repr
        ('{"password": "p\\"ss word hunter2"}', '{"password": [Filtered]}'),
        ("{'password': 'it\\'s \"hunter2\" x'}", "{'password': [Filtered]}"),
        ("password='cut short at the limit", "password=[Filtered]"),
        ("secret='one token=two three' n=1", "secret=[Filtered] n=1"),  # one, whole
        # a password holding an @; a query's @ is not the host's
        ("mysql://app:p@ss@db/orders", "mysql://app:[Filtered]@db/orders"),
        ("https://u:pw@host?next=a@b", "https://u:[Filtered]@host?next=a@b"),
    ],
)
def test_text_keeps_everything_but_secret_values(text, scrubbed):
    assert MARKER == "[Filtered]"
    assert scrub_text(text) == scrubbed


def test_the_time_taken_grows_with_the_text_not_its_square():
    """Text made to be read again from each letter (a name that may end anywhere, a
    URL that may have a password) took a second for 20 KiB, in the request."""
    started = time.perf_counter()
    for unit in ["key", "a://:", "'password': '"]:
        scrub_text((unit * MAX_TEXT)[:MAX_TEXT])
    assert time.perf_counter() - started < 0.5  # far above linear, far below square


def test_a_header_in_a_wsgi_environ_is_shown_only_when_public():
    """A frame's `environ` reaches a report as a mapping, or as its repr."""
    environ = {
        "HTTP_X_CUSTOMER": "acme-42",
        "HTTP_ACCEPT_ENCODING": "gzip",
        "HTTP_USER_AGENT": "probe/1.0",
        "PATH_INFO": "/orders",
        "http_client": "kept: not a header",
    }
    assert [name for name in environ if is_secret(name)] == ["HTTP_X_CUSTOMER"]
    shown = environ | {"HTTP_X_CUSTOMER": MARKER}
    assert scrub_text(repr(environ)) == repr(shown).replace(f"'{MARKER}'", MARKER)


def test_names_match_in_any_case_and_anywhere_in_the_name():
    names = ["API_KEY", "X-Auth-Token", "new_password", "pwd", "SessionId", "cookie"]
    names += ["csrf", "card_number", "signature", "aws_credentials", "SECRET"]
    assert all(is_secret(name) for name in names)
    assert not is_secret("user")


def test_a_secret_settings_value_is_replaced_wherever_it_appears():
    remember_secret_settings(
        {
            "STRIPE_SECRET": "sk-live-0123456789",
            "REDIS_PASSWORD": "sk-live-0123",  # inside the one above: replaced after it
            "API_TOKEN": "short",  # too short to tell from ordinary words
            "GITHUB_TOKEN": 20261205,  # FLASK_GITHUB_TOKEN=20261205 is JSON
            "SECRET_KEY": b"bytes-secret-key",
            "GREETING": "hello world",
        }
    )
    assert scrub_text("KeyError: 'sk-live-0123456789'") == f"KeyError: '{F}'"
    assert scrub_text("sk-live-0123 and short") == f"{F} and short"
    assert scrub_text("token 20261205, key bytes-secret-key") == f"token {F}, key {F}"
    assert scrub_text("hello world") == "hello world"


def test_a_secret_setting_holding_another_is_replaced_whole_wherever_it_holds_it():
    """Longest first: a value inside another (here at its end) would leave the rest
    of the longer one showing, were it replaced first."""
    remember_secret_settings(
        {"OUTER_SECRET": "abc-value-xyz-123", "INNER_TOKEN": "value-xyz-123"}
    )
    assert scrub_text("seen: abc-value-xyz-123, value-xyz-123") == f"seen: {F}, {F}"


def test_the_log_never_shows_a_secret_setting_quoted_without_its_name(capsys):
    password = "correct-horse-battery"
    app = failing_app(f"login refused: {password}", REDIS_PASSWORD=password)
    assert app.test_client().get("/boom").status_code == 500
    err = readable(capsys.readouterr().err)
    assert f"RuntimeError: login refused: {F}" in err
    assert password not in err
