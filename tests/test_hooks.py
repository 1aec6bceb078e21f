"""The hooks: their functions one by one, and refusals through the real CLI."""

import sys

import pytest

from harness.bake import BIN, TEMPLATE, load_hook

from .combinations import ALL_OPTIONS, BRINGS, CHOICES, brought
from .conftest import run

pytestmark = pytest.mark.quick  # the edit loop runs these: make test-quick

pre = load_hook("pre_gen_project")
post = load_hook("post_gen_project")

GOOD = {
    "project_name": "My Flask App",
    "project_slug": "my-flask-app",
    "package_name": "my_flask_app",
    "author_email": "you@example.com",
    "admin_emails": "ops@example.com, dev@example.org",
}


@pytest.mark.parametrize("slug", ["my-flask-app", "app", "a1", "My.App_2"])
def test_valid_slugs(slug):
    assert pre.check_slug(slug) is None


@pytest.mark.parametrize("slug", ["", "-app", "app-", "my app", "app/evil", "ünï"])
def test_invalid_slugs(slug):
    error = pre.check_slug(slug)
    assert error.startswith("project_slug: ")
    assert '"my-flask-app"' in error


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("1app", "is not a Python identifier"),
        ("my-app", "is not a Python identifier"),
        ("class", "is a Python keyword"),
        ("match", "is a Python keyword"),
        ("flask", "would shadow"),
        ("logging", "would shadow"),
        ("tests", "would shadow"),
        ("café", "is not a Python identifier"),
    ],
)
def test_invalid_package_names(name, problem):
    error = pre.check_package_name(name)
    assert error.startswith("package_name: ")
    assert problem in error
    assert '"my_flask_app"' in error


@pytest.mark.parametrize(
    "address", ["a@b.co", "first.last+tag@mail.example.com", "ops@localhost"]
)
def test_valid_email(address):
    assert pre.check_email("author_email", address) is None


@pytest.mark.parametrize(
    "address", ["", "nope", "a@", "@b.com", "a b@c.com", 'a"@b.com', "a@b..com"]
)
def test_invalid_email(address):
    error = pre.check_email("author_email", address)
    assert error.startswith("author_email: ")
    assert '"ops@example.com"' in error


def test_admin_emails_checks_each_address():
    assert pre.check_admin_emails("a@b.com, c@d.com") is None
    assert "'oops'" in pre.check_admin_emails("a@b.com, oops")
    assert pre.check_admin_emails(" , ").startswith("admin_emails: no address")


@pytest.mark.parametrize("name", ["", "   ", "tab\there", "new\nline"])
def test_invalid_project_names(name):
    assert pre.check_project_name(name).startswith("project_name: ")


def test_find_errors_lists_every_problem_in_question_order():
    answers = {**GOOD, "project_slug": "bad slug", "admin_emails": "nope"}
    errors = pre.find_errors(answers)
    assert [e.split(":")[0] for e in errors] == ["project_slug", "admin_emails"]
    assert pre.find_errors(GOOD) == []


@pytest.mark.parametrize(("value", "chosen"), [
    (True, True), (False, False), ("yes", True), ("no", False), ("True", True),
    ("false", False), ("1", True), ("0", False),
])  # fmt: skip
def test_is_chosen(value, chosen):
    assert post.is_chosen(value) is chosen


@pytest.mark.parametrize("question", BRINGS)
def test_unwanted_files_follow_the_answers(question):
    """With every answer that brings files, no file is unwanted; without one, its
    files are, except those another given answer shares."""
    everything = {**ALL_OPTIONS, "package_name": "pkg"}
    assert post.unwanted_files(everything) == []
    answers = CHOICES.get(question, (True, False))
    other = next(answer for answer in answers if answer != brought(question))
    unwanted = post.unwanted_files({**everything, question: other})
    files = [path.format(pkg="pkg") for path in BRINGS[question]["files"]]
    assert sorted(unwanted) == sorted(files)
    assert files, f"{question} brings files of its own"


def test_remove_files_is_safe_to_repeat(tmp_path):
    (tmp_path / "pkg/gone").mkdir(parents=True)
    (tmp_path / "pkg/gone.py").write_text("")
    (tmp_path / "pkg/gone/__init__.py").write_text("")
    post.remove_files(tmp_path, ["pkg/gone.py", "pkg/gone", "pkg/never-there.py"])
    post.remove_files(tmp_path, ["pkg/gone.py", "pkg/gone"])
    assert [path.name for path in tmp_path.rglob("*")] == ["pkg"]


def test_dotenv_is_written_once_and_kept(tmp_path):
    assert post.write_dotenv(tmp_path) is True
    (tmp_path / ".env").write_text("FLASK_CONFIG=development\nMY_OWN=1\n")
    assert post.write_dotenv(tmp_path) is False
    assert "MY_OWN=1" in (tmp_path / ".env").read_text()


def test_dotenv_is_the_same_at_every_bake(tmp_path):
    """Two renders of the template must not differ in it (cruft diffs them)."""
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        post.write_dotenv(tmp_path / name)
    assert (tmp_path / "one/.env").read_text() == (tmp_path / "two/.env").read_text()
    assert "FLASK_CONFIG=development" in (tmp_path / "one/.env").read_text()


def test_next_steps_name_the_project():
    steps = post.next_steps({"project_slug": "shop"})
    assert "cd shop" in steps
    assert 'pip install -e ".[dev]"' in steps


def test_next_steps_fit_the_platform():
    posix = post.next_steps({"project_slug": "shop"}, platform="linux")
    windows = post.next_steps({"project_slug": "shop"}, platform="win32")
    assert ". .venv/bin/activate" in posix
    assert ".venv\\Scripts\\Activate.ps1" in windows
    assert "&&" not in windows  # Windows PowerShell 5 has no &&
    assert "/bin/" not in windows


@pytest.mark.parametrize(
    ("answer", "question"),
    [
        ("project_slug=not a slug", "project_slug"),
        ("package_name=class", "package_name"),
        ("package_name=2fast", "package_name"),
        ("author_email=nobody", "author_email"),
        ("admin_emails=ops@example.com,,x", "admin_emails"),
    ],
)
def test_cli_refuses_bad_answers_and_leaves_nothing(tmp_path, answer, question):
    out = tmp_path / "out"
    out.mkdir()
    result = run(
        [BIN / "cookiecutter", "--no-input", "-o", out, TEMPLATE, answer], cwd=tmp_path
    )
    assert result.returncode != 0
    # The hook writes the refusal to stderr; cookiecutter adds its own report (with
    # a traceback of its hook runner) on stdout, which a hook cannot silence.
    assert f"ERROR: {question}: " in result.stderr
    assert "A valid answer looks like" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(out.iterdir()) == []


def test_hook_exits_nonzero_without_traceback(tmp_path, capsys):
    assert pre.main({**GOOD, "package_name": "def"}) == 1
    err = capsys.readouterr().err
    assert err.startswith("ERROR: package_name: 'def' is a Python keyword.")
    assert pre.main(GOOD) == 0


def test_hooks_run_with_this_python():
    # Hooks run under the interpreter that runs cookiecutter: keep them stdlib-only.
    for name in ("pre_gen_project", "post_gen_project"):
        source = (TEMPLATE / "hooks" / f"{name}.py").read_text()
        imports = {
            line.split()[1].split(".")[0]
            for line in source.splitlines()
            if line.startswith(("import ", "from "))
        }
        assert imports <= set(sys.stdlib_module_names), imports
