"""A generated project's `flask` commands in a checkout with and without `.env`:
`.flaskenv` is read everywhere, `.env` only where it exists, so a checkout without
it, as on a server, runs in production."""

import sys

from .conftest import production_env, run, suite_env


def flask(command, project, tmp_path):
    """`flask <command>` in project, with a server's settings in the environment,
    but for FLASK_CONFIG: .env says it, or nothing does."""
    env = {**suite_env(), **production_env(tmp_path), "PYTHONPATH": str(project)}
    del env["FLASK_CONFIG"]
    return run([sys.executable, "-m", "flask", *command], cwd=project, env=env)


def test_without_dotenv_flask_commands_run_production(bake, tmp_path):
    project = bake()
    (project / ".env").unlink()
    routes = flask(["routes"], project, tmp_path)
    assert routes.returncode == 0, routes.stderr
    assert "started in production" in routes.stderr
    assert "preview_error" not in routes.stdout  # development's page previews
    check = flask(["check-logging"], project, tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "console: ok" in check.stdout.splitlines()


def test_with_the_development_dotenv_they_run_development(bake, tmp_path):
    routes = flask(["routes"], bake(), tmp_path)
    assert routes.returncode == 0, routes.stderr
    assert "preview_error" in routes.stdout
    assert "started in production" not in routes.stderr
