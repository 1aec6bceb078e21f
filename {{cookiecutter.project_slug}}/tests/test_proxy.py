"""X-Forwarded-For is believed only from as many proxies as PROXY_FIX_X_FOR says."""

import pytest
from flask import request

from {{ cookiecutter.package_name }} import create_app

from .conftest import handled_records, logged

FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}


def seen_by(app):
    """(remote address in the log record, scheme) of one request with FORWARDED."""
    records = handled_records(app)

    @app.route("/who")
    def who():
        app.logger.warning("who is it")
        return request.scheme

    scheme = app.test_client().get("/who", headers=FORWARDED).get_data(as_text=True)
    logged(app)
    (record,) = [r for r in records if r.getMessage() == "who is it"]
    return record.remote_addr, scheme


def test_forwarded_headers_are_not_trusted_by_default():
    app = create_app("testing")
    assert seen_by(app) == ("127.0.0.1", "http")


def test_one_trusted_proxy_gives_the_client_address_and_scheme():
    app = create_app("testing", PROXY_FIX_X_FOR=1, PROXY_FIX_X_PROTO=1)
    assert seen_by(app) == ("203.0.113.7", "https")


@pytest.mark.parametrize(
    ("x_for", "x_proto", "seen"),
    [(1, 0, ("203.0.113.7", "http")), (0, 1, ("127.0.0.1", "https"))],
)
def test_each_forwarded_header_is_trusted_only_when_set(x_for, x_proto, seen):
    app = create_app("testing", PROXY_FIX_X_FOR=x_for, PROXY_FIX_X_PROTO=x_proto)
    assert seen_by(app) == seen
