"""Node packages from npm, installed once into the template's .venv and reused."""

import os
import shutil
import subprocess
import tempfile


def npm_install(packages, target):
    """Install packages into target unless they are there; the failed npm run, or None.

    npm installs into a fresh directory, which then moves into place in one step: a
    concurrent test session never sees half an install, and whichever copy lands
    first is kept.
    """
    if (target / "node_modules").is_dir():
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = tempfile.mkdtemp(prefix="installing-", dir=target.parent)
    try:
        result = subprocess.run(  # noqa: S603 (npm from PATH, our own arguments)
            ["npm", "install", "--no-audit", "--no-fund", "--no-save",
             "--ignore-scripts", "--loglevel=error", "--prefix", staging, *packages],
            cwd=staging, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        if result.returncode != 0:
            return result
        try:
            os.rename(staging, target)
        except OSError:
            if not (target / "node_modules").is_dir():  # not another session's
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return None
