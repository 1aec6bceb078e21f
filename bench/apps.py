"""The apps the benchmarks time, each built inside the process that serves it.

Every app gets the same two routes: /boom raises, /ping answers "pong". The generated
app also has its own / (a rendered page).
"""

import logging
import sys
from logging.handlers import SMTPHandler

from flask import Flask


def add_routes(app):
    @app.route("/boom")
    def boom():
        raise RuntimeError("benchmark failure")

    @app.route("/ping")
    def ping():
        return "pong"

    return app


def generated(project, settings, only=None, logging_off=False, stdlib_file=False):
    """The generated app from the baked project, production settings plus `settings`.

    only: names of the handlers to keep on the app's logger (None keeps them all).
    stdlib_file: swap the log file's handler for a plain logging.FileHandler with the
    same format, level and filters. logging_off: the app's logger writes nothing, the
    floor: what a 500 costs without any logging.
    """
    sys.path.insert(0, project)
    from my_flask_app import create_app

    app = add_routes(create_app("production", **settings))
    handlers = app.logger.handlers
    if stdlib_file:
        handlers = [plain_file_handler(h) if h.name == "file" else h for h in handlers]
    if only is not None:
        handlers = [h for h in handlers if h.name in only]
    app.logger.handlers = handlers
    app.logger.disabled = logging_off
    return app


def plain_file_handler(handler):
    plain = logging.FileHandler(handler.baseFilename + ".stdlib", encoding="utf-8")
    plain.name = handler.name
    plain.setLevel(handler.level)
    plain.setFormatter(handler.formatter)
    for log_filter in handler.filters:
        plain.addFilter(log_filter)
    return plain


def bare(secret_key=None):
    """Bare Flask with its default logging: a traceback on stderr for every 500."""
    app = Flask("bare")
    if secret_key:
        # With a key Flask prepares signed sessions on every request, as any real
        # deployment does.
        app.config["SECRET_KEY"] = secret_key
    return add_routes(app)


def naive(mail_port):
    """SMTPHandler attached to app.logger, as in the Flask docs: mail sent inline."""
    app = Flask("naive")
    handler = SMTPHandler(
        ("127.0.0.1", mail_port), "naive@example.com", ["ops@example.com"], "Failure"
    )
    handler.setLevel(logging.ERROR)
    app.logger.addHandler(handler)
    return add_routes(app)


FACTORIES = {"generated": generated, "bare": bare, "naive": naive}
