"""The answers the template supports, as one readable list, and names for them."""

from itertools import product

HANDLERS = ("use_smtp_handler", "use_file_handler", "use_syslog_handler",
            "use_nt_eventlog_handler", "use_sentry")  # fmt: skip
ROTATIONS = ("size", "time", "external")
FORMATS = ("text", "json")

SHORT_NAMES = {
    "use_smtp_handler": "smtp",
    "use_file_handler": "file",
    "use_syslog_handler": "syslog",
    "use_nt_eventlog_handler": "nt",
    "use_sentry": "sentry",
}


def every_combination():
    """Each handler on or off, crossed with every rotation and every log format."""
    return list(_every_combination())


def _every_combination():
    for switches in product((True, False), repeat=len(HANDLERS)):
        for rotation, log_format in product(ROTATIONS, FORMATS):
            answers = dict(zip(HANDLERS, switches, strict=True))
            answers.update(file_rotation=rotation, log_format=log_format)
            yield answers


def distinct_projects():
    """One combination per distinct generated project.

    file_rotation only matters with the file handler on; test_bake checks that the
    projects baked without it are identical whatever the rotation.
    """
    return [
        answers
        for answers in every_combination()
        if answers["use_file_handler"] or answers["file_rotation"] == "size"
    ]


def combination_id(answers):
    """A test id saying what was baked, e.g. 'smtp+file(time)+syslog/json'."""
    parts = []
    for key in HANDLERS:
        if answers[key]:
            name = SHORT_NAMES[key]
            if key == "use_file_handler":
                name += f"({answers['file_rotation']})"
            parts.append(name)
    name = "+".join(parts or ["console-only"]) + "/" + answers["log_format"]
    if not answers["use_file_handler"]:
        name += f"/{answers['file_rotation']}-unused"
    return name
