"""Entry point for WSGI servers: `gunicorn wsgi:app`."""

from {{ cookiecutter.package_name }} import create_app

app = create_app()
