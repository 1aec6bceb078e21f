import os
import re
import sys

import pytest
from werkzeug.test import EnvironBuilder

from {{ cookiecutter.package_name }}.request_id import (
    RequestIdMiddleware,
    get_request_id,
    new_request_id,
)

GENERATED_ID = re.compile(r"[0-9a-f]{32}")
OK = "/_test/ok"


@pytest.fixture
def client(app):
    @app.route(OK)
    def ok_for_request_ids():
        return "ok"

    return app.test_client()


@pytest.mark.parametrize(
    "incoming",
    ["abc-123", "A.b_C-9", "x" * 128, "0f8fad5b-d9cb-469f-a165-70867728950e"],
)
def test_well_formed_incoming_id_is_kept(client, incoming):
    response = client.get(OK, headers={"X-Request-ID": incoming})
    assert response.headers["X-Request-ID"] == incoming


@pytest.mark.parametrize(
    "incoming",
    [
        "",
        "x" * 129,
        "has space",
        "semi;colon",
        "<script>",
        "line\\nbreak",
        "é",
        "-",
        "._",
    ],
    ids=["empty", "too-long", "space", "semicolon", "markup", "backslash",
         "non-ascii", "dash", "no-letter-or-digit"],
)  # fmt: skip
def test_malformed_incoming_id_is_replaced(client, incoming):
    response = client.get(OK, headers={"X-Request-ID": incoming})
    assert GENERATED_ID.fullmatch(response.headers["X-Request-ID"])


def test_every_response_gets_its_own_id(client):
    first = client.get(OK).headers["X-Request-ID"]
    second = client.get("/_test/no-such-page").headers["X-Request-ID"]
    assert GENERATED_ID.fullmatch(first)
    assert GENERATED_ID.fullmatch(second)
    assert first != second


def test_id_is_fresh_when_an_app_context_spans_requests(app, client):
    with app.app_context():
        first = client.get(OK).headers["X-Request-ID"]
        second = client.get(OK).headers["X-Request-ID"]
    assert first != second


def test_outside_a_request_the_id_is_a_dash(app):
    assert get_request_id() == "-"
    with app.app_context():
        assert get_request_id() == "-"


TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


def test_a_valid_traceparent_gives_its_trace_id(client):
    response = client.get(OK, headers={"traceparent": TRACEPARENT})
    assert response.headers["X-Request-ID"] == TRACE_ID


def test_x_request_id_beats_traceparent(client):
    headers = {"traceparent": TRACEPARENT, "X-Request-ID": "from-the-proxy"}
    assert client.get(OK, headers=headers).headers["X-Request-ID"] == "from-the-proxy"


def test_a_malformed_x_request_id_falls_back_to_traceparent(client):
    headers = {"traceparent": TRACEPARENT, "X-Request-ID": "has space"}
    assert client.get(OK, headers=headers).headers["X-Request-ID"] == TRACE_ID


@pytest.mark.parametrize(
    "traceparent",
    [
        f"00-{'0' * 32}-00f067aa0ba902b7-01",  # all-zero trace id
        f"00-{TRACE_ID}-{'0' * 16}-01",  # all-zero parent id
        f"ff-{TRACE_ID}-00f067aa0ba902b7-01",  # version ff is forbidden
        f"00-{TRACE_ID.upper()}-00f067aa0ba902b7-01",  # uppercase hex
        f"00-{TRACE_ID}-00f067aa0ba902b7-01-extra",  # version 00 has four fields
        f"00-{TRACE_ID[:-1]}-00f067aa0ba902b7-01",  # short trace id
        "not a traceparent",
    ],
)
def test_an_invalid_traceparent_is_ignored(client, traceparent):
    response = client.get(OK, headers={"traceparent": traceparent})
    request_id = response.headers["X-Request-ID"]
    assert GENERATED_ID.fullmatch(request_id)
    assert request_id != TRACE_ID


def test_a_later_traceparent_version_may_carry_more_fields(client):
    traceparent = f"01-{TRACE_ID}-00f067aa0ba902b7-01-future-field"
    response = client.get(OK, headers={"traceparent": traceparent})
    assert response.headers["X-Request-ID"] == TRACE_ID


def test_every_response_has_exactly_one_id_the_requests(app, client):
    @app.route("/_test/own-id")
    def view_with_its_own_id():
        return "set by the view", 200, {"X-Request-ID": "from-the-view"}

    response = client.get("/_test/own-id", headers={"X-Request-ID": "from-the-caller"})
    assert response.headers.getlist("X-Request-ID") == ["from-the-caller"]


def test_the_middleware_passes_the_error_on_and_sets_exactly_one_id():
    """It is WSGI middleware, whatever app it wraps: the server gets the app's status
    and exc_info (PEP 3333: with it, the server re-raises an error that comes after
    the headers have gone), and one X-Request-ID, the request's, even when the app's
    own is its only header."""
    started = []

    def app_failing_after_an_error(environ, start_response):
        try:
            raise RuntimeError("the body failed")
        except RuntimeError:
            status, headers = "500 Internal Server Error", [("x-request-id", "own")]
            start_response(status, headers, sys.exc_info())
        return [b""]

    middleware = RequestIdMiddleware(app_failing_after_an_error)
    environ = EnvironBuilder(headers={"X-Request-ID": "from-the-caller"}).get_environ()
    middleware(environ, lambda *args: started.append(args))
    ((status, headers, exc_info),) = started
    assert status == "500 Internal Server Error"
    assert headers == [("X-Request-ID", "from-the-caller")]
    assert exc_info[0] is RuntimeError
    assert str(exc_info[1]) == "the body failed"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="gunicorn forks; Windows cannot")
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded")
def test_forked_workers_make_ids_of_their_own():
    """gunicorn forks every worker from one process: their ids must still differ."""
    new_request_id()
    read, write = os.pipe()
    if os.fork() == 0:  # the child, like a worker
        os.write(write, new_request_id().encode())
        os._exit(0)
    os.wait()
    child, parent = os.read(read, 64).decode(), new_request_id()
    assert GENERATED_ID.fullmatch(parent)
    assert GENERATED_ID.fullmatch(child)
    assert parent != child
