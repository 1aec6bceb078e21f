"""The user every log record names: users.user_for_logs()."""

import sqlite3
import sys
from contextlib import closing
from types import SimpleNamespace

import pytest
from flask import g

from {{ cookiecutter.package_name }}.users import user_for_logs

from .conftest import handled_records, logged


def sqlite_row(**columns):
    """A row as Flask's tutorial keeps one in g.user."""
    query = "SELECT " + ", ".join(f"? AS {name}" for name in columns)
    with closing(sqlite3.connect(":memory:")) as connection:
        connection.row_factory = sqlite3.Row
        return connection.execute(query, list(columns.values())).fetchone()


class LoginUser:
    """A user as flask-login's UserMixin makes one."""

    def __init__(self, user_id):
        self.user_id = user_id

    def get_id(self):
        return self.user_id


USERS = {
    "nobody": (None, "-"),
    "a name": ("alice", "alice"),
    "a number": (42, "42"),
    "flask-login user": (LoginUser("7"), "7"),
    "flask-login anonymous": (LoginUser(None), "-"),
    "sqlite row with id": (sqlite_row(id=1, username="alice"), "1"),
    "sqlite row without id": (sqlite_row(username="alice", password="x"), "alice"),
    "mapping": ({"email": "alice@example.com"}, "alice@example.com"),
    "object": (SimpleNamespace(id=None, username="bob"), "bob"),
    "object without a name": (object(), "-"),  # never an object's repr
}


@pytest.mark.parametrize(("user", "logged"), USERS.values(), ids=USERS.keys())
def test_the_user_is_named_never_shown_as_a_repr(app, user, logged):
    with app.test_request_context():
        g.user = user
        assert user_for_logs() == logged


def test_outside_a_request_there_is_no_user(app):
    assert user_for_logs() == "-"
    with app.app_context():
        g.user = "alice"
        assert user_for_logs() == "-"


def test_flask_login_decides_when_the_app_uses_it(app, monkeypatch):
    current_user = LoginUser("from-flask-login")
    flask_login = SimpleNamespace(current_user=current_user)
    monkeypatch.setitem(sys.modules, "flask_login", flask_login)
    app.login_manager = object()  # what flask-login's LoginManager.init_app sets
    with app.test_request_context():
        g.user = "not this one"
        assert user_for_logs() == "from-flask-login"


def test_a_record_made_in_a_request_names_its_user(app):
    records = handled_records(app)

    @app.route("/_test/signed-in")
    def signed_in_view():
        g.user = sqlite_row(id=5, username="carol")
        app.logger.warning("who did this")
        return "ok"

    app.test_client().get("/_test/signed-in")
    logged(app)
    (record,) = [r for r in records if r.getMessage() == "who did this"]
    assert record.user == "5"


class Reloading:
    """A database row a commit expired: reading its id runs (and logs) a query."""

    def __init__(self, app):
        self.app = app

    @property
    def id(self):
        self.app.logger.warning("SELECT user.id FROM user")
        return 5


class Unloadable:
    """A row whose session failed: reading its id raises."""

    @property
    def id(self):
        raise RuntimeError("This Session's transaction has been rolled back")


def test_naming_the_user_never_loses_or_repeats_a_record(app):
    records = handled_records(app)

    @app.route("/_test/odd-users")
    def odd_users_view():
        g.user = Reloading(app)
        app.logger.warning("first")
        g.user = Unloadable()
        app.logger.error("second")
        return "ok"

    assert app.test_client().get("/_test/odd-users").status_code == 200
    logged(app)
    named = [(r.getMessage(), r.user) for r in records]
    assert named == [
        ("SELECT user.id FROM user", "-"),
        ("first", "5"),
        ("second", "-"),
    ]
