"""/livez and /readyz, for load balancers and orchestrators."""

import pytest

from {{ cookiecutter.package_name }} import create_app
from {{ cookiecutter.package_name }}.health import add_readiness_check

from .conftest import close_database

SECRET = "postgresql://app:hunter2@10.0.0.5/orders"


def readyz(app):
    """The /readyz response, asked for HTML: readiness always answers in JSON."""
    return app.test_client().get("/readyz", headers={"Accept": "text/html"})


def assert_not_ready(response, detail):
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    problem = response.get_json(force=True)
    assert problem["title"] == "Service Unavailable"
    assert problem["detail"] == detail
    assert problem["request_id"] == response.headers["X-Request-ID"]
    assert "hunter2" not in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"


def test_livez_answers_without_touching_anything(client):
    response = client.get("/livez")
    assert response.status_code == 200
    assert response.get_json() == {"status": "alive"}


def test_readyz_answers_when_the_database_does(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready"}


def test_readyz_is_a_503_problem_when_the_database_does_not_answer(tmp_path):
    uri = f"sqlite:///{tmp_path}/no-such-folder/hunter2.db"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=uri)
    response = readyz(app)
    close_database(app)
    assert_not_ready(response, "Not ready: database.")
    # A failing database must not fail liveness: the process is fine.
    assert app.test_client().get("/livez").status_code == 200


def test_an_added_check_that_fails_or_raises_makes_readyz_fail(app, log_records):
    def cache():
        return f"no answer from {SECRET}"

    def queue():
        raise ConnectionError(SECRET)

    add_readiness_check(app, "cache", cache)
    add_readiness_check(app, "queue", queue)
    assert_not_ready(readyz(app), "Not ready: cache, queue.")
    # The reasons are for the operator, in the log.
    logged = [r.getMessage() for r in log_records]
    assert f"Not ready: cache: no answer from {SECRET}" in logged
    (failed,) = [r for r in log_records if r.getMessage() == "Not ready: queue failed"]
    assert failed.exc_info[0] is ConnectionError  # with its traceback


def test_a_check_registered_again_replaces_the_first(tmp_path):
    uri = f"sqlite:///{tmp_path}/no-such-folder/app.db"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=uri)
    add_readiness_check(app, "database", lambda: None)  # the app's own database
    add_readiness_check(app, "cache", lambda: "")  # an empty reason: ready
    response = readyz(app)
    close_database(app)
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready"}


@pytest.mark.parametrize("answer", [True, 1, {"version": "7.2"}])
def test_a_check_returning_what_its_client_returns_is_ready(app, answer):
    """redis' ping() returns True: only a non-empty string is a reason."""
    add_readiness_check(app, "cache", lambda: answer)
    assert app.test_client().get("/readyz").status_code == 200
