"""Install a generated project into a fresh environment, the ways its README says (pip,
and uv), or with every dependency at the lowest version its pyproject.toml allows;
then run its checks there.

These catch what the shared environment of the other runs hides: a dependency the
generated pyproject.toml forgot, or a lower bound that is too low.
"""

import json
import re
import sys
import tomllib
import venv

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from harness.bake import BIN

from .conftest import failure_report, run, suite_env
from .test_cruft import commit_everything, git

UV = BIN / "uv"
# The project's checks, as its README and CI run them.
CHECKS = (["pytest", "--cov", "-q", "-p", "no:cacheprovider"], ["ruff", "check", "."],
          ["ruff", "format", "--check", "."], ["mypy"])  # fmt: skip
# Variables that would point uv at another environment, Python or resolution.
UV_STEERING = {"VIRTUAL_ENV", "CONDA_PREFIX", "UV_PROJECT_ENVIRONMENT", "UV_PYTHON",
               "UV_RESOLUTION", "UV_NO_DEV", "UV_FROZEN", "UV_LOCKED", "UV_NO_SYNC",
               "UV_SYSTEM_PYTHON"}  # fmt: skip


def uv_env(**extra):
    """The suite's environment for uv: only this machine's Pythons, never a
    download, and nothing that would steer uv elsewhere."""
    env = {k: v for k, v in suite_env().items() if k not in UV_STEERING}
    env["UV_PYTHON_DOWNLOADS"] = "never"
    env.update(extra)
    return env


def check(result, what):
    assert result.returncode == 0, (
        f"{what}:\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
    )
    return result


def run_checks(bin_dir, project):
    """pytest, ruff check, ruff format --check and mypy, each from bin_dir."""
    for command in CHECKS:
        result = run([bin_dir / command[0], *command[1:]], cwd=project, env=uv_env())
        assert result.returncode == 0, f"{command}:\n{failure_report(result)}"


def with_pip(project, tmp_path):
    """pip install -e ".[dev]" into a new venv, then the checks, as documented."""
    readme = (project / "README.md").read_text()
    assert 'pip install -e ".[dev]"' in readme
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / "bin"
    if "python -m pip install --upgrade pip" in readme:
        upgrade = [bin_dir / "python", "-m", "pip", "install", "-q", "--upgrade", "pip"]
        check(run(upgrade, cwd=project, timeout=900), "pip install --upgrade pip")
    install = run(
        [bin_dir / "python", "-m", "pip", "install", "-q", "-e", ".[dev]"],
        cwd=project,
        timeout=900,
    )
    check(install, "pip install -e .[dev]")
    run_checks(bin_dir, project)


def oldest_python(requires_python, directory):
    """The oldest Python the project supports, if this machine has it; else this one."""
    (minimum,) = re.findall(r">=\s*(\d+\.\d+)", requires_python)
    found = run([UV, "python", "find", minimum], cwd=directory, env=uv_env())
    if found.returncode == 0 and found.stdout.strip():
        return found.stdout.strip()
    return sys.executable


def lower_bounds(pyproject):
    """{distribution: the lowest version allowed} of every direct dependency, the dev
    extra's included, that applies on this platform."""
    project = pyproject["project"]
    requirements = map(
        Requirement,
        [*project["dependencies"], *project["optional-dependencies"]["dev"]],
    )
    bounds = {}
    for requirement in requirements:
        if requirement.marker and not requirement.marker.evaluate():
            continue
        (lowest,) = (s.version for s in requirement.specifier if s.operator == ">=")
        bounds[canonicalize_name(requirement.name)] = Version(lowest)
    return bounds


def at_lowest_versions(project, tmp_path):
    """uv's lowest-direct resolution installs each dependency pyproject.toml names at
    the lowest version it allows (and what those need at their newest), on the oldest
    Python the project supports: the checks must pass there too."""
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    python = oldest_python(pyproject["project"]["requires-python"], tmp_path)
    env_dir = tmp_path / "venv"
    check(
        run([UV, "venv", "-q", "--python", python, env_dir], cwd=project, env=uv_env()),
        "uv venv",
    )
    env_python = env_dir / "bin" / "python"
    install = run(
        [UV, "pip", "install", "-q", "--python", env_python,
         "--resolution", "lowest-direct", "-e", ".[dev]"],
        cwd=project, env=uv_env(), timeout=900,
    )  # fmt: skip
    check(install, "uv pip install --resolution lowest-direct")
    listed = check(
        run([UV, "pip", "list", "--python", env_python, "--format", "json"],
            cwd=project, env=uv_env()),
        "uv pip list",
    )  # fmt: skip
    installed = {
        canonicalize_name(package["name"]): Version(package["version"])
        for package in json.loads(listed.stdout)
    }
    bounds = lower_bounds(pyproject)
    at_bounds = {name: installed.get(name) for name in bounds}
    assert at_bounds == bounds, "each direct dependency at its lower bound"
    run_checks(env_dir / "bin", project)


def with_uv(project, tmp_path):
    """uv sync, then uv run pytest and ruff with no extra flag: the dev tools come
    with uv's default dependency group. What uv leaves behind is git-ignored, except
    uv.lock, which the README says to commit; the lock matches pyproject.toml."""
    readme = (project / "README.md").read_text()
    assert "uv sync\nuv run pytest" in readme
    commit_everything(project, "Baked")
    # The test's own Python, so that uv neither picks another one nor downloads one.
    env = uv_env(UV_PYTHON=sys.executable)
    check(run([UV, "sync"], cwd=project, env=env, timeout=900), "uv sync")
    for tool in ("pytest", "ruff", "mypy", "flask"):
        assert (project / ".venv" / "bin" / tool).is_file(), f"uv sync installs {tool}"
    for command in CHECKS:
        result = run([UV, "run", *command], cwd=project, env=env)
        assert result.returncode == 0, f"uv run {command}:\n{failure_report(result)}"
    check(run([UV, "lock", "--locked"], cwd=project, env=env), "uv lock --locked")
    assert git("status", "--porcelain", cwd=project).splitlines() == ["?? uv.lock"]
