"""What a generated project declares: every package its code imports, each with a
floor past the advisories known for it."""

import ast
import sys
import tomllib
from importlib.metadata import packages_distributions

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from harness.bake import TEMPLATE, bake

from .combinations import ALL_OPTIONS

# The first release past each known advisory (or fork-safety fix), by distribution.
FIXED = {
    "flask": ("3.1.3", "GHSA-4grg-w6v8-c28g, GHSA-68rp-wp8r-4726"),
    "werkzeug": ("3.1.9", "GHSA-hgf8-39gv-g3f2, -87hc-h4r5-73f7, -29vq-49wr-vm6x, ..."),
    "gunicorn": ("23.0", "CVE-2024-1135, CVE-2024-6827"),
    "waitress": ("3.0.1", "CVE-2024-49768, CVE-2024-49769"),
    "concurrent-log-handler": ("0.9.30", "fork races (0.9.29), fork deadlock (0.9.30)"),
    "sentry-sdk": ("2.8.0", "CVE-2024-40647"),
    "setuptools": ("78.1.1", "CVE-2024-6345, CVE-2025-47273"),
    "aiosmtpd": ("1.4.6", "CVE-2024-27305, CVE-2024-34083"),
    "pytest": ("9.0.3", "CVE-2025-71176"),
}
# Modules whose distribution is not installed here (Windows only).
NOT_HERE = {"win32evtlog": "pywin32", "win32evtlogutil": "pywin32"}
# Names that need no distribution: type checkers' own, and uWSGI's embedded module.
BUILT_IN = {"_typeshed", "uwsgi"}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return bake(tmp_path_factory.mktemp("deps"), **ALL_OPTIONS)


def requirements(project):
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    listed = [
        *pyproject["build-system"]["requires"],
        *pyproject["project"]["dependencies"],
        *pyproject["project"]["optional-dependencies"]["dev"],
    ]
    return [Requirement(line) for line in listed]


def imported_modules(project):
    """The top-level names of every import in the project's Python files."""
    names = set()
    for path in project.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names.add(node.module.split(".")[0])
    return names


def test_every_imported_package_is_declared(project):
    declared = {canonicalize_name(r.name) for r in requirements(project)}
    distributions = {
        **packages_distributions(),
        **{k: [v] for k, v in NOT_HERE.items()},
    }
    own = {"my_flask_app", "tests", "wsgi", "gunicorn_conf"}
    third_party = imported_modules(project) - set(sys.stdlib_module_names) - own
    missing = {
        module: distributions.get(module)
        for module in third_party - BUILT_IN
        if not declared & {canonicalize_name(d) for d in distributions.get(module, [])}
    }
    assert not missing, f"imported, not declared in pyproject.toml: {missing}"


def test_no_floor_admits_a_known_advisory(project):
    dev_requirements = (TEMPLATE / "requirements-dev.txt").read_text().splitlines()
    template = [Requirement(line) for line in dev_requirements if line[:1].isalpha()]
    for requirement in [*requirements(project), *template]:
        floors = [s.version for s in requirement.specifier if s.operator == ">="]
        assert floors, f"{requirement} has no floor"
        fixed = FIXED.get(canonicalize_name(requirement.name))
        if fixed:
            assert Version(floors[0]) >= Version(fixed[0]), (
                f"{requirement} admits releases before {fixed[0]} ({fixed[1]})"
            )
