"""uWSGI from PyPI, built once into the template's .venv and reused, serving a
generated project with its own uwsgi.ini."""

import os
import re
import subprocess

from .bake import BIN, TEMPLATE
from .install import install_once
from .servers import STARTED, Gunicorn, free_port, wait_for

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
        self.port = free_port()
        self.terminated = False
        self.log = project / "uwsgi.stderr"
        (project / ".venv").symlink_to(BIN.parent)
        ini = (project / "uwsgi.ini").read_text()
        ini = re.sub(
            r"(?m)^http-socket = .*$", f"http-socket = 127.0.0.1:{self.port}", ini
        )
        for line, replacement in (changes or {}).items():
            assert line in ini, line
            ini = ini.replace(
                f"{line}\n", "" if replacement is None else f"{replacement}\n"
            )
        (project / "uwsgi-test.ini").write_text(ini)
        self.process = subprocess.Popen(  # noqa: S603 (our own command)
            [UWSGI, "--ini", project / "uwsgi-test.ini"],
            cwd=project, env={**os.environ, **env},
            stdout=subprocess.DEVNULL, stderr=self.log.open("w"),
            start_new_session=True,
        )  # fmt: skip
        STARTED.append(self.process)
        ready = wait_for(self._answers, timeout=60)
        assert ready, self.stderr()
