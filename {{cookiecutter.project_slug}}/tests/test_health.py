"""/livez and /readyz, for load balancers and orchestrators."""

from {{ cookiecutter.package_name }} import create_app

from .conftest import close_database


def test_livez_answers_without_touching_anything(client):
    response = client.get("/livez")
    assert response.status_code == 200
    assert response.get_json() == {"status": "alive"}


def test_readyz_answers_when_the_database_does(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready"}


def test_readyz_is_a_503_problem_when_the_database_does_not_answer(tmp_path):
    uri = f"sqlite:///{tmp_path}/no-such-folder/secret-name.db"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=uri)
    response = app.test_client().get("/readyz", headers={"Accept": "text/html"})
    close_database(app)
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"  # whatever was asked
    problem = response.get_json(force=True)
    assert problem["title"] == "Service Unavailable"
    assert problem["detail"] == "The database does not answer."
    assert problem["request_id"] == response.headers["X-Request-ID"]
    assert "secret-name" not in response.get_data(as_text=True)
    # A failing database must not fail liveness: the process is fine.
    assert app.test_client().get("/livez").status_code == 200
