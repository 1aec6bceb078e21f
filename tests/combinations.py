"""The answers the template supports, and names for them.

Read from cookiecutter.json (the questions and their choices) and from the
post-generation hook (what each answer brings), so that a new option needs no edit
here.
"""

import json
from itertools import product

from harness.bake import TEMPLATE, load_hook

QUESTIONS = json.loads((TEMPLATE / "cookiecutter.json").read_text())
HOOK = load_hook("post_gen_project")
BRINGS = HOOK.BRINGS
# The yes/no questions: one per handler, and Sentry.
SWITCHES = tuple(key for key, value in QUESTIONS.items() if isinstance(value, bool))
ROTATIONS = tuple(QUESTIONS["file_rotation"])
FORMATS = tuple(QUESTIONS["log_format"])
# The project with the most code: every switch on, JSON lines, rotation by time.
ALL_OPTIONS = {
    **dict.fromkeys(SWITCHES, True),
    "log_format": "json",
    "file_rotation": "time",
}


def short_name(question):
    """'use_smtp_handler' -> 'smtp', for test ids and messages."""
    return question.removeprefix("use_").removesuffix("_handler")


def every_combination():
    """Each switch on or off, crossed with every rotation and every log format."""
    return [
        {
            **dict(zip(SWITCHES, switches, strict=True)),
            "file_rotation": rotation,
            "log_format": log_format,
        }
        for switches in product((True, False), repeat=len(SWITCHES))
        for rotation, log_format in product(ROTATIONS, FORMATS)
    ]


def distinct_projects():
    """One combination per distinct generated project.

    file_rotation only matters with the file handler on; test_bake checks that the
    projects baked without it are identical whatever the rotation.
    """
    return [
        answers
        for answers in every_combination()
        if answers["use_file_handler"] or answers["file_rotation"] == ROTATIONS[0]
    ]


def combination_id(answers):
    """A test id saying what was baked, e.g. 'smtp+file(time)+syslog/json'."""
    parts = []
    for key in SWITCHES:
        if answers[key]:
            name = short_name(key)
            if key == "use_file_handler":
                name += f"({answers['file_rotation']})"
            parts.append(name)
    name = "+".join(parts or ["console-only"]) + "/" + answers["log_format"]
    if not answers["use_file_handler"]:
        name += f"/{answers['file_rotation']}-unused"
    return name
