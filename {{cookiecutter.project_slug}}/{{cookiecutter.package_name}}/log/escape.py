"""Text from requests and exceptions, made safe to put on one log line."""

import re

# Characters that could end a log line, hide text or reorder it on screen: C0 and C1
# controls, DEL, the Unicode line separators and the bidirectional controls.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_ESCAPES = {code: f"\\x{code:02x}" for code in [*range(32), *range(0x7F, 0xA0)]}
_ESCAPES.update({ord("\t"): "\\t", ord("\n"): "\\n", ord("\r"): "\\r"})
_ESCAPES.update(
    {code: f"\\u{code:04x}" for code in [0x2028, 0x2029, *range(0x202A, 0x202F)]}
)
_ESCAPES.update({code: f"\\u{code:04x}" for code in range(0x2066, 0x206A)})


def escape_controls(text: object) -> str:
    """Make text safe to put on one log line or in a message header."""
    text = str(text)
    if is_safe(text):  # nearly always: skip the translation
        return text
    return text.translate(_ESCAPES)


def is_safe(text: str) -> bool:
    """True when text has nothing escape_controls would change."""
    return _UNSAFE.search(text) is None
