import contextvars
import json

import pytest
from flask import abort, request, send_file, url_for
from sqlalchemy import String, func, select
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.exceptions import Conflict, HTTPException, ServiceUnavailable
from werkzeug.test import EnvironBuilder
from werkzeug.wsgi import FileWrapper

from {{ cookiecutter.package_name }} import create_app
from {{ cookiecutter.package_name }}.errors import problem_response
from {{ cookiecutter.package_name }}.extensions import db

from .conftest import (
    PRODUCTION_OVERRIDES,
    add_broken_stream,
    close_database,
    logged,
    readable,
)

SECRET = "db-password-hunter2"
HOSTILE = "<script>alert(1)</script> & Post id 99 doesn't exist."
MISSING = "/_test/no-such-page"
HTML = {"Accept": "text/html"}
JSON = {"Accept": "application/json"}


class Wordless(HTTPException):
    """An app's own 5xx error, with no description."""

    code = 502


class RollbackProbe(db.Model):
    """A table of this test's own, apart from the app's models."""

    __tablename__ = "test_rollback_probe"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)


def add_error_routes(app):
    """Routes under /_test/: names no app would use."""

    @app.route("/_test/boom")
    def boom_with_a_secret():
        raise RuntimeError(f"connect failed: {SECRET} in /srv/app/secret.py")

    @app.route("/_test/forbidden")
    def forbidden_by_abort():
        abort(403)

    @app.route("/_test/teapot")
    def teapot_by_abort():
        abort(418)

    @app.route("/_test/unavailable")
    def unavailable_with_a_secret():
        abort(503, f"cache at 10.0.0.3 is down: {SECRET}")

    @app.route("/_test/internal")
    def internal_with_a_secret():
        abort(500, f"query to 10.0.0.3 failed: {SECRET}")

    @app.route("/_test/wordless")
    def wordless():
        raise Wordless()

    @app.route("/_test/described")
    def not_found_with_a_description():
        abort(404, HOSTILE)

    @app.route("/_test/echo", methods=["POST"])
    def echo_json():
        return {"received": request.get_json()}

    @app.route("/_test/duplicate")
    def duplicate_rows():
        db.session.add_all([RollbackProbe(name="same"), RollbackProbe(name="same")])
        db.session.flush()
        return "unreachable"

    @app.context_processor
    def probe_count():
        # Every page queries the database, as a real layout often does.
        count = db.session.scalar(select(func.count(RollbackProbe.id)))
        return {"probe_count": count}


@pytest.fixture
def app():
    # Exceptions reach the error handlers, as in production.
    app = create_app("testing", PROPAGATE_EXCEPTIONS=False)
    add_error_routes(app)
    with app.app_context():
        RollbackProbe.__table__.create(db.engine)
    yield app
    close_database(app)


def body(response):
    return response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "code", "title", "heading"),
    [
        (MISSING, 404, "Not Found", "Page not found"),
        ("/_test/forbidden", 403, "Forbidden", "You may not see this page"),
        ("/_test/teapot", 418, "I'm a teapot", "I&#39;m a teapot"),
        ("/_test/boom", 500, "Internal Server Error", "Something went wrong"),
        ("/_test/unavailable", 503, "Service Unavailable", "Service Unavailable"),
    ],
)
def test_every_error_gets_a_page_or_problem_details(client, path, code, title, heading):
    page = client.get(path, headers=HTML)
    assert page.status_code == code
    assert page.mimetype == "text/html"
    text = body(page)
    assert f"<h1>{heading}" in text
    assert f"Error {code}" in text
    assert 'href="/"' in text  # the way home
    assert "<title>" in text  # it extends base.html

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
        response = client.delete("/_test/boom", headers=headers)
        assert response.status_code == 405
        assert response.mimetype == mimetype
        assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    page = client.delete("/_test/boom", headers=HTML)
    assert "does not accept a DELETE request" in body(page)


def test_malformed_json_is_a_400_problem(client):
    response = client.post(
        "/_test/echo", data="{not json", content_type="application/json", headers=JSON
    )
    assert response.status_code == 400
    problem = response.get_json(force=True)
    assert problem["title"] == "Bad Request"
    assert "JSON" in problem["detail"] or "browser" in problem["detail"]


@pytest.mark.parametrize(
    ("headers", "mimetype"), [(HTML, "text/html"), (JSON, "application/problem+json")]
)
def test_a_body_over_the_size_limit_is_a_413(client, headers, mimetype):
    too_large = b"x" * (16 * 1024 * 1024 + 1)
    response = client.post(
        "/_test/echo", data=too_large, content_type="application/json", headers=headers
    )
    assert response.status_code == 413
    assert response.mimetype == mimetype


@pytest.mark.parametrize("path", [MISSING, "/_test/boom", "/_test/unavailable"])
@pytest.mark.parametrize("headers", [HTML, JSON])
def test_error_responses_are_neither_cached_nor_sniffed(client, path, headers):
    response = client.get(path, headers=headers)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_malformed_json_400_page(client):
    response = client.post(
        "/_test/echo", data="{not json", content_type="application/json", headers=HTML
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
    response = client.get(MISSING, headers=headers)
    assert response.status_code == 404
    assert response.mimetype == expected


@pytest.mark.parametrize("headers", [HTML, JSON])
def test_500_leaks_nothing_and_shows_request_id(client, headers):
    response = client.get("/_test/boom", headers=headers)
    assert response.status_code == 500
    text = body(response)
    for leak in (SECRET, "RuntimeError", "Traceback", "secret.py", "/srv/app"):
        assert leak not in text
    assert response.headers["X-Request-ID"] in text


@pytest.mark.parametrize(
    ("path", "code"), [("/_test/internal", 500), ("/_test/unavailable", 503)]
)
@pytest.mark.parametrize("headers", [HTML, JSON])
def test_5xx_description_is_not_shown(client, path, code, headers):
    response = client.get(path, headers=headers)
    assert response.status_code == code
    assert SECRET not in body(response)
    assert "10.0.0.3" not in body(response)


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/_test/unavailable", ServiceUnavailable.description),
        ("/_test/wordless", "The server could not complete your request."),
    ],
)
def test_a_5xx_shows_the_stock_words_for_its_class(client, path, words):
    assert f"<p>{words}</p>" in body(client.get(path, headers=HTML))
    problem = client.get(path, headers=JSON).get_json(force=True)
    assert problem["detail"] == words


def test_a_4xx_page_shows_the_apps_description_escaped(client):
    page = body(client.get("/_test/described", headers=HTML))
    assert "Page not found" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Post id 99 doesn" in page
    assert "<script>" not in page
    assert "There is nothing at this address" not in page  # the app's words instead
    problem = client.get("/_test/described", headers=JSON).get_json(force=True)
    assert problem["detail"] == HOSTILE


def test_a_4xx_page_keeps_its_own_words_over_werkzeugs(client):
    page = body(client.get(MISSING, headers=HTML))
    assert "There is nothing at this address" in page
    assert "The requested URL was not found on the server" not in page


def test_unhandled_exception_is_logged_once_with_traceback(app, client, capsys):
    response = client.get("/_test/boom")
    logged(app)
    err = readable(capsys.readouterr().err)
    (line,) = [line for line in err.splitlines() if "Exception on /_test/boom" in line]
    assert f"ERROR {app.name} [{response.headers['X-Request-ID']} " in line
    assert err.count("Traceback (most recent call last)") == 1
    assert err.count("RuntimeError: connect failed") == 1


def test_an_error_while_streaming_is_logged_with_its_request(app, capsys, log_records):
    """The status and headers are sent already: the server cuts the body short."""
    add_broken_stream(app, "the stream broke")
    response = app.test_client().get("/_test/stream", headers={"X-Request-ID": "s-1"})
    assert response.status_code == 200
    with pytest.raises(RuntimeError, match="the stream broke"):
        response.get_data()
    logged(app)
    err = readable(capsys.readouterr().err)
    (line,) = [line for line in err.splitlines() if "while streaming" in line]
    assert f"ERROR {app.name} [s-1 " in line
    messages = [r.getMessage() for r in log_records]
    assert "Exception while streaming /_test/stream [GET]" in messages
    assert err.count("RuntimeError: the stream broke") == 1


def test_a_stream_the_client_leaves_is_closed(app):
    """The server closes the body when the client goes away: the view's generator
    ends there, and runs its `finally`."""
    closed = []

    @app.route("/_test/long")
    def long():
        def parts():
            try:
                for number in range(1000):
                    yield f"part {number}\n"
            finally:
                closed.append(True)

        return parts()

    response = app.test_client().get("/_test/long")
    parts = iter(response.response)
    assert next(parts) == b"part 0\n"
    response.close()
    assert closed == [True]


def test_a_streamed_body_never_read_is_closed(app):
    """A HEAD request's body is never iterated; the server still closes it."""
    closed = []

    class Body:
        def __iter__(self):
            yield b"never sent"

        def close(self):
            closed.append(True)

    @app.route("/_test/closable")
    def closable():
        return app.response_class(Body())

    response = app.test_client().head("/_test/closable")
    assert response.get_data() == b""
    response.close()
    assert closed == [True]


def test_a_streamed_body_with_nothing_to_close_is_left_alone(app):
    """Called on app.wsgi_app, as the file test below calls it: through app(), a
    middleware that an extension wraps around it may swallow an error of close()."""

    class Body:
        def __iter__(self):
            yield b"sent"

    @app.route("/_test/unclosable")
    def unclosable():
        return app.response_class(Body())

    environ = EnvironBuilder("/_test/unclosable").get_environ()
    body = contextvars.Context().run(
        app.wsgi_app, environ, lambda status, headers, exc_info=None: None
    )
    assert b"".join(body) == b"sent"
    body.close()  # what the server does: no error


def test_a_file_the_server_sends_itself_is_left_to_it(app, tmp_path):
    """The server's wsgi.file_wrapper (gunicorn's sends with os.sendfile)."""
    (tmp_path / "file.txt").write_text("sent by the server")

    @app.route("/_test/file")
    def file():
        return send_file(tmp_path / "file.txt")

    environ = EnvironBuilder("/_test/file").get_environ()
    environ["wsgi.file_wrapper"] = FileWrapper
    # Run in a context of its own, as a server's call would be: an extension that
    # keeps state per context leaves none in this test's, for later tests to meet.
    body = contextvars.Context().run(
        app.wsgi_app, environ, lambda status, headers, exc_info=None: None
    )
    assert isinstance(body, FileWrapper)
    body.close()


def test_404_is_not_logged_as_an_error(client, log_records):
    client.get(MISSING)
    assert not [r for r in log_records if r.levelno >= 40]


def test_session_is_rolled_back_before_the_500_page(client):
    response = client.get("/_test/duplicate", headers=HTML)
    assert response.status_code == 500
    assert response.mimetype == "text/html"  # the page rendered: its query worked
    assert "Something went wrong on our side" in body(response)


def test_failing_rollback_still_gives_the_500_page(client, monkeypatch, log_records):
    def rollback():
        raise ConnectionError("database gone")

    monkeypatch.setattr(db.session, "rollback", rollback)
    response = client.get("/_test/boom", headers=HTML)
    assert response.status_code == 500
    assert "Something went wrong on our side" in body(response)
    messages = [r.getMessage() for r in log_records]
    assert "Rolling back the database session failed" in messages


def test_broken_error_page_falls_back_to_plain_text(app, client, log_records):
    @app.context_processor
    def broken():
        raise RuntimeError("the layout's database is gone")

    response = client.get(MISSING, headers=HTML)
    assert response.status_code == 404
    assert response.mimetype == "text/plain"
    request_id = response.headers["X-Request-ID"]
    assert body(response) == f"404 Not Found\nRequest ID: {request_id}\n"
    assert response.headers["Cache-Control"] == "no-store"
    messages = [r.getMessage() for r in log_records]
    assert "Rendering the 404 error response failed" in messages


def test_hostile_method_is_escaped(client):
    response = client.open("/_test/boom", method="<B>", headers=HTML)
    assert response.status_code == 405
    assert "<B>" not in body(response)
    assert "&lt;B&gt;" in body(response)


@pytest.mark.parametrize(
    "accept",
    [";;;", "application/json;q=abc", "*/*;q=" + "9" * 500, "\x00", "a/b/c"],
    ids=["semicolons", "q-not-a-number", "q-of-500-digits", "nul", "three-parts"],
)
def test_hostile_accept_headers_never_cause_a_500(client, accept):
    response = client.get(MISSING, headers={"Accept": accept})
    assert response.status_code == 404


class Codeless(HTTPException):
    """An app's own error with no code, as HTTPException allows."""

    description = "The app's own words."


def test_problem_details_for_an_error_without_a_code_are_a_500(app):
    """problem_response() is a helper /readyz and an app's own code call too. (Flask
    never hands such an error to the error handler: it answers 200 with Werkzeug's
    own page.)"""
    with app.test_request_context(headers={"X-Request-ID": "codeless-1"}):
        response = problem_response(Codeless())
    assert response.status_code == 500
    assert response.get_json() == {
        "type": "about:blank",
        "title": "Unknown Error",
        "status": 500,
        "detail": "The app's own words.",
        "request_id": "codeless-1",
    }


def test_response_carried_by_the_error_is_kept(app, client):
    @app.route("/_test/custom")
    def conflict_with_a_response():
        raise Conflict(response=app.response_class("custom body", status=409))

    response = client.get("/_test/custom")
    assert response.status_code == 409
    assert body(response) == "custom body"


def test_development_lets_exceptions_reach_the_debugger():
    app = create_app("development")
    add_error_routes(app)
    with pytest.raises(RuntimeError, match="connect failed"):
        app.test_client().get("/_test/boom")


def test_development_previews_error_pages():
    app = create_app("development")
    with app.test_request_context():
        assert url_for("preview_error", code=404) == "/_errors/404"
    client = app.test_client()
    response = client.get("/_errors/404", headers=HTML)
    assert response.status_code == 404
    assert "Page not found" in body(response)
    response = client.get("/_errors/500", headers=HTML)
    assert response.status_code == 500
    assert "Something went wrong on our side" in body(response)
    assert response.headers["X-Request-ID"] in body(response)
    assert client.get("/_errors/299").status_code == 404


@pytest.fixture
def production_app():
    app = create_app("production", **PRODUCTION_OVERRIDES)
    add_error_routes(app)
    with app.app_context():
        RollbackProbe.__table__.create(db.engine)
    yield app
    close_database(app)


def test_production_never_reaches_a_debugger(production_app):
    """No error previews, and an unhandled exception is answered with the 500 page
    instead of propagating to whatever serves the app (a debugger, in development)."""
    client = production_app.test_client()
    assert client.get("/_errors/500").status_code == 404
    response = client.get("/_test/boom", headers=HTML)
    assert response.status_code == 500
    assert "Something went wrong on our side" in body(response)


def test_production_500_page_leaks_nothing(production_app):
    response = production_app.test_client().get("/_test/boom", headers=JSON)
    assert response.status_code == 500
    assert SECRET not in body(response)
    assert json.loads(body(response))["request_id"] == response.headers["X-Request-ID"]


@pytest.mark.parametrize(
    "accept",
    [
        "application/json; charset=utf-8",
        "application/json; charset=utf-8; version=2",
        "application/problem+json; charset=utf-8",
        "application/vnd.api+json",
    ],
)
def test_a_json_type_with_parameters_or_a_json_suffix_gets_problem_details(
    client, accept
):
    response = client.get(MISSING, headers={"Accept": accept})
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 404
