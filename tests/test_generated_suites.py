"""Run each distinct generated project's own test suite and type check, and start it
where fork does not exist, as on Windows (see test_windows.py)."""

import sys

import pytest

from harness.bake import BIN

from .combinations import combination_id, distinct_projects
from .conftest import failure_report, run, suite_env
from .test_windows import starts_without_fork


@pytest.fixture(scope="session")
def mypy_cache(tmp_path_factory):
    """One mypy cache per test worker: what every project shares (Flask, SQLAlchemy)
    is checked once, and no two processes write one cache."""
    return tmp_path_factory.mktemp("mypy-cache")


@pytest.mark.parametrize("answers", distinct_projects(), ids=combination_id)
def test_generated_project_passes(bake, answers, mypy_cache, tmp_path, windows_peers):
    """Its own suite, its type check, and a start where fork does not exist."""
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
    # The project's own [tool.mypy] settings (strict), as its CI runs them.
    types = run([BIN / "mypy", "--cache-dir", mypy_cache], cwd=project)
    assert types.returncode == 0, types.stdout + types.stderr
    starts_without_fork(project, answers, tmp_path, *windows_peers)
