"""Settings given as text, read by the type of their default.

Flask reads a FLASK_* variable as JSON when it can, else keeps its text: `no`,
`sqlalchemy` or `debug` stay text. Here a switch, a list, a number and a level are
read from such text, and a value that cannot be used stops the app at startup.
"""

import logging
import math
from datetime import timedelta

from flask import Config as FlaskConfig
from flask import Flask

from .production_check import set_by

# Text that means off, as Flask's own command line reads FLASK_DEBUG (in any case, but
# not stripped: " no " is on there): any other is on.
SWITCH_OFF = {"", "0", "false", "no"}
# What Flask's settings whose default is None take, when given: switches whose None
# lets DEBUG or TESTING decide, lists whose None means none (left as text, each
# character would be an item: FLASK_SECRET_KEY_FALLBACKS=old-key would accept
# sessions signed with "o"), and a duration (as text, every file sent fails).
FLASK_KINDS: dict[str, bool | list[str] | timedelta] = {
    "PROPAGATE_EXCEPTIONS": False,
    "TRAP_BAD_REQUEST_ERRORS": False,
    "TEMPLATES_AUTO_RELOAD": False,
    "TRUSTED_HOSTS": [],
    "SECRET_KEY_FALLBACKS": [],
    "SEND_FILE_MAX_AGE_DEFAULT": timedelta(hours=1),
}


def coerce_settings(config: FlaskConfig, defaults: type) -> None:
    """Read each setting by the type of its default, in `defaults` or else Flask's: a
    switch as Flask reads FLASK_DEBUG, a list split on commas, a number, a level or a
    duration (in seconds) given as text. A value that cannot be read stops the app
    here, naming the setting and a value it takes, not later with Python's own error.
    """
    for key, value in list(config.items()):
        default = getattr(defaults, key, Flask.default_config.get(key))
        if default is None and value is not None:
            default = FLASK_KINDS.get(key)
        if isinstance(default, bool):
            off = isinstance(value, str) and value.lower() in SWITCH_OFF
            config[key] = bool(value) and not off
        elif isinstance(default, list) and isinstance(value, str):
            config[key] = [item.strip() for item in value.split(",") if item.strip()]
        elif isinstance(default, list) and not isinstance(value, list | tuple):
            such_as = f", such as {','.join(default)!r}" if default else ""
            raise refused(key, value, f"use text with commas between{such_as}.")
        elif isinstance(default, str) and key.endswith("_LEVEL"):
            config[key] = read_level(key, value)
        # None is Flask's own "no limit" (MAX_CONTENT_LENGTH); the app's take a number.
        elif isinstance(default, int | float) and not (
            value is None and key in Flask.default_config
        ):
            config[key] = read_number(key, value, default)
        elif isinstance(default, timedelta) and not isinstance(value, timedelta):
            config[key] = read_number(key, value, int(default.total_seconds()))


def read_level(key: str, value: object) -> int | str:
    """A level's number as it is, or its name in any case."""
    if type(value) is int:
        return value
    name = str(value).strip().upper()
    if name not in logging.getLevelNamesMapping():
        raise refused(key, value, "use DEBUG, INFO, WARNING, ERROR or CRITICAL.")
    return name


def read_number(key: str, value: object, default: float) -> float:
    """The number value is, or its text reads as ("0.5" too); refused if it is none,
    or below 0, or 0 for a timeout (a connection with no time would always fail), or
    above 1 for a rate, or not whole where the default is (a count: "1.5" proxies is
    a mistake)."""
    try:
        number = float(value) if isinstance(value, str) else value
    except ValueError:
        number = math.nan
    if isinstance(number, bool) or not isinstance(number, int | float):
        number = math.nan
    too_low = number <= 0 if key.endswith("_TIMEOUT") else number < 0
    share = key.endswith("_RATE")  # 1 is every one: 100 is not a percentage
    in_range = number <= 1 if share else number < math.inf  # nan is in none
    if too_low or not in_range:
        between = " from 0 to 1" if share else ""
        raise refused(key, value, f"use a number{between}, such as {default}.")
    if isinstance(default, int) and not float(number).is_integer():
        raise refused(key, value, f"use a whole number, such as {default}.")
    return int(number) if isinstance(number, float) and number.is_integer() else number


def refused(key: str, value: object, answer: str) -> ValueError:
    """The error that stops the app: the setting, its value, who set it, and what
    to use instead."""
    return ValueError(f"{key} is {value!r}{set_by(key)}: {answer}")
