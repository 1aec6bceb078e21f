"""Run each distinct generated project's own test suite."""

import os
import sys

import pytest

from .combinations import combination_id, distinct_projects
from .conftest import run


def suite_env():
    env = dict(os.environ)
    for name in [k for k in env if k.startswith("FLASK_")]:
        del env[name]
    return env


def failure_report(result):
    """The failing tests' own messages, without pages of captured log."""
    lines = result.stdout.splitlines()
    keep = [line for line in lines if line.startswith(("E ", "FAILED", "ERROR", ">"))]
    return "\n".join(keep[:80]) + "\n" + result.stderr[-2000:]


@pytest.mark.parametrize("answers", distinct_projects(), ids=combination_id)
def test_generated_suite_passes(bake, answers):
    project = bake(**answers)
    # This environment holds every dependency a generated project can have; the
    # project itself is imported from its directory (python -m puts it on the path).
    result = run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x"],
        cwd=project,
        env=suite_env(),
    )
    assert result.returncode == 0, failure_report(result)
    assert " passed" in result.stdout
    assert "Required test coverage of 90" in result.stdout
