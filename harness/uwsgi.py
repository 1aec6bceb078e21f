"""uWSGI from PyPI, built once into the template's .venv and reused, serving a
generated project with its own uwsgi.ini."""

import re

from .bake import BIN, TEMPLATE
from .install import install_once
from .servers import Gunicorn

VERSION = "2.0.31"
HOME = TEMPLATE / ".venv" / f"uwsgi-{VERSION}"
UWSGI = HOME / "bin" / "uwsgi"


def install_uwsgi():
    """Build uWSGI with pip unless it is there; the failed pip run, or None."""
    return install_once(
        HOME,
        "bin/uwsgi",
        lambda staging: [BIN / "python", "-m", "pip", "install", "--quiet",
                         "--no-deps", "--prefix", staging, f"uwsgi=={VERSION}"],
    )  # fmt: skip


class Uwsgi(Gunicorn):
    """`uwsgi --ini uwsgi.ini` in a project, as its README says, on a free port.

    The project's .venv is this environment, as the ini's `virtualenv` expects.
    `changes` maps a line of the ini to its replacement (None removes it).
    """

    def __init__(self, project, env, changes=None):
        self.terminated = False
        self.log = project / "uwsgi.stderr"
        (project / ".venv").symlink_to(BIN.parent)
        ini = (project / "uwsgi.ini").read_text()
        for line, replacement in (changes or {}).items():
            assert line in ini, line
            ini = ini.replace(
                f"{line}\n", "" if replacement is None else f"{replacement}\n"
            )
        test_ini = project / "uwsgi-test.ini"

        def command_for(port):
            socket = f"http-socket = 127.0.0.1:{port}"
            test_ini.write_text(re.sub(r"(?m)^http-socket = .*$", socket, ini))
            return [UWSGI, "--ini", test_ini]

        self.start(command_for, project, env)
