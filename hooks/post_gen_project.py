"""Finish a bake: drop what belongs to unchosen options, write a development .env.

Safe to run again over an existing bake (cookiecutter -f): removing an absent file is
not an error, and an existing .env is kept as it is.
"""

import json
import sys
from pathlib import Path

# What each answer brings: the files that exist only with it, removed otherwise, and
# the words that may appear in a project only with it (the template's tests look for
# them in every bake, and take the list of options from here). A yes/no question
# brings them with a yes; log_format with "json".
BRINGS = {
    "use_smtp_handler": {
        "files": [
            "{pkg}/log/mail.py",
            "{pkg}/log/throttle.py",
            "tests/test_log_mail.py",
            "tests/mail_server.py",
        ],
        "words": ["smtp", "mail", "ADMINS", "aiosmtpd", "trustme"],
    },
    "use_file_handler": {
        "files": ["{pkg}/log/file.py", "tests/test_log_file.py"],
        "words": ["LOG_FILE", "concurrent", "rotat"],
    },
    "use_syslog_handler": {
        "files": ["{pkg}/log/syslog.py", "tests/test_log_syslog.py"],
        "words": ["syslog"],
    },
    "use_nt_eventlog_handler": {
        "files": [
            "{pkg}/log/nteventlog.py",
            "tests/test_log_nteventlog.py",
            ".github/workflows/windows.yml",
        ],
        "words": ["NT_EVENTLOG", "nteventlog", "pywin32", "event log"],
    },
    "use_sentry": {
        "files": ["{pkg}/sentry.py", "tests/test_sentry.py"],
        "words": ["sentry"],
    },
    "log_format": {
        "answer": "json",
        "files": ["{pkg}/log/json_format.py", "tests/test_log_json.py"],
        "words": ["json_format", "python-json-logger", "pythonjsonlogger"],
    },
}
# Questions whose answer only matters with a yes to another: without it, every answer
# bakes the same project (the template's tests bake one of them).
ONLY_WITH = {"file_rotation": "use_file_handler"}


def is_chosen(value):
    """Answers arrive as JSON booleans, or as strings when given on the command line."""
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "y", "on"}
    return bool(value)


def brings(question, context):
    """Whether the answer to question brings what BRINGS lists for it."""
    wanted = BRINGS[question].get("answer")
    if wanted is None:
        return is_chosen(context[question])
    return context[question] == wanted


def unwanted_files(context):
    """Relative paths of the files the answers do not call for."""
    paths = [
        path
        for question, extra in BRINGS.items()
        if not brings(question, context)
        for path in extra["files"]
    ]
    return [path.format(pkg=context["package_name"]) for path in paths]


def remove_files(root, paths):
    for path in paths:
        (root / path).unlink(missing_ok=True)


DEVELOPMENT_DOTENV = """\
# Development settings, read by `flask` commands on this machine only: .env is never
# committed, so a checkout without it (a server) runs in production. The development
# configuration brings its own secret key, which production refuses.
FLASK_CONFIG=development
FLASK_DEBUG=1
"""


def write_dotenv(root):
    """Write the git-ignored development .env, unless one is there already.

    Its text is the same at every bake, so that tools which compare two renders of
    the template (cruft) find nothing to change in it.
    """
    dotenv = root / ".env"
    if dotenv.exists():
        return False
    dotenv.write_text(DEVELOPMENT_DOTENV, encoding="utf-8")
    return True


def next_steps(context, platform=sys.platform):
    """What to type next, in the shell of the platform the bake ran on."""
    slug = context["project_slug"]
    if platform == "win32":  # PowerShell
        setup = "python -m venv .venv; .venv\\Scripts\\Activate.ps1\n"
    else:
        setup = "python -m venv .venv && . .venv/bin/activate\n"
    return (
        f"\nCreated {slug}. Next steps:\n\n"
        f"    cd {slug}\n"
        f"    {setup}"
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
