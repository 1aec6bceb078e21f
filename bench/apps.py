"""The apps the benchmarks time, each built inside the process that serves it.

Every app gets the same two routes: /boom raises, /ping answers "pong". The generated
app also has its own / (a rendered page).
"""

import atexit
import logging
import queue
import sys
from logging.handlers import (
    QueueHandler,
    QueueListener,
    RotatingFileHandler,
    SMTPHandler,
    SysLogHandler,
)

from flask import Flask


def add_routes(app):
    @app.route("/boom")
    def boom():
        raise RuntimeError("benchmark failure")

    @app.route("/ping")
    def ping():
        return "pong"

    return app


def generated(project, settings, logging_off=False, stdlib_file=False):
    """The generated app from the baked project, production settings plus `settings`.

    stdlib_file: the app's queue hands records to a plain logging.FileHandler, with
    the same format and level, instead of the app's own file handler. logging_off: the
    app's logger writes nothing, the floor: what a 500 costs without any logging.
    """
    sys.path.insert(0, project)
    from my_flask_app import create_app
    from my_flask_app.log.queue import LogQueueHandler

    app = add_routes(create_app("production", **settings))
    if stdlib_file:
        # The app's thread started with the startup line: a new queue, and its
        # thread, take the app's records from here on.
        own = app.extensions["logging"].queue
        targets = [plain_file_handler(h) if h.name == "file" else h
                   for h in own.targets]  # fmt: skip
        app.logger.handlers = [LogQueueHandler(targets, own.max_bytes, own.exit_wait)]
    app.logger.disabled = logging_off
    return app


def plain_file_handler(handler):
    plain = logging.FileHandler(handler.baseFilename + ".stdlib", encoding="utf-8")
    plain.name = handler.name
    plain.setLevel(handler.level)
    plain.setFormatter(handler.formatter)
    return plain


def bare(secret_key=None, database=False):
    """Bare Flask with its default logging: a traceback on stderr for every 500.

    database: with Flask-SQLAlchemy too, as the generated app has it, on an
    in-memory SQLite database: its session ends at each request's teardown.
    """
    app = Flask("bare")
    if secret_key:
        # With a key Flask prepares signed sessions on every request, as any real
        # deployment does.
        app.config["SECRET_KEY"] = secret_key
    if database:
        from flask_sqlalchemy import SQLAlchemy

        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
        SQLAlchemy(app)
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


def cookbook(mail_port, syslog_port, log_file):
    """The logging cookbook's recipe for handlers that block: a QueueHandler on the
    app's logger, and one QueueListener thread handing every record to the standard
    library's SMTPHandler, RotatingFileHandler, SysLogHandler (UDP) and a console
    StreamHandler. Set up before the app is made, as Flask's docs advise, so Flask
    adds no handler of its own."""
    mail = SMTPHandler(
        ("127.0.0.1", mail_port), "cookbook@example.com", ["ops@example.com"], "Error"
    )
    mail.setLevel(logging.ERROR)
    handlers = [
        mail,
        RotatingFileHandler(log_file, maxBytes=10 * 1024 * 1024, backupCount=10),
        SysLogHandler(("127.0.0.1", syslog_port)),
        logging.StreamHandler(),
    ]
    formatter = logging.Formatter("[%(asctime)s] %(levelname)s in %(module)s: "
                                  "%(message)s")  # fmt: skip
    for handler in handlers:
        handler.setFormatter(formatter)
    records = queue.Queue(-1)
    logging.getLogger("cookbook").addHandler(QueueHandler(records))
    listener = QueueListener(records, *handlers, respect_handler_level=True)
    listener.start()
    atexit.register(listener.stop)
    return add_routes(Flask("cookbook"))


FACTORIES = {"generated": generated, "bare": bare, "naive": naive, "cookbook": cookbook}
