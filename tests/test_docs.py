"""Documentation stays true: every setting the code reads is documented, with the
default the code really has."""

import ast
import json
import re
import sys

import pytest

from .combinations import combination_id, each_choice_with_everything_on
from .conftest import run, suite_env

# Settings that are not the user's to set: what the factory sets.
NOT_SETTINGS = {"CONFIG_NAME", "TESTING"}
READ = re.compile(r"""config(?:\.get\(|\[)\s*["']([A-Z][A-Z0-9_]+)["']""")

DOCUMENTED_BAKES = each_choice_with_everything_on()


def settings_in_code(package):
    """Every setting a config class defines or the package reads from app.config."""
    keys = set()
    tree = ast.parse((package / "config.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for statement in node.body:
                if isinstance(statement, ast.Assign):
                    keys.update(t.id for t in statement.targets if t.id.isupper())
    for path in package.rglob("*.py"):
        keys.update(READ.findall(path.read_text()))
    return keys - NOT_SETTINGS


@pytest.mark.parametrize("answers", DOCUMENTED_BAKES, ids=combination_id)
def test_every_setting_is_documented(bake, answers):
    project = bake(**answers)
    keys = settings_in_code(project / "my_flask_app")
    assert {"SECRET_KEY", "LOG_LEVEL", "DEBUG"} <= keys
    readme = (project / "README.md").read_text()
    for key in sorted(keys):
        assert f"`{key}`" in readme or f"`FLASK_{key}`" in readme, f"README: {key}"


# Where the documentation says in words what a setting's value comes to.
EXPLAINED = {
    "MAIL_SENDER": "server-error@<host name>",  # None: the app's own default
    "NT_EVENTLOG_APPNAME": "the project name",
    "PROJECT_NAME": "the project name",
}
SETTINGS_OF = """\
import json
from my_flask_app.config import settings_for

config = settings_for("production")
print(json.dumps({k: v for k, v in config.items() if k.isupper()}, default=str))
"""


def production_defaults(project):
    """Every setting of the project's production configuration, read by its code."""
    result = run([sys.executable, "-c", SETTINGS_OF], cwd=project, env=suite_env())
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def literal(text):
    """A documented value as the app reads FLASK_* variables: JSON where it parses."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def readme_values(text, column):
    """{KEY: value} from the settings table rows whose cell at column is a value:
    `none...` is None, a backticked token is read like a FLASK_* variable."""
    values = {}
    for line in text.splitlines():
        if not line.startswith("| `"):
            continue
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) <= column:
            continue
        cell = cells[column]
        token = re.match(r"`([^`]+)`", cell)
        if cell.startswith("none"):
            value = None
        else:
            value = literal(token[1]) if token else cell
        for key in re.findall(r"`([A-Z][A-Z0-9_]+)`", cells[0]):
            values[key] = value
    return values


@pytest.mark.parametrize("answers", DOCUMENTED_BAKES, ids=combination_id)
def test_documented_defaults_are_the_real_ones(bake, answers):
    project = bake(
        **answers, project_name="Order Desk", project_slug="my-flask-app",
        admin_emails="ops@example.com, dev@example.com",
    )  # fmt: skip
    defaults = production_defaults(project)
    documented = readme_values((project / "README.md").read_text(), column=1)
    for key, value in documented.items():
        if EXPLAINED.get(key) == value:
            continue
        assert key in defaults, f"the README documents {key}, which the code lacks"
        # SECRET_KEY is required: production has none of its own.
        expected = None if key == "SECRET_KEY" else defaults[key]
        assert value == expected, f"the README: {key} {value!r}, code {expected!r}"
    if answers["use_smtp_handler"]:  # every recipient, not only the first
        assert documented["ADMINS"] == ["ops@example.com", "dev@example.com"]


@pytest.mark.parametrize("event_log", [True, False], ids=["event log", "no event log"])
def test_windows_users_get_powershell_commands(bake, event_log):
    """Every README has a Windows section, first when the event log is chosen, that
    goes from install to a served page without a POSIX command."""
    readme = (bake(use_nt_eventlog_handler=event_log) / "README.md").read_text()
    headings = re.findall(r"^## (.+)$", readme, re.M)
    windows = headings.index("On Windows")
    assert (windows < headings.index("Quick start")) is event_log
    section = readme.split("## On Windows", 1)[1].split("\n## ", 1)[0]
    assert "waitress-serve --listen=127.0.0.1:8000 wsgi:app" in section
    assert ".venv\\Scripts\\Activate.ps1" in section
    assert "$env:FLASK_SECRET_KEY" in section
    for posix in ("export ", "source .", ". .venv/bin/activate", "&&", "/bin/"):
        assert posix not in section, posix
