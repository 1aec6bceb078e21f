import json

import pytest
from flask import abort, request
from sqlalchemy import String, func, select
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.exceptions import Conflict

from {{ cookiecutter.package_name }} import create_app
from {{ cookiecutter.package_name }}.extensions import db

from .conftest import PRODUCTION_OVERRIDES, close_database, logged, readable

SECRET = "db-password-hunter2"
HTML = {"Accept": "text/html"}
JSON = {"Accept": "application/json"}


class Widget(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)


def add_error_routes(app):
    @app.route("/boom")
    def boom():
        raise RuntimeError(f"connect failed: {SECRET} in /srv/app/secret.py")

    @app.route("/forbidden")
    def forbidden():
        abort(403)

    @app.route("/teapot")
    def teapot():
        abort(418)

    @app.route("/unavailable")
    def unavailable():
        abort(503, f"cache at 10.0.0.3 is down: {SECRET}")

    @app.route("/echo", methods=["POST"])
    def echo():
        return {"received": request.get_json()}

    @app.route("/duplicate")
    def duplicate():
        db.session.add_all([Widget(name="same"), Widget(name="same")])
        db.session.flush()
        return "unreachable"

    @app.context_processor
    def widget_count():
        # Every page queries the database, as a real layout often does.
        return {"widget_count": db.session.scalar(select(func.count(Widget.id)))}


@pytest.fixture
def app():
    # Exceptions reach the error handlers, as in production.
    app = create_app("testing", PROPAGATE_EXCEPTIONS=False)
    add_error_routes(app)
    with app.app_context():
        db.create_all()
    yield app
    close_database(app)


def body(response):
    return response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "code", "heading"),
    [
        ("/nope", 404, "Page not found"),
        ("/forbidden", 403, "You may not see this page"),
        ("/teapot", 418, "I&#39;m a teapot"),
        ("/boom", 500, "Something went wrong on our side"),
        ("/unavailable", 503, "Service Unavailable"),
    ],
)
def test_html_error_pages(client, app, path, code, heading):
    response = client.get(path, headers=HTML)
    assert response.status_code == code
    assert response.mimetype == "text/html"
    text = body(response)
    assert heading in text
    assert f"Error {code}" in text
    assert 'href="/"' in text  # the way home
    assert "<header>" in text  # extends base.html


@pytest.mark.parametrize(
    ("path", "code", "title"),
    [
        ("/nope", 404, "Not Found"),
        ("/forbidden", 403, "Forbidden"),
        ("/teapot", 418, "I'm a teapot"),
        ("/boom", 500, "Internal Server Error"),
        ("/unavailable", 503, "Service Unavailable"),
    ],
)
def test_problem_details(client, path, code, title):
    response = client.get(path, headers=JSON)
    assert response.status_code == code
    assert response.mimetype == "application/problem+json"
    problem = response.get_json(force=True)
    assert set(problem) == {"type", "title", "status", "detail", "request_id"}
    assert problem["type"] == "about:blank"
    assert problem["title"] == title
    assert problem["status"] == code
    assert problem["detail"]
    assert problem["request_id"] == response.headers["X-Request-ID"]


def test_405_keeps_allow_header_in_both_formats(client):
    for headers, mimetype in ((HTML, "text/html"), (JSON, "application/problem+json")):
        response = client.delete("/", headers=headers)
        assert response.status_code == 405
        assert response.mimetype == mimetype
        assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert "does not accept a DELETE request" in body(client.delete("/", headers=HTML))


def test_malformed_json_is_a_400_problem(client):
    response = client.post(
        "/echo", data="{not json", content_type="application/json", headers=JSON
    )
    assert response.status_code == 400
    problem = response.get_json(force=True)
    assert problem["title"] == "Bad Request"
    assert "JSON" in problem["detail"] or "browser" in problem["detail"]


def test_malformed_json_400_page(client):
    response = client.post(
        "/echo", data="{not json", content_type="application/json", headers=HTML
    )
    assert response.status_code == 400
    assert "That request did not make sense" in body(response)


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "text/html"),
        ("*/*", "text/html"),
        ("text/html,application/xhtml+xml,*/*;q=0.8", "text/html"),
        ("application/json", "application/problem+json"),
        ("application/problem+json", "application/problem+json"),
        ("application/json;q=0.9, text/html;q=0.5", "application/problem+json"),
        ("text/html;q=0.9, application/json;q=0.5", "text/html"),
        ("application/json;q=0, text/html", "text/html"),
        ("image/png", "text/html"),
    ],
)
def test_accept_negotiation(client, accept, expected):
    headers = {} if accept is None else {"Accept": accept}
    response = client.get("/nope", headers=headers)
    assert response.status_code == 404
    assert response.mimetype == expected


@pytest.mark.parametrize("headers", [HTML, JSON])
def test_500_leaks_nothing_and_shows_request_id(client, headers):
    response = client.get("/boom", headers=headers)
    assert response.status_code == 500
    text = body(response)
    for leak in (SECRET, "RuntimeError", "Traceback", "secret.py", "/srv/app"):
        assert leak not in text
    assert response.headers["X-Request-ID"] in text


@pytest.mark.parametrize("headers", [HTML, JSON])
def test_5xx_description_is_not_shown(client, headers):
    response = client.get("/unavailable", headers=headers)
    assert response.status_code == 503
    assert SECRET not in body(response)
    assert "10.0.0.3" not in body(response)


def test_unhandled_exception_is_logged_once_with_traceback(app, client, capsys):
    response = client.get("/boom")
    logged(app)
    err = readable(capsys.readouterr().err)
    (line,) = [line for line in err.splitlines() if "Exception on /boom" in line]
    assert f"ERROR {app.name} [{response.headers['X-Request-ID']} " in line
    assert err.count("Traceback (most recent call last)") == 1
    assert err.count("RuntimeError: connect failed") == 1


def test_404_is_not_logged_as_an_error(client, log_records):
    client.get("/nope")
    assert not [r for r in log_records if r.levelno >= 40]


def test_session_is_rolled_back_before_the_500_page(client):
    response = client.get("/duplicate", headers=HTML)
    assert response.status_code == 500
    assert response.mimetype == "text/html"  # the page rendered: its query worked
    assert "Something went wrong on our side" in body(response)


def test_failing_rollback_still_gives_the_500_page(client, monkeypatch, log_records):
    def rollback():
        raise ConnectionError("database gone")

    monkeypatch.setattr(db.session, "rollback", rollback)
    response = client.get("/boom", headers=HTML)
    assert response.status_code == 500
    assert "Something went wrong on our side" in body(response)
    assert any("Rolling back" in r.getMessage() for r in log_records)


def test_broken_error_page_falls_back_to_plain_text(app, client, log_records):
    @app.context_processor
    def broken():
        raise RuntimeError("the layout's database is gone")

    response = client.get("/nope", headers=HTML)
    assert response.status_code == 404
    assert response.mimetype == "text/plain"
    request_id = response.headers["X-Request-ID"]
    assert body(response) == f"404 Not Found\nRequest ID: {request_id}\n"
    assert any("Rendering the 404" in r.getMessage() for r in log_records)


def test_hostile_path_is_escaped(client):
    response = client.get("/<script>alert(1)</script>", headers=HTML)
    assert response.status_code == 404
    assert "<script>" not in body(response)


def test_hostile_method_is_escaped(client):
    response = client.open("/", method="<B>", headers=HTML)
    assert response.status_code == 405
    assert "<B>" not in body(response)
    assert "&lt;B&gt;" in body(response)


@pytest.mark.parametrize(
    "accept", [";;;", "application/json;q=abc", "*/*;q=" + "9" * 500, "\x00", "a/b/c"]
)
def test_hostile_accept_headers_never_cause_a_500(client, accept):
    response = client.get("/nope", headers={"Accept": accept})
    assert response.status_code == 404


def test_response_carried_by_the_error_is_kept(app, client):
    @app.route("/custom")
    def custom():
        raise Conflict(response=app.response_class("custom body", status=409))

    response = client.get("/custom")
    assert response.status_code == 409
    assert body(response) == "custom body"


def test_development_lets_exceptions_reach_the_debugger():
    app = create_app("development")
    add_error_routes(app)
    with pytest.raises(RuntimeError, match="connect failed"):
        app.test_client().get("/boom")


def test_development_previews_error_pages():
    client = create_app("development").test_client()
    response = client.get("/_errors/404", headers=HTML)
    assert response.status_code == 404
    assert "Page not found" in body(response)
    assert client.get("/_errors/500").status_code == 500
    assert client.get("/_errors/299").status_code == 404


def test_production_has_no_preview_and_no_debugger(production_app):
    client = production_app.test_client()
    assert client.get("/_errors/500").status_code == 404
    assert client.get("/console").status_code == 404
    assert production_app.config["PROPAGATE_EXCEPTIONS"] is not True


def test_production_500_page_leaks_nothing():
    app = create_app("production", **PRODUCTION_OVERRIDES)
    add_error_routes(app)
    with app.app_context():
        db.create_all()
    response = app.test_client().get("/boom", headers=JSON)
    close_database(app)
    assert response.status_code == 500
    assert SECRET not in body(response)
    assert json.loads(body(response))["request_id"] == response.headers["X-Request-ID"]
