"""Bake every supported combination; each must be clean, complete and lint-free."""

import ast
import json
import re
from pathlib import Path

import pytest
from cookiecutter.main import cookiecutter

from harness.bake import BIN, TEMPLATE

from .combinations import (
    BRINGS,
    CHOICES,
    DEFAULTS,
    HOOK,
    ONLY_WITH,
    combination_id,
    every_combination,
)
from .conftest import run


def trace_patterns(question):
    """The hook's words for question, each where no letter comes before it: "mail"
    finds "error mail" and "FLASK_MAIL_SERVER" but not "email"."""
    return [
        re.compile(rf"(?<![a-z]){re.escape(word)}", re.IGNORECASE)
        for word in BRINGS[question]["words"]
    ]


TRACES = {question: trace_patterns(question) for question in BRINGS}


def markdown_scars(text):
    """Where a Jinja block left a scar in Markdown: a heading right under a line of
    text, or two blank lines in a row. Fenced code is left alone."""
    scars, fenced, previous = [], False, ""
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced:
            if line.startswith("#") and previous.strip():
                scars.append(f"line {number}: a heading right under text")
            if not line.strip() and not previous.strip():
                scars.append(f"line {number}: a second blank line")
        previous = line
    return scars


def project_files(project):
    return sorted(p for p in project.rglob("*") if p.is_file() and p.name != ".env")


@pytest.mark.quick
def test_defaults(bake):
    project = bake()
    assert project.name == "my-flask-app"
    for path in (
        "my_flask_app/__init__.py",
        "my_flask_app/config.py",
        "my_flask_app/errors.py",
        "my_flask_app/extensions.py",
        "my_flask_app/log/mail.py",
        "my_flask_app/log/file.py",
        "my_flask_app/templates/base.html",
        "my_flask_app/templates/errors/generic.html",
        "tests/conftest.py",
        "wsgi.py",
        ".flaskenv",
        ".github/workflows/ci.yml",
    ):
        assert (project / path).is_file(), path
    for absent in ("my_flask_app/log/syslog.py", "my_flask_app/sentry.py"):
        assert not (project / absent).exists()
    assert ".env" in (project / ".gitignore").read_text().splitlines()
    dotenv = (project / ".env").read_text().splitlines()
    assert {"FLASK_CONFIG=development", "FLASK_DEBUG=1"} <= set(dotenv)
    flaskenv = (project / ".flaskenv").read_text().splitlines()
    assert [line for line in flaskenv if "=" in line] == ["FLASK_APP=my_flask_app"]


def cheap_checks():
    """Every combination; the defaults' also in the quick tier."""
    return [
        pytest.param(
            a, id=combination_id(a), marks=[pytest.mark.quick] * (a == DEFAULTS)
        )
        for a in every_combination()
    ]


@pytest.mark.parametrize("answers", cheap_checks())
def test_combination_is_clean(bake, answers):
    project = bake(**answers)
    absent = [q for q in BRINGS if not HOOK.brings(q, answers)]
    for path in project_files(project):
        raw = path.read_bytes()
        assert b"\r\n" not in raw, f"{path}: CRLF line ending"
        text = raw.decode()
        assert "cookiecutter" not in text.lower(), f"{path}: template placeholder left"
        assert "cookiecutter" not in str(path)
        for question in absent:
            for pattern in TRACES[question]:
                found = pattern.search(text)
                assert found is None, (
                    f"{path.relative_to(project)} mentions {found[0]!r} though "
                    f"{question} is {answers[question]!r}"
                )
        if path.suffix == ".py":
            ast.parse(text, filename=str(path))
        if path.suffix == ".md":
            assert markdown_scars(text) == [], path.relative_to(project)
    lint = run([BIN / "ruff", "check", "--no-cache", "."], cwd=project)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    fmt = run([BIN / "ruff", "format", "--check", "--no-cache", "."], cwd=project)
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


@pytest.mark.parametrize(("choice", "switch"), ONLY_WITH.items())
def test_a_choice_only_matters_with_its_switch(bake, choice, switch):
    """Why a full run bakes one project for all its answers while the switch is off."""
    trees = [
        tree_contents(bake(**{switch: False, choice: value}))
        for value in CHOICES[choice]
    ]
    assert all(tree == trees[0] for tree in trees)


def tree_contents(project):
    return {
        str(path.relative_to(project)): path.read_bytes()
        for path in project_files(project)
    }


# Not "{{": cookiecutter renders every answer as Jinja.
NASTY_NAME = """Bob's "Quoted" \\ App \\n \\\\ 'é' \"\"\" """


def test_project_name_with_quotes_and_backslashes(bake):
    project = bake(project_name=NASTY_NAME, project_slug="nasty-app")
    tree = ast.parse((project / "nasty_app/config.py").read_text())
    literals = [
        node.value.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        and getattr(node.targets[0], "id", None) == "PROJECT_NAME"
    ]
    assert literals == [NASTY_NAME]
    description = (project / "pyproject.toml").read_text()
    assert 'name = "nasty-app"' in description
    assert run([BIN / "ruff", "format", "--check", "."], cwd=project).returncode == 0
    assert run([BIN / "ruff", "check", "."], cwd=project).returncode == 0


@pytest.mark.parametrize(
    ("given", "expected"),
    [("yes", True), ("no", False), ("true", True), ("false", False)],
)
def test_booleans_given_as_words(bake, given, expected):
    project = bake(use_syslog_handler=given, use_smtp_handler=given)
    assert (project / "my_flask_app/log/syslog.py").exists() is expected
    assert (project / "my_flask_app/log/mail.py").exists() is expected


def test_rebake_over_an_existing_project(tmp_path):
    def bake(**answers):
        return cookiecutter(
            str(TEMPLATE),
            no_input=True,
            output_dir=str(tmp_path),
            overwrite_if_exists=True,
            extra_context=answers,
        )

    project = Path(bake())
    (project / ".env").write_text("FLASK_CONFIG=development\nMY_OWN=1\n")
    (project / "my_flask_app/views_of_my_own.py").write_text("# mine\n")
    bake(use_smtp_handler=False)
    assert "MY_OWN=1" in (project / ".env").read_text(), "a rebake keeps the .env"
    assert not (project / "my_flask_app/log/mail.py").exists()
    assert (project / "my_flask_app/views_of_my_own.py").exists()


def test_markdown_scars_are_found():
    text = "Intro.\n## Heading\n\n\nText.\n\n```sh\n# a comment\n\n\n```\n"
    assert markdown_scars(text) == [
        "line 2: a heading right under text",
        "line 4: a second blank line",
    ]


def test_every_prompt_has_a_sentence():
    config = json.loads((TEMPLATE / "cookiecutter.json").read_text())
    questions = [k for k in config if not k.startswith("_")]
    assert sorted(config["__prompts__"]) == sorted(questions)


def test_template_readme_names_every_prompt():
    config = json.loads((TEMPLATE / "cookiecutter.json").read_text())
    readme = (TEMPLATE / "README.md").read_text()
    for key in (k for k in config if not k.startswith("_")):
        assert f"`{key}`" in readme, key
