"""The application factory."""

from collections.abc import Mapping
from typing import Any

from flask import Flask

from . import main
from .config import load_config
from .errors import register_error_handlers
from .extensions import init_extensions
from .health import init_health
from .log import init_logging, log_startup
from .log.check import register_check_command
from .proxy import init_proxy_fix
from .request_id import init_request_id
from .scrub import remember_secret_settings
{%- if cookiecutter.use_sentry %}
from .sentry import init_sentry
{%- endif %}
from .streaming import init_streaming_errors
{%- if cookiecutter.use_opentelemetry %}
from .tracing import init_tracing
{%- endif %}
from .uwsgi_check import warn_about_uwsgi


def create_app(
    config: str | Mapping[str, Any] | None = None, **overrides: Any
) -> Flask:
    """Create the app for "development", "testing" or "production".

    Without a name, FLASK_CONFIG decides, and without that, production. A mapping of
    settings, as in Flask's tutorial, may stand for the name: with TESTING true, it
    picks testing. Its settings and keyword arguments override any other, after the
    instance folder's config.py and the FLASK_* environment variables.
    """
    app = Flask(__name__, instance_relative_config=True)
    load_config(app, config, overrides)
    remember_secret_settings(app.config)
    init_proxy_fix(app)
    init_logging(app)
{%- if cookiecutter.use_opentelemetry %}
    init_tracing(app)  # before the extensions: it traces the engines they make
{%- endif %}
    init_request_id(app)
    init_streaming_errors(app)
{%- if cookiecutter.use_sentry %}
    init_sentry(app)
{%- endif %}
    init_extensions(app)
    register_error_handlers(app)
    init_health(app)
    register_check_command(app)
    # The app's own pages: replace the starter page with your blueprints.
    app.register_blueprint(main.bp)
    log_startup(app)
    warn_about_uwsgi()
    return app
