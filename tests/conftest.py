import subprocess
from pathlib import Path

import pytest

from harness.bake import TEMPLATE


@pytest.fixture
def bake(cookies):
    """Bake with these answers; fail the test with cookiecutter's error if it fails."""

    def bake(**answers):
        result = cookies.bake(extra_context=answers, template=str(TEMPLATE))
        assert result.exception is None, result.exception
        assert result.exit_code == 0
        return Path(result.project_path)

    return bake


def run(args, cwd, timeout=600, **kwargs):
    """Run a command; return the CompletedProcess with text output."""
    return subprocess.run(  # noqa: S603 (our own commands)
        [str(a) for a in args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        **kwargs,
    )
