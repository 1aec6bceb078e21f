"""Error responses: an HTML page or RFC 9457 problem details, never a leaked failure.

One handler serves every HTTPException. Flask hands it an InternalServerError for any
unhandled exception, after logging that exception once, so nothing is caught twice.
"""

from typing import NoReturn

from flask import Flask, Response, abort, current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MIMEAccept
from werkzeug.exceptions import HTTPException, default_exceptions

from .extensions import db
from .request_id import get_request_id

JSON_TYPES = ("application/json", "application/problem+json")
# Headers describing the old body; the new response sets its own.
BODY_HEADERS = {"content-type", "content-length"}
# No cache may keep an error (a 5xx page shows one request's id), and no browser may
# read it as another type than the one it declares.
ERROR_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    if app.debug:
        app.add_url_rule("/_errors/<int:code>", "preview_error", preview_error)


def handle_http_exception(error: HTTPException) -> ResponseReturnValue:
    """Answer any HTTP error in the format the client prefers."""
    if error.response is not None:
        return error.response
    if status_code(error) >= 500:
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
    response.headers.update(ERROR_HEADERS)
    return response


def status_code(error: HTTPException) -> int:
    """Every HTTPException Werkzeug raises has a code; one of our own may not."""
    return error.code or 500


def wants_json() -> bool:
    """True when the client ranks a JSON type above HTML (no Accept header: HTML).

    Parameters are left out (Werkzeug would not match "application/json;
    charset=utf-8" with application/json), and any +json type counts as JSON.
    """
    accept = MIMEAccept(
        (plain_json(value.split(";", 1)[0].strip()), quality)
        for value, quality in request.accept_mimetypes
    )
    best = accept.best_match(("text/html", *JSON_TYPES))
    return best in JSON_TYPES


def plain_json(mimetype: str) -> str:
    """application/json for any +json type (application/vnd.api+json), else mimetype."""
    return "application/json" if mimetype.lower().endswith("+json") else mimetype


def public_description(error: HTTPException) -> str:
    """What the client may read: the error's own words for 4xx, stock words for 5xx."""
    if status_code(error) >= 500:
        return type(error).description or "The server could not complete your request."
    return error.description or error.name


def app_description(error: HTTPException) -> str | None:
    """A 4xx error's own words, as given to abort(code, description), else None.

    Werkzeug's stock words stay behind the page's own; a 5xx never shows any.
    """
    if status_code(error) >= 500 or error.description == type(error).description:
        return None
    return error.description


def problem_response(error: HTTPException, detail: str | None = None) -> Response:
    """RFC 9457 problem details; detail replaces the error's public description."""
    response = jsonify(
        type="about:blank",
        title=error.name,
        status=status_code(error),
        detail=detail or public_description(error),
        request_id=get_request_id(),
    )
    response.status_code = status_code(error)
    response.mimetype = "application/problem+json"
    response.headers.update(ERROR_HEADERS)  # /readyz answers with it directly
    return response


def page_response(error: HTTPException) -> Response:
    code = status_code(error)
    body = render_template(
        [f"errors/{code}.html", "errors/generic.html"],
        code=code,
        title=error.name,
        description=public_description(error),
        app_description=app_description(error),
        request_id=get_request_id(),
    )
    return current_app.response_class(body, status=code, mimetype="text/html")


def plain_response(error: HTTPException) -> Response:
    """The last resort when the error page itself fails: status, name and request id."""
    code = status_code(error)
    body = f"{code} {error.name}\nRequest ID: {get_request_id()}\n"
    return current_app.response_class(body, status=code, mimetype="text/plain")


def rollback_session() -> None:
    """Reset a failed transaction so the error page may query the database."""
    try:
        db.session.rollback()
    except Exception:
        current_app.logger.exception("Rolling back the database session failed")


def preview_error(code: int) -> NoReturn:
    """Development only: show the page for an HTTP status code."""
    if code not in default_exceptions:
        abort(404)
    abort(code)
