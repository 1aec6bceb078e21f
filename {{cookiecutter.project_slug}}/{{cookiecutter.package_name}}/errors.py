"""Error responses: an HTML page or RFC 9457 problem details, never a leaked failure.

One handler serves every HTTPException. Flask hands it an InternalServerError for any
unhandled exception, after logging that exception once, so nothing is caught twice.
"""

from flask import abort, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, default_exceptions

from .extensions import db
from .request_id import get_request_id

JSON_TYPES = ("application/json", "application/problem+json")
# Headers describing the old body; the new response sets its own.
BODY_HEADERS = {"content-type", "content-length"}


def register_error_handlers(app):
    app.register_error_handler(HTTPException, handle_http_exception)
    if app.debug:
        app.add_url_rule("/_errors/<int:code>", "preview_error", preview_error)


def handle_http_exception(error):
    """Answer any HTTP error in the format the client prefers."""
    if error.response is not None:
        return error.response
    if error.code >= 500:
        rollback_session()
    try:
        response = problem_response(error) if wants_json() else page_response(error)
    except Exception:
        current_app.logger.exception(
            "Rendering the %s error response failed", error.code
        )
        response = plain_response(error)
    for key, value in error.get_headers():
        if key.lower() not in BODY_HEADERS:
            response.headers[key] = value
    return response


def wants_json():
    """True when the client ranks a JSON type above HTML (no Accept header: HTML)."""
    best = request.accept_mimetypes.best_match(("text/html", *JSON_TYPES))
    return best in JSON_TYPES


def public_description(error):
    """What the client may read: the error's own words for 4xx, stock words for 5xx."""
    if error.code >= 500:
        return type(error).description or "The server could not complete your request."
    return error.description


def problem_response(error, detail=None):
    """RFC 9457 problem details; detail replaces the error's public description."""
    response = jsonify(
        type="about:blank",
        title=error.name,
        status=error.code,
        detail=detail or public_description(error),
        request_id=get_request_id(),
    )
    response.status_code = error.code
    response.mimetype = "application/problem+json"
    return response


def page_response(error):
    body = render_template(
        [f"errors/{error.code}.html", "errors/generic.html"],
        code=error.code,
        title=error.name,
        description=public_description(error),
        request_id=get_request_id(),
    )
    return current_app.response_class(body, status=error.code, mimetype="text/html")


def plain_response(error):
    """The last resort when the error page itself fails: status, name and request id."""
    body = f"{error.code} {error.name}\nRequest ID: {get_request_id()}\n"
    return current_app.response_class(body, status=error.code, mimetype="text/plain")


def rollback_session():
    """Reset a failed transaction so the error page may query the database."""
    try:
        db.session.rollback()
    except Exception:
        current_app.logger.exception("Rolling back the database session failed")


def preview_error(code):
    """Development only: show the page for an HTTP status code."""
    if code not in default_exceptions:
        abort(404)
    abort(code)
