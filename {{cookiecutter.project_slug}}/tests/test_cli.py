"""`flask` commands read .flaskenv everywhere, and .env only where it exists (the
template's tests run them in a checkout with and without .env)."""

from .conftest import PROJECT_ROOT


def test_flaskenv_names_only_the_app():
    lines = (PROJECT_ROOT / ".flaskenv").read_text().splitlines()
    settings = [line for line in lines if line and not line.startswith("#")]
    assert settings == ["FLASK_APP={{ cookiecutter.package_name }}"]
