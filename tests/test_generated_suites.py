"""The full runs: each chosen project's own suite, type check and lint, where its users
run them. tests/combinations.py lists the projects and says why each is there."""

import sys
from itertools import product

import pytest

from harness.bake import BIN, TEMPLATE

from .combinations import (
    CHOICES,
    DEFAULTS,
    FREE_CHOICES,
    ONLY_WITH,
    SWITCHES,
    full_runs,
)
from .conftest import failure_report, run, suite_env
from .fresh_installs import at_lowest_versions, with_pip, with_uv
from .without_fork import starts_without_fork, suite_without_fork

RUNS = full_runs()


def marks(full_run):
    if full_run.how in FRESH:
        return [pytest.mark.slow]
    if full_run.how == "here" and full_run.answers == DEFAULTS:
        return [pytest.mark.quick]  # the edit loop's project: make test-quick
    return []


def test_full_runs_cover_every_answer():
    """Each switch on and off, each answer of each choice, and each answer of a
    choice that needs a switch next to each answer of the free choices."""
    answers = [run.answers for run in RUNS]
    for switch in SWITCHES:
        assert {a[switch] for a in answers} == {True, False}, switch
    for choice, values in CHOICES.items():
        assert {a[choice] for a in answers} == set(values), choice
    for choice, switch in ONLY_WITH.items():
        pairs = {
            (a[choice], *(a[free] for free in FREE_CHOICES))
            for a in answers
            if a[switch]
        }
        assert pairs == set(product(CHOICES[choice], *map(CHOICES.get, FREE_CHOICES)))
    ids = [run.id for run in RUNS]
    assert len(ids) == len(set(ids)), "every full run is a different one"


@pytest.fixture(scope="session")
def mypy_cache(worker_id):
    """One mypy cache per test worker, kept between runs in the git-ignored .venv:
    what every project shares (Flask, SQLAlchemy) is checked once, and no two
    processes write one cache."""
    path = TEMPLATE / ".venv" / "mypy-cache" / worker_id
    path.mkdir(parents=True, exist_ok=True)
    return path


def suite_here(project):
    """The suite in this environment, which holds every dependency a project can
    have; the project is imported from its directory (python -m puts it on the path)."""
    result = run(
        [sys.executable, "-m", "pytest", "--cov", "-q", "-p", "no:cacheprovider", "-x"],
        cwd=project,
        env=suite_env(),
    )
    assert result.returncode == 0, failure_report(result)
    assert " passed" in result.stdout
    assert "Required test coverage of 90" in result.stdout


def type_check(project, mypy_cache):
    """The project's own [tool.mypy] settings (strict), as its CI runs them."""
    types = run([BIN / "mypy", "--cache-dir", mypy_cache], cwd=project)
    assert types.returncode == 0, types.stdout + types.stderr


# Where a project runs: here or without fork, then mypy and a start without fork;
# or installed fresh, then its checks there.
SUITES = {"here": suite_here, "no fork": suite_without_fork}
FRESH = {"pip": with_pip, "lowest": at_lowest_versions, "uv": with_uv}


@pytest.mark.parametrize(
    "full_run", [pytest.param(r, id=r.id, marks=marks(r)) for r in RUNS]
)
def test_full_run(bake, full_run, tmp_path, windows_peers, mypy_cache):
    project = bake(**full_run.answers)
    if full_run.how in FRESH:
        FRESH[full_run.how](project, tmp_path)
        return
    SUITES[full_run.how](project)
    type_check(project, mypy_cache)
    starts_without_fork(project, full_run.answers, tmp_path, *windows_peers)
