"""Entry point for WSGI servers: `gunicorn wsgi:app`, `waitress-serve wsgi:app`."""

import signal
import sys

from {{ cookiecutter.package_name }} import create_app

app = create_app()

if "waitress" in sys.modules:
    # waitress leaves SIGTERM (from systemd or docker stop) to Python, which ends the
    # process at once: exit normally instead, so that queued log records are sent
    # or reported.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
