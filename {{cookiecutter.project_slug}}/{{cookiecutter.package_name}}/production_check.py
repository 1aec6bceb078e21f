"""What production refuses to start with: a weak secret key, the debugger, testing."""

import os

from dotenv import dotenv_values, find_dotenv
from flask import Config as FlaskConfig

DEVELOPMENT_SECRET_KEY = "insecure-development-key-not-for-production"  # noqa: S105
# Production refuses a shorter key, one of too few different characters (32 spaces,
# "changeme" four times), and these in any case or spacing: they belong in development.
MIN_SECRET_KEY_LENGTH = 32
MIN_SECRET_KEY_CHARACTERS = 10
DEVELOPMENT_SECRET_KEYS = {DEVELOPMENT_SECRET_KEY, "insecure-development-key"}
WEAK = (
    f"shorter than {MIN_SECRET_KEY_LENGTH} characters, made of fewer than "
    f"{MIN_SECRET_KEY_CHARACTERS} different characters or a development value"
)
# Settings production refuses to have on, and why.
SKIPS_ERROR_HANDLING = "unhandled errors would skip the error pages and the logs"
REFUSED_ON = {
    "DEBUG": "production never runs with the debugger",
    "TESTING": SKIPS_ERROR_HANDLING,
    "PROPAGATE_EXCEPTIONS": SKIPS_ERROR_HANDLING,
}


def check_production_config(config: FlaskConfig) -> None:
    """Refuse settings that must never reach production."""
    if weak_secret_key(config["SECRET_KEY"]):
        raise RuntimeError(
            f"SECRET_KEY is unset, {WEAK}{set_by('SECRET_KEY')}: set "
            "FLASK_SECRET_KEY, or SECRET_KEY in the instance folder's config.py, to a "
            "long random value before starting in production, for example the output "
            'of `python -c "import secrets; print(secrets.token_hex())"`.'
        )
    if any(weak_secret_key(key) for key in config.get("SECRET_KEY_FALLBACKS") or ()):
        raise RuntimeError(
            f"SECRET_KEY_FALLBACKS holds a key {WEAK}"
            f"{set_by('SECRET_KEY_FALLBACKS')}: a session signed with any old key is "
            "still accepted. Remove that key (separate keys with commas in text)."
        )
    for key, why in REFUSED_ON.items():
        if config.get(key):
            raise RuntimeError(
                f"{key} is on{set_by(key)}: {why}. Turn it off, "
                "or use FLASK_CONFIG=development."
            )


def weak_secret_key(key: object) -> bool:
    if isinstance(key, bytes):
        key = key.decode("latin-1")
    if not isinstance(key, str):
        return True
    return (
        len(key) < MIN_SECRET_KEY_LENGTH
        or len(set(key)) < MIN_SECRET_KEY_CHARACTERS
        or key.strip().lower() in DEVELOPMENT_SECRET_KEYS
    )


def set_by(key: str) -> str:
    """Which variable set a refused setting, naming .env when it came from there:
    flask commands load .env, which belongs on a developer's machine only."""
    name = f"FLASK_{key}"
    if name not in os.environ:
        return ""
    dotenv = find_dotenv(".env", usecwd=True)  # where flask commands find it
    if dotenv and dotenv_values(dotenv).get(name) == os.environ[name]:
        return f" (set by {name} in {dotenv})"
    return f" (set by the environment variable {name})"
