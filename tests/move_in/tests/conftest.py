import pytest
from werkzeug.security import generate_password_hash

from myblog import create_app
from myblog.db import get_db, init_db


@pytest.fixture
def app(tmp_path):
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "blog.sqlite")})
    with app.app_context():
        init_db()
        db = get_db()
        db.execute(
            "INSERT INTO user (username, password) VALUES (?, ?), (?, ?)",
            ("test", generate_password_hash("test"), "other", "-"),
        )
        db.execute("INSERT INTO post (author_id, body) VALUES (2, 'first post')")
        db.commit()
    return app


@pytest.fixture
def client(app):
    return app.test_client()


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, username="test", password="test"):
        data = {"username": username, "password": password}
        return self._client.post("/auth/login", data=data)


@pytest.fixture
def auth(client):
    return AuthActions(client)
