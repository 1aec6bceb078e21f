"""Text from requests and exceptions, made safe for a log line or a terminal."""

import re

# What could end a line, hide text, reorder it on screen or fail to encode: C0 and
# C1 controls, DEL, the Unicode line separators, the bidirectional controls and lone
# surrogates (which no UTF-8 writer accepts).
_OTHERS = "\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_UNSAFE_IN_LINE = re.compile(f"[\x00-\x1f{_OTHERS}]")
_UNSAFE_IN_LINES = re.compile(f"[\x00-\x09\x0b-\x1f{_OTHERS}]")
_ESCAPES = {code: f"\\x{code:02x}" for code in [*range(0x20), *range(0x7F, 0xA0)]}
_ESCAPES.update({ord("\t"): "\\t", ord("\n"): "\\n", ord("\r"): "\\r"})
_WIDE = [0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_ESCAPES.update({code: f"\\u{code:04x}" for code in [*_WIDE, *range(0xD800, 0xE000)]})
_KEEP_NEWLINES = {**_ESCAPES, ord("\n"): "\n"}


def escape_controls(text: object) -> str:
    """Text on one line, with nothing that could forge or hide a record."""
    text = str(text)
    if _UNSAFE_IN_LINE.search(text) is None:  # nearly always: skip the translation
        return text
    return text.translate(_ESCAPES)


def escape_lines(text: str) -> str:
    """The same, keeping the line breaks of text that has several lines of its own."""
    if _UNSAFE_IN_LINES.search(text) is None:
        return text
    return text.translate(_KEEP_NEWLINES)


def clip(text: str, limit: int) -> str:
    """escape_controls() of text's first limit characters, and the number of
    characters text had in all when it had more: the length of a record is bounded
    in bytes, however much a request or an exception put in it."""
    if len(text) <= limit:
        return escape_controls(text)
    return f"{escape_controls(text[:limit])}[... cut: {len(text):,} characters in all]"
