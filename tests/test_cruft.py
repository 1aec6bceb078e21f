"""cruft keeps a generated project up to date with the template: create, check, diff,
and update after the template changed, from a git copy of this working tree."""

import json
import os
import shlex
import shutil

from harness.bake import BIN, TEMPLATE

from .conftest import run

CRUFT = BIN / "cruft"
PROJECT_README = "{{cookiecutter.project_slug}}/README.md"
ADDED_LINE = "A line the template gained after the project was made."


def git_env():
    """This environment without the user's git settings (a signing key, hooks) or a
    GIT_DIR from outside; cruft's own git commands get it too."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    return env


def git(*args, cwd):
    """Run git with a name and e-mail of its own; fail the test if git fails."""
    result = run(
        ["git", "-c", "user.name=Template Tests", "-c", "user.email=tests@example.com",
         "-c", "init.defaultBranch=main", *args],
        cwd=cwd, env=git_env(),
    )  # fmt: skip
    assert result.returncode == 0, f"git {args}: {result.stdout}{result.stderr}"
    return result.stdout


def commit_everything(directory, message):
    """git init (if needed), add and commit all of directory; return the commit."""
    if not (directory / ".git").exists():
        git("init", "-q", cwd=directory)
    git("add", "-A", cwd=directory)
    git("commit", "-q", "-m", message, cwd=directory)
    return git("rev-parse", "HEAD", cwd=directory).strip()


def copy_of_the_template(directory):
    """This working tree as a repository of its own, in one commit: the tracked files
    and the untracked ones git does not ignore, as they are on disk now (others may
    be editing; a clone would only see what is committed). Return the commit."""
    listed = git("ls-files", "-z", "--cached", "--others", "--exclude-standard",
                 cwd=TEMPLATE)  # fmt: skip
    names = [name for name in listed.split("\0") if name]
    assert "cookiecutter.json" in names
    for name in names:
        source = TEMPLATE / name
        if source.is_file():  # a tracked file deleted from the working tree is not
            (directory / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, directory / name)
    return commit_everything(directory, "The template as it is now")


def cruft(*args, cwd):
    return run([CRUFT, *args], cwd=cwd, env=git_env())


def recorded_commit(project):
    return json.loads((project / ".cruft.json").read_text())["commit"]


def test_cruft_create_check_diff_and_update(tmp_path):
    template = tmp_path / "template"
    first = copy_of_the_template(template)
    projects = tmp_path / "projects"
    created = cruft(
        "create", "--no-input", "--default-config", "--output-dir", projects, template,
        cwd=tmp_path,
    )  # fmt: skip
    assert created.returncode == 0, created.stdout + created.stderr
    project = projects / "my-flask-app"
    assert recorded_commit(project) == first
    dotenv = (project / ".env").read_text()
    commit_everything(project, "Made from the template")  # .env is git-ignored

    for command in (["check"], ["diff", "--exit-code"]):
        result = cruft(*command, cwd=project)
        assert result.returncode == 0, (
            f"cruft {command}: {result.stdout}{result.stderr}"
        )

    # The template moves on: one line more in the project's README.
    readme = template / PROJECT_README
    readme.write_text(readme.read_text() + f"\n{ADDED_LINE}\n")
    second = commit_everything(template, "A line more in the README")
    stale = cruft("check", cwd=project)
    assert stale.returncode != 0, "cruft check sees the template's new commit"

    updated = cruft("update", "-y", cwd=project)
    assert updated.returncode == 0, updated.stdout + updated.stderr
    assert ADDED_LINE in (project / "README.md").read_text()
    assert recorded_commit(project) == second
    assert sorted(p.relative_to(project) for p in project.rglob("*.rej")) == []
    assert not (project / ".env.rej").exists()
    assert (project / ".env").read_text() == dotenv, "the development .env is kept"
    status = git("status", "--porcelain", cwd=project).splitlines()
    assert sorted(line[3:] for line in status) == [".cruft.json", "README.md"], status
    for command in (["check"], ["diff", "--exit-code"]):
        result = cruft(*command, cwd=project)
        assert result.returncode == 0, (
            f"cruft {command}: {result.stdout}{result.stderr}"
        )


def test_cookiecutter_generates_from_a_git_url_as_the_readme_says(tmp_path):
    """The README's command with answers, with the file:// URL of a bare repository
    for the git URL: cookiecutter clones it as it clones one on a forge."""
    (tmp_path / "copy").mkdir()
    copy_of_the_template(tmp_path / "copy")
    git("clone", "-q", "--bare", "copy", "template.git", cwd=tmp_path)
    section = (TEMPLATE / "README.md").read_text().split("## Generate a project")[1]
    commands = [line for line in section.splitlines() if line.startswith("uvx ")]
    assert len(commands) == 2, commands
    config = tmp_path / "cookiecutter.yaml"
    config.write_text(f"cookiecutters_dir: {tmp_path / 'clones'}\n")
    url = (tmp_path / "template.git").as_uri()
    words = shlex.split(commands[1].replace("<git URL of this repository>", url))
    assert words[:3] == ["uvx", "cookiecutter", "--no-input"]
    baked = run(
        [BIN / "cookiecutter", "--config-file", config, "-o", tmp_path / "out",
         *words[2:]],
        cwd=tmp_path, env=git_env(),
    )  # fmt: skip
    assert baked.returncode == 0, baked.stdout + baked.stderr
    project = tmp_path / "out" / "order-desk"
    assert (project / "order_desk" / "log" / "syslog.py").is_file()
    assert (tmp_path / "clones" / "template" / ".git").is_dir(), "cloned with git"
