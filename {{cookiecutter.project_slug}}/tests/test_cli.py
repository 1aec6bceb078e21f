"""`flask` commands read .flaskenv everywhere and .env only where it exists: a
checkout without .env, as on a server, runs in production."""

import subprocess
import sys

import pytest

from .conftest import PROJECT_ROOT, production_environment, server_checkout

DEVELOPMENT_DOTENV = "FLASK_CONFIG=development\nFLASK_DEBUG=1\n"


def flask(command, folder):
    """Run `flask <command>` in folder, as a user would there."""
    return subprocess.run(  # noqa: S603 (our own command)
        [sys.executable, "-m", "flask", *command],
        cwd=folder,
        env=production_environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def checkout(tmp_path):
    return server_checkout(tmp_path / "checkout")


def test_flaskenv_names_only_the_app():
    lines = (PROJECT_ROOT / ".flaskenv").read_text().splitlines()
    settings = [line for line in lines if line and not line.startswith("#")]
    assert settings == ["FLASK_APP={{ cookiecutter.package_name }}"]


def test_without_dotenv_flask_commands_run_production(checkout):
    routes = flask(["routes"], checkout)
    assert routes.returncode == 0, routes.stderr
    assert "started in production" in routes.stderr
    assert "preview_error" not in routes.stdout  # development's page previews
    check = flask(["check-logging"], checkout)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "console: ok" in check.stdout.splitlines()


def test_with_the_development_dotenv_they_run_development(checkout):
    (checkout / ".env").write_text(DEVELOPMENT_DOTENV)
    routes = flask(["routes"], checkout)
    assert routes.returncode == 0, routes.stderr
    assert "preview_error" in routes.stdout
    assert "started in production" not in routes.stderr
