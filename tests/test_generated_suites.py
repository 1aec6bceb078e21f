"""Run each distinct generated project's own test suite, and one real install."""

import os
import sys
import venv

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


@pytest.mark.slow
def test_fresh_install_as_the_readme_says(bake, tmp_path):
    """pip install -e ".[dev]" into a new venv, then pytest and ruff, as documented.

    This catches a dependency the generated pyproject.toml forgot, which the shared
    environment above would hide.
    """
    project = bake(
        use_syslog_handler=True,
        use_nt_eventlog_handler=True,
        use_sentry=True,
        log_format="json",
        file_rotation="time",
    )
    readme = (project / "README.md").read_text()
    assert 'pip install -e ".[dev]"' in readme
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / "bin"
    install = run(
        [bin_dir / "python", "-m", "pip", "install", "-q", "-e", ".[dev]"],
        cwd=project,
        timeout=900,
    )
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    for command in (["pytest", "-q", "-p", "no:cacheprovider"], ["ruff", "check", "."],
                    ["ruff", "format", "--check", "."]):  # fmt: skip
        result = run([bin_dir / command[0], *command[1:]], cwd=project, env=suite_env())
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
