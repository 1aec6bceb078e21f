"""gunicorn's settings, read by `gunicorn wsgi:app` from this folder.

The command line and GUNICORN_CMD_ARGS still override anything set here.
"""

import logging
{%- if cookiecutter.use_smtp_handler or cookiecutter.use_syslog_handler %}
import math
{%- endif %}
import multiprocessing
import os
import sys
import traceback

from gunicorn import glogging

{% if cookiecutter.use_smtp_handler or cookiecutter.use_syslog_handler or cookiecutter.log_format == "json" -%}
from {{ cookiecutter.package_name }}.config import settings_for
{% endif -%}
{% if cookiecutter.use_smtp_handler or cookiecutter.use_syslog_handler -%}
from {{ cookiecutter.package_name }}.log import exit_wait
{% endif -%}
from {{ cookiecutter.package_name }}.log.console import StderrHandler
from {{ cookiecutter.package_name }}.log.escape import escape_controls
{% if cookiecutter.log_format == "json" -%}
from {{ cookiecutter.package_name }}.log.formatters import server_formatter, use_schema
{% else -%}
from {{ cookiecutter.package_name }}.log.formatters import server_formatter
{% endif -%}
from {{ cookiecutter.package_name }}.request_id import ENVIRON_KEY as REQUEST_ID_KEY
{%- if cookiecutter.use_opentelemetry %}
{%- if cookiecutter.use_smtp_handler or cookiecutter.use_syslog_handler %}
from {{ cookiecutter.package_name }}.tracing import EXIT_WAIT as SPANS_EXIT_WAIT
{%- endif %}
from {{ cookiecutter.package_name }}.tracing.ids import IDS_KEY, NO_IDS
{%- endif %}

# Worker processes: WEB_CONCURRENCY, else two per CPU core plus one.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))

# gunicorn 25.1 and newer open a control socket for `gunicornc` unless told not to;
# where its folder is not writable (a container) it fails on every start. To use
# gunicornc, delete this line or set it to False.
control_socket_disable = True

# One access line per request on stderr, in the app's log format, with the request
# id that the app's own lines carry; health checks are left out (see GunicornLogger).
# None turns them off, when a proxy in front logs every request already.
accesslog = "-"
{%- if cookiecutter.use_smtp_handler or cookiecutter.use_syslog_handler or cookiecutter.log_format == "json" %}

# The settings the workers' app will have. One it refuses stops gunicorn here with
# the app's answer, as a line of its log: gunicorn would blame this file, with a
# traceback.
try:
    app_settings = settings_for()
except ValueError as refused:
    line = logging.LogRecord("gunicorn.error", logging.ERROR, "", 0, refused, (), None)
    sys.exit(server_formatter().format(line))
{%- endif %}
{%- if cookiecutter.use_smtp_handler or cookiecutter.use_syslog_handler %}
{% if cookiecutter.use_opentelemetry %}
# A stopping worker waits a bounded time for its queued spans, then for its log
# records, and writes what is still unsent to stderr: gunicorn must not kill it before.
graceful_timeout = math.ceil(SPANS_EXIT_WAIT + exit_wait(app_settings)) + 10
{%- else %}
# A stopping worker waits a bounded time for its queued log records, then writes
# what is still unsent to stderr: gunicorn must not kill it before.
graceful_timeout = math.ceil(exit_wait(app_settings)) + 10
{%- endif %}
{%- endif %}
{%- if cookiecutter.log_format == "json" %}

# gunicorn's lines and the app's name their fields alike (LOG_SCHEMA).
use_schema(app_settings["LOG_SCHEMA"])
{%- endif %}

HEALTH_CHECKS = {"/livez", "/readyz"}
GUNICORN_FILES = os.path.dirname(glogging.__file__)


class GunicornLogger(glogging.Logger):
    """gunicorn's own lines and its access lines, on stderr in the app's format."""

    def setup(self, cfg):
        # Handlers that others put on these loggers (pytest's) stay as they are.
        others = {*self.error_log.handlers, *self.access_log.handlers}
        super().setup(cfg)
        if cfg.accesslog == "-":  # stderr, where gunicorn's "-" would be stdout
            kept = [h for h in self.access_log.handlers
                    if h in others and not isinstance(h, StderrHandler)]  # fmt: skip
            self.access_log.handlers = [*kept, StderrHandler()]
        # Else a file of its own, set by the user: gunicorn made its handler.
        formatter = server_formatter()
        for handler in [*self.error_log.handlers, *self.access_log.handlers]:
            if handler not in others:
                handler.setFormatter(formatter)

    def access(self, resp, req, environ, request_time):
        path = environ.get("PATH_INFO", "")
        if not self.cfg.accesslog or path in HEALTH_CHECKS:
            return
        if not self.access_log.isEnabledFor(logging.INFO):
            return
        # resp.status, not status_code: gunicorn's own error responses lack the latter.
        status = int(str(resp.status).split(None, 1)[0])
        milliseconds = round(request_time.total_seconds() * 1000, 1)
        # Made here rather than by access_log.info(), which would look up the calling
        # frame on every request: a server line names no place in the app's code.
        record = logging.LogRecord(
            self.access_log.name, logging.INFO, __file__, 0, "%s in %s ms",
            (status, milliseconds), None,
        )  # fmt: skip
        record.__dict__.update(
            request_id=escape_controls(environ.get(REQUEST_ID_KEY, "-")),
            method=escape_controls(environ.get("REQUEST_METHOD", "-")),
            path=escape_controls(path),
            remote_addr=escape_controls(environ.get("REMOTE_ADDR", "-")),
            user="-",
            status=status,
            duration_ms=milliseconds,
        )
{%- if cookiecutter.use_opentelemetry %}
        record.trace_id, record.span_id = environ.get(IDS_KEY, NO_IDS)
{%- endif %}
        self.access_log.handle(record)


logger_class = GunicornLogger


def worker_abort(worker):
    """A request ran past `timeout`, and gunicorn is killing its worker: log where it
    is stuck, through the app's logger and so every handler. The signal interrupts
    the request on this thread (the sync worker's), so the record has its request id.

    notify() tells the master the worker still lives, so that it has another
    `timeout` to deliver this record before the master kills it for good.
    """
    worker.notify()
    # The stack of the frame the timeout interrupted, without gunicorn's frames.
    frames = traceback.extract_stack(sys._getframe(1))
    stack = [f for f in frames if not f.filename.startswith((GUNICORN_FILES, "<"))]
    logging.getLogger("{{ cookiecutter.package_name }}").error(
        "Worker timeout after %ss: the request was stuck here:\n%s",
        worker.cfg.timeout, "".join(traceback.format_list(stack)).rstrip(),
    )  # fmt: skip
