"""Documentation stays true: every setting the code reads is documented."""

import ast
import re

import pytest

from harness.bake import TEMPLATE

from .combinations import combination_id

# Settings that are not the user's to set: the prompt answer, and what the factory sets.
NOT_SETTINGS = {"PROJECT_NAME", "CONFIG_NAME", "TESTING"}
READ = re.compile(r"""config(?:\.get\(|\[)\s*["']([A-Z][A-Z0-9_]+)["']""")

DOCUMENTED_BAKES = [
    {"use_syslog_handler": True, "use_nt_eventlog_handler": True, "use_sentry": True,
     "use_smtp_handler": True, "use_file_handler": True, "file_rotation": "size",
     "log_format": "text"},
    {"use_syslog_handler": True, "use_nt_eventlog_handler": True, "use_sentry": True,
     "use_smtp_handler": True, "use_file_handler": True, "file_rotation": "time",
     "log_format": "json"},
    {"use_syslog_handler": False, "use_nt_eventlog_handler": False, "use_sentry": False,
     "use_smtp_handler": False, "use_file_handler": True, "file_rotation": "external",
     "log_format": "text"},
]  # fmt: skip


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
    env_example = (project / ".env.example").read_text()
    template_readme = (TEMPLATE / "README.md").read_text()
    for key in sorted(keys):
        assert f"`{key}`" in readme or f"`FLASK_{key}`" in readme, f"README: {key}"
        assert re.search(rf"^#? ?FLASK_{key}=", env_example, re.M), (
            f".env.example: {key}"
        )
        assert f"`FLASK_{key}`" in template_readme, f"template README: {key}"
