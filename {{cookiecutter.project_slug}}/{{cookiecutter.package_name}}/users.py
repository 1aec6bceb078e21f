"""Who the user of a request is, as every log record names them."""

from contextvars import ContextVar
from importlib import import_module
from typing import Any

from flask import current_app, g, has_request_context

# Tried in this order on a user object (or row) without get_id().
USER_FIELDS = ("id", "username", "email")
# Set while a record's user is looked up: a record made by that lookup (a user
# loader that logs, the SQL of reloading an expired row) names no user.
_naming = ContextVar("naming_the_user", default=False)


def user_for_logs() -> str:
    """The `user` of every record made in a request: "-" when there is none.

    flask-login's current_user when the app uses flask-login, else g.user; named
    by get_id(), else its id, username or email, never by its repr. Replace this
    function to name users your own way: it runs for every record, so keep it cheap.
    """
    if not has_request_context() or _naming.get():
        return "-"
    token = _naming.set(True)
    try:
        if hasattr(current_app, "login_manager"):
            user = import_module("flask_login").current_user
        else:
            user = g.get("user")
        return name_of(user)
    except Exception:  # a user loader or a row that cannot load: the record goes on
        return "-"
    finally:
        _naming.reset(token)


def name_of(user: Any) -> str:
    if user is None:
        return "-"
    if isinstance(user, str | int):
        return str(user)
    get_id = getattr(user, "get_id", None)
    if callable(get_id) and (value := get_id()) is not None:
        return str(value)
    # A mapping or a database row (sqlite3.Row) has keys(); other objects attributes.
    keys = user.keys() if callable(getattr(user, "keys", None)) else ()
    for field in USER_FIELDS:
        value = user[field] if field in keys else getattr(user, field, None)
        if value is not None:
            return str(value)
    return "-"
