"""Health checks for load balancers and orchestrators.

/livez: the process answers (touches nothing else: a failing database must not get
the process restarted). /readyz: the app can serve, its database answers.
"""

from flask import Blueprint, Response, current_app
from sqlalchemy import text
from werkzeug.exceptions import ServiceUnavailable

from .errors import problem_response
from .extensions import db

bp = Blueprint("health", __name__)


@bp.get("/livez")
def livez() -> dict[str, str]:
    return {"status": "alive"}


@bp.get("/readyz")
def readyz() -> dict[str, str] | Response:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        current_app.logger.warning(
            "Not ready: the database does not answer", exc_info=True
        )
        # What is not ready, never how it is reached: no connection string.
        detail = "The database does not answer."
        return problem_response(ServiceUnavailable(), detail=detail)
    return {"status": "ready"}
