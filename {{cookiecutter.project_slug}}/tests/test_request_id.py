import re

import pytest

from {{ cookiecutter.package_name }}.request_id import get_request_id

GENERATED_ID = re.compile(r"[0-9a-f]{32}")


@pytest.mark.parametrize(
    "incoming",
    ["abc-123", "A.b_C-9", "x" * 128, "0f8fad5b-d9cb-469f-a165-70867728950e"],
)
def test_well_formed_incoming_id_is_kept(client, incoming):
    response = client.get("/", headers={"X-Request-ID": incoming})
    assert response.headers["X-Request-ID"] == incoming


@pytest.mark.parametrize(
    "incoming",
    ["", "x" * 129, "has space", "semi;colon", "<script>", "line\\nbreak", "é"],
)
def test_malformed_incoming_id_is_replaced(client, incoming):
    response = client.get("/", headers={"X-Request-ID": incoming})
    assert GENERATED_ID.fullmatch(response.headers["X-Request-ID"])


def test_every_response_gets_its_own_id(client):
    first = client.get("/").headers["X-Request-ID"]
    second = client.get("/nope").headers["X-Request-ID"]
    assert GENERATED_ID.fullmatch(first)
    assert GENERATED_ID.fullmatch(second)
    assert first != second


def test_id_is_fresh_when_an_app_context_spans_requests(app, client):
    with app.app_context():
        first = client.get("/").headers["X-Request-ID"]
        second = client.get("/").headers["X-Request-ID"]
    assert first != second


def test_outside_a_request_the_id_is_a_dash(app):
    assert get_request_id() == "-"
    with app.app_context():
        assert get_request_id() == "-"
