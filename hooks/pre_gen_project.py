"""Refuse bad answers before cookiecutter writes anything.

Every check returns an error sentence or None, so the template's tests can call them
directly. A refusal names the question, shows a valid answer and exits with status 1.
"""

import json
import keyword
import re
import sys

# PEP 508 distribution names; the slug is also the project's directory.
SLUG_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")
# Deliberately plain: one @, no spaces, quotes or backslashes, then a host name.
EMAIL_RE = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$"
)
# Import names that would shadow what the generated project itself imports.
TAKEN_NAMES = {
    "flask",
    "werkzeug",
    "jinja2",
    "sqlalchemy",
    "flask_sqlalchemy",
    "tests",
    "wsgi",
}


def check_project_name(value):
    if not value.strip():
        return (
            'project_name: the name is empty. A valid answer looks like "My Flask App".'
        )
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return (
            "project_name: the name contains a control character. "
            'A valid answer looks like "My Flask App".'
        )
    return None


def check_slug(value):
    if SLUG_RE.match(value):
        return None
    return (
        f"project_slug: {value!r} is not a valid distribution name (letters, digits, "
        "'-', '_' or '.', starting and ending with a letter or digit). "
        'A valid answer looks like "my-flask-app".'
    )


def check_package_name(value):
    if not value.isidentifier() or not value.isascii():
        problem = "is not a Python identifier"
    elif keyword.iskeyword(value) or keyword.issoftkeyword(value):
        problem = "is a Python keyword"
    elif value in TAKEN_NAMES or value in sys.stdlib_module_names:
        problem = "would shadow a module the project imports"
    else:
        return None
    return (
        f'package_name: {value!r} {problem}. A valid answer looks like "my_flask_app".'
    )


def check_email(question, value):
    if EMAIL_RE.match(value.strip()):
        return None
    return (
        f"{question}: {value!r} is not an e-mail address. "
        'A valid answer looks like "ops@example.com".'
    )


def check_admin_emails(value):
    addresses = [part.strip() for part in value.split(",")]
    if not any(addresses):
        return (
            "admin_emails: no address given. "
            'A valid answer looks like "ops@example.com, dev@example.com".'
        )
    for address in addresses:
        error = check_email("admin_emails", address)
        if error:
            return (
                error
                + ' Separate several with commas: "ops@example.com, dev@example.com".'
            )
    return None


def find_errors(context):
    """Every refusal for these answers, in the order the questions are asked."""
    checks = [
        check_project_name(context["project_name"]),
        check_slug(context["project_slug"]),
        check_package_name(context["package_name"]),
        check_email("author_email", context["author_email"]),
        check_admin_emails(context["admin_emails"]),
    ]
    return [error for error in checks if error]


def main(context):
    errors = find_errors(context)
    for error in errors:
        print(f"ERROR: {error}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(json.loads(r"""{{ cookiecutter | jsonify }}""")))
