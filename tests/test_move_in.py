"""An app written the way Flask's tutorial writes one moves into a generated project
with the edits the project's README lists under "Moving an app in", and nothing else.

The app, in move_in/ (a package, myblog, and its tests): two blueprints, its own `/`
and base.html, a raw sqlite3 database with an init-db command and a schema.sql, a
stylesheet, and tests whose fixture calls create_app({"TESTING": True, ...}). After
the move, both test suites pass, and ruff and mypy; installed from a wheel, the app
runs away from the checkout.
"""

import re
import shutil
import sysconfig
import textwrap
import venv
from pathlib import Path

import pytest

from harness.bake import BIN

from .combinations import ALL_OPTIONS
from .conftest import failure_report, run, suite_env

APP = Path(__file__).parent / "move_in"
OLD_PACKAGE = "myblog"
PACKAGE = "my_flask_app"
# What the app's factory set, less SECRET_KEY (the README's step 3).
SETTINGS = "    POSTS_PER_PAGE = 10\n"


def moving_in(readme):
    """The README's "Moving an app in" section."""
    return readme.split("### Moving an app in\n", 1)[1].split("\n### ", 1)[0]


def code_block(section, language):
    (block,) = re.findall(rf"^ *```{language}\n(.*?)^ *```$", section, re.M | re.S)
    return textwrap.dedent(block)


def replacements(snippet):
    """[old, new] pairs from a snippet in which a comment "in place of: <old>" ends
    the line that replaces old, or stands above the lines that do."""
    pairs = []
    for line in snippet.splitlines():
        code, _, comment = line.partition("#")
        old = comment.partition("in place of: ")[2].strip()
        if old and code.strip():
            pairs.append([old, code.rstrip()])
        elif old:
            indent = line[: len(line) - len(line.lstrip())]
            pairs.append([indent + old, ""])
        elif code.strip():
            pairs[-1][1] += ("\n" if pairs[-1][1] else "") + code.rstrip()
    return pairs


def replace(path, old, new):
    text = path.read_text()
    assert old in text, f"{path.name} has no {old!r}"
    path.write_text(text.replace(old, new, 1))


def copy_the_package(project, section):
    package = project / PACKAGE
    for source in (APP / OLD_PACKAGE).rglob("*"):
        target = package / source.relative_to(APP / OLD_PACKAGE)
        if source.is_file() and target != package / "__init__.py":
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target)


def replace_the_starter_page(project, section):
    shutil.rmtree(project / PACKAGE / "main")
    for old, new in replacements(code_block(section, "python")):
        replace(project / PACKAGE / "__init__.py", old, new)


def move_the_settings(project, section):
    replace(project / PACKAGE / "config.py", '    LOG_LEVEL = "INFO"\n',
            SETTINGS + '    LOG_LEVEL = "INFO"\n')  # fmt: skip


def move_the_tests(project, section):
    folder = project / "tests" / "blog"
    folder.mkdir()
    for source in (APP / "tests").glob("*.py"):
        text = re.sub(rf"\b{OLD_PACKAGE}\b", PACKAGE, source.read_text())
        (folder / source.name).write_text(text)


def add_the_mypy_override(project, section):
    with (project / "pyproject.toml").open("a") as pyproject:
        pyproject.write("\n" + code_block(section, "toml"))


# The README's numbered steps, in order.
MOVE = [copy_the_package, replace_the_starter_page, move_the_settings,
        move_the_tests, add_the_mypy_override]  # fmt: skip


def moved_in(project):
    """The project, with the app moved in as its README says."""
    section = moving_in((project / "README.md").read_text())
    assert len(re.findall(r"^\d+\. ", section, re.M)) == len(MOVE), section
    for step in MOVE:
        step(project, section)
    return project


def check(command, project):
    result = run([BIN / command[0], *command[1:]], cwd=project, env=suite_env())
    assert result.returncode == 0, f"{command}:\n{failure_report(result)}"
    return result


@pytest.mark.parametrize("answers", [{}, ALL_OPTIONS], ids=["defaults", "all options"])
def test_an_app_moves_in_with_the_documented_edits(bake, answers):
    project = moved_in(bake(**answers))
    suites = check(["pytest", "--cov", "-q", "-p", "no:cacheprovider", "-rp"], project)
    app_tests = re.findall(r"^PASSED tests/blog/", suites.stdout, re.M)
    assert len(app_tests) == 11, "the app's own tests ran, and passed"
    assert not (project / "instance").exists(), "the tests wrote into instance/"
    check(["ruff", "check", "."], project)
    check(["ruff", "format", "--check", "."], project)
    check(["mypy"], project)


# Run away from the checkout, by the installed package alone.
INSTALLED = f"""
from {PACKAGE} import create_app

app = create_app()
print(app.root_path)
client = app.test_client()
for path in ("/", "/static/style.css", "/no-such-page", "/readyz"):
    response = client.get(path)
    print(path, response.status_code, 'href="/static/style.css"' in response.text)
    response.close()
"""


@pytest.mark.slow
def test_the_moved_app_runs_from_a_wheel(bake, tmp_path):
    """pip install of a wheel (not editable) brings every file of the package:
    schema.sql for init-db, the stylesheet, the templates."""
    project = moved_in(bake())
    wheel = run([BIN / "python", "-m", "pip", "wheel", "-q", "--no-deps",
                 "-w", tmp_path / "dist", "."], cwd=project)  # fmt: skip
    assert wheel.returncode == 0, wheel.stderr
    # A fresh environment that takes the dependencies from this one.
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site = run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
               cwd=tmp_path).stdout.strip()  # fmt: skip
    Path(site, "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    (wheel_file,) = (tmp_path / "dist").glob("*.whl")
    install = run([BIN / "python", "-m", "pip", "--python", python, "install", "-q",
                   "--no-deps", "--no-index", wheel_file], cwd=tmp_path)  # fmt: skip
    assert install.returncode == 0, install.stderr

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**suite_env(), "FLASK_APP": PACKAGE,
           "FLASK_SECRET_KEY": "a-server-secret-key-0123456789abcdef"}  # fmt: skip
    init_db = run([python, "-m", "flask", "init-db"], cwd=elsewhere, env=env)
    assert "Initialized the database." in init_db.stdout, init_db.stderr
    served = run([python, "-c", INSTALLED], cwd=elsewhere, env=env)
    assert served.returncode == 0, served.stderr
    root, *pages = served.stdout.splitlines()
    assert root.startswith(site), "the installed package, not the checkout"
    assert pages == [
        "/ 200 True",
        "/static/style.css 200 False",
        "/no-such-page 404 True",  # the project's error page in the app's layout
        "/readyz 200 False",
    ]
