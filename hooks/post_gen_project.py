"""Finish a bake: drop what belongs to unchosen options, write a development .env.

Safe to run again over an existing bake (cookiecutter -f): removing an absent file is
not an error, and an existing .env keeps its secret key.
"""

import base64
import json
import os
import sys
from pathlib import Path

# Files that exist only for one option, by the answer that keeps them.
OPTIONAL_FILES = {
    "use_smtp_handler": [
        "{pkg}/log/mail.py",
        "{pkg}/log/throttle.py",
        "tests/test_log_mail.py",
    ],
    "use_file_handler": ["{pkg}/log/file.py", "tests/test_log_file.py"],
    "use_syslog_handler": ["{pkg}/log/syslog.py", "tests/test_log_syslog.py"],
    "use_nt_eventlog_handler": [
        "{pkg}/log/nteventlog.py",
        "tests/test_log_nteventlog.py",
        ".github/workflows/windows.yml",
    ],
    "use_sentry": ["{pkg}/sentry.py", "tests/test_sentry.py"],
}
JSON_ONLY_FILES = ["{pkg}/log/json_format.py", "tests/test_log_json.py"]
# Files that serve several options: kept when any of them is chosen.
SHARED_FILES = {
    "{pkg}/log/background.py": ["use_smtp_handler", "use_syslog_handler"],
}


def is_chosen(value):
    """Answers arrive as JSON booleans, or as strings when given on the command line."""
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "y", "on"}
    return bool(value)


def unwanted_files(context):
    """Relative paths of the files the answers do not call for."""
    paths = []
    for option, files in OPTIONAL_FILES.items():
        if not is_chosen(context[option]):
            paths.extend(files)
    if context["log_format"] != "json":
        paths.extend(JSON_ONLY_FILES)
    for path, options in SHARED_FILES.items():
        if not any(is_chosen(context[option]) for option in options):
            paths.append(path)
    return [path.format(pkg=context["package_name"]) for path in paths]


def remove_files(root, paths):
    for path in paths:
        (root / path).unlink(missing_ok=True)


def write_dotenv(root):
    """Write a git-ignored .env with a random development secret key, once."""
    dotenv = root / ".env"
    if dotenv.exists():
        return False
    dotenv.write_text(
        "# Development settings, read by `flask` commands. Never commit this file.\n"
        f"FLASK_SECRET_KEY={random_key()}\n",
        encoding="utf-8",
    )
    return True


def random_key():
    """What secrets.token_urlsafe(32) returns, without importing secrets and random:
    hooks start a fresh interpreter on every bake, and imports are most of its time."""
    return base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()


def next_steps(context):
    slug = context["project_slug"]
    return (
        f"\nCreated {slug}. Next steps:\n\n"
        f"    cd {slug}\n"
        "    python -m venv .venv && . .venv/bin/activate\n"
        '    pip install -e ".[dev]"\n'
        "    pytest            # the generated tests\n"
        "    flask run         # http://127.0.0.1:5000 in development mode\n"
    )


def main(context, root):
    remove_files(root, unwanted_files(context))
    write_dotenv(root)
    print(next_steps(context))
    return 0


if __name__ == "__main__":
    sys.exit(main(json.loads(r"""{{ cookiecutter | jsonify }}"""), Path.cwd()))
