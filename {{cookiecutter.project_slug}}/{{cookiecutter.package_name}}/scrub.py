"""The one rule for secrets in error reports: what it finds is replaced by MARKER.

A value is secret when its name matches SECRET_NAME: a dict key (form and JSON fields,
frame variables, settings), a name=value pair in text (query strings, reprs), a
header not in PUBLIC_HEADERS (a WSGI environ's HTTP_ name too). The password of a
URL (a database's) is secret too, and so is the value of a secret setting
(SECRET_KEY, *_PASSWORD), wherever it appears.
"""

import re
from collections.abc import Mapping
from typing import Any

MARKER = "[Filtered]"
# Request headers a report may show as they are; every other one is a secret.
PUBLIC_HEADERS = {
    "accept", "accept-encoding", "accept-language", "content-length", "content-type",
    "host", "origin", "referer", "user-agent", "x-request-id", "traceparent",
}  # fmt: skip
# Matched against lowercase names: faster than an IGNORECASE search, which every log
# record would pay for.
SECRET_NAME = re.compile(
    r"api|token|key|secret|pass|pwd|auth|session|cookie|csrf|card|signature"
    r"|credential"
)
# A header as a WSGI environ names it (HTTP_X_CUSTOMER), unless it is public.
_PUBLIC_ENVIRON = "|".join(h.upper().replace("-", "_") for h in sorted(PUBLIC_HEADERS))
ENVIRON_HEADER = re.compile(rf"\bHTTP_(?!(?:{_PUBLIC_ENVIRON})\b)")
# The name of name=value and of 'name': value.
_PAIR_NAME = re.compile(r"""(?<![\w.-])[\w.-]++(?:=|['"]:\s*)""")
# The value after it: up to a separator, or a whole quoted string (b'bytes' too,
# escaped quotes and all; one cut short runs to the end).
_VALUE = re.compile(
    r"""b?'(?:[^'\\]|\\.)*+(?:'|\\?$)|b?"(?:[^"\\]|\\.)*+(?:"|\\?$)"""
    r"""|[^\s&;,'")}\]]+""",
    re.IGNORECASE | re.DOTALL,
)
# The settings whose values are found by value too, named or not: a message may quote
# one without its name. Shorter values would hide ordinary words.
SECRET_SETTING_ENDINGS = ("SECRET_KEY", "_PASSWORD", "_TOKEN", "_SECRET")
MIN_SECRET_VALUE = 8
# Replaced whole, never changed in place: other threads may be reading it.
_secret_values: tuple[str, ...] = ()
# The password of scheme://user:password@host, up to the host's @ (a password may
# hold one); a URL encodes any / ? or # in it.
_URL_PASSWORD = re.compile(
    r"(?P<name>(?<![\w+.-])[a-z][\w+.-]*+://[^:/@\s]*+:)[^\s/?#]+(?=@)",
    re.IGNORECASE,
)


def is_secret(name: str) -> bool:
    if "HTTP_" in name and ENVIRON_HEADER.search(name):  # `in` first: it is faster
        return True
    return SECRET_NAME.search(name.lower()) is not None


def remember_secret_settings(config: Mapping[str, Any]) -> None:
    """Replace the values of the app's secret settings in every report from now on."""
    global _secret_values
    found = set()
    for name, value in config.items():
        if name.endswith(SECRET_SETTING_ENDINGS) and value is not None:
            # bytes as Flask takes a bytes SECRET_KEY; a number as a message shows it
            text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
            if len(text) >= MIN_SECRET_VALUE:
                found.add(text)
    # The longest first: a value holding another is replaced whole.
    _secret_values = tuple(sorted({*_secret_values, *found}, key=len, reverse=True))


def scrub_text(text: str) -> str:
    """text with the values of secret name=value pairs, URL passwords and secret
    settings replaced."""
    for value in _secret_values:
        if value in text:
            text = text.replace(value, MARKER)
    if "://" not in text and not is_secret(text):
        return text  # no secret name and no URL in it: most text, at once
    text = _URL_PASSWORD.sub(rf"\g<name>{MARKER}", text)
    return hide_secret_values(text)


def hide_secret_values(text: str) -> str:
    """text with the value of each name=value or 'name': value pair whose name is
    secret replaced. Each name is read once: the time grows with the text."""
    parts: list[str] = []
    end = 0
    for name in _PAIR_NAME.finditer(text):
        if name.start() >= end and is_secret(name[0]):
            value = _VALUE.match(text, name.end())
            if value:
                parts += [text[end : name.end()], MARKER]
                end = value.end()
    return "".join(parts) + text[end:]
