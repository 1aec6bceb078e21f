import sqlite3

import pytest

from myblog import db


def test_the_connection_lasts_the_app_context(app):
    with app.app_context():
        connection = db.get_db()
        assert connection is db.get_db()
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        connection.execute("SELECT 1")


def test_init_db_command(app, monkeypatch):
    called = []
    monkeypatch.setattr(db, "init_db", lambda: called.append(True))
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert "Initialized" in result.output
    assert called
