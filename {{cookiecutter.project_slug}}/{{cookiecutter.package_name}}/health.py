"""Health checks for load balancers and orchestrators.

/livez: the process answers (touches nothing else: a failing database must not get
the process restarted). /readyz: every readiness check passes, the database's first.
"""

from collections.abc import Callable

from flask import Blueprint, Flask, Response, current_app
from sqlalchemy import text
from werkzeug.exceptions import ServiceUnavailable

from .errors import problem_response
from .extensions import db

# A check returns None (or "") when ready, else a reason; raising means not ready too.
ReadinessCheck = Callable[[], str | None]

bp = Blueprint("health", __name__)


def init_health(app: Flask) -> None:
    app.register_blueprint(bp)
    add_readiness_check(app, "database", database_answers)


def add_readiness_check(app: Flask, name: str, check: ReadinessCheck) -> None:
    """Make /readyz run check() too; a check of the same name is replaced."""
    app.extensions.setdefault("readiness_checks", {})[name] = check


def database_answers() -> None:
    db.session.execute(text("SELECT 1"))


@bp.get("/livez")
def livez() -> dict[str, str]:
    return {"status": "alive"}


@bp.get("/readyz")
def readyz() -> dict[str, str] | Response:
    checks: dict[str, ReadinessCheck] = current_app.extensions["readiness_checks"]
    failing = [name for name, check in checks.items() if not passes(name, check)]
    if failing:
        # Which checks fail, never why: a reason may hold an address or a password.
        detail = f"Not ready: {', '.join(failing)}."
        return problem_response(ServiceUnavailable(), detail=detail)
    return {"status": "ready"}


def passes(name: str, check: ReadinessCheck) -> bool:
    """Run check; log why it fails, for the operator."""
    try:
        reason = check()
    except Exception:
        current_app.logger.warning("Not ready: %s failed", name, exc_info=True)
        return False
    # Only a reason (a non-empty string) means not ready: a check may return what
    # its client returns when the service answers (redis' ping(): True).
    if isinstance(reason, str) and reason:
        current_app.logger.warning("Not ready: %s: %s", name, reason)
        return False
    return True
