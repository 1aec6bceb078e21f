"""Tools installed once into the template's .venv and reused by later sessions."""

import os
import shutil
import subprocess
import tempfile


def install_once(target, marker, command):
    """Unless target/marker exists, run command(staging), which installs into the
    fresh folder staging; return the failed run, or None.

    The folder then moves into place as target in one step: a concurrent test session
    never sees half an install, and whichever copy lands first is kept.
    """
    if (target / marker).exists():
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = tempfile.mkdtemp(prefix="installing-", dir=target.parent)
    try:
        result = subprocess.run(  # noqa: S603 (our own commands)
            [str(part) for part in command(staging)],
            cwd=staging, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        if result.returncode != 0:
            return result
        try:
            os.rename(staging, target)
        except OSError:
            if not (target / marker).exists():  # not another session's
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return None
