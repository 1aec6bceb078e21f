"""Tracebacks as text: made once per record, bounded, and safe to log.

Python's own text, with three differences. The ^^^^ markers that Python 3.11 and later
draw under a failing line are left out: drawing them means finding each frame's
position in its bytecode and compiling its source line again, the most expensive part
of logging an error. Exception messages (of groups and syntax errors too) are escaped,
so that request data cannot start a line that looks like a record. And the text is
bounded: at most MAX_CHAIN exceptions of a chain, MAX_FRAMES frames and MAX_GROUP
members each, MAX_MESSAGE characters of a message and MAX_TEXT in all, each cut saying
what it left out.
"""

import traceback

from .escape import cut, escape_controls, escape_lines

MAX_CHAIN = 16
MAX_FRAMES = 100
MAX_GROUP = 15  # members shown of a group, and groups nested in groups
MAX_MESSAGE = 16 * 1024
MAX_TEXT = 64 * 1024

CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"


def format_exception(exc: BaseException) -> str:
    """The traceback of exc, its causes and contexts first, as Python prints it."""
    text = "".join(chained(exc)).rstrip("\n")
    if len(text) <= MAX_TEXT:
        return text
    half = MAX_TEXT // 2  # the first cause and the last error are what matter most
    left_out = f"\n[... {len(text) - MAX_TEXT:,} characters cut ...]\n"
    return text[:half] + left_out + text[-half:]


def chained(exc: BaseException, depth: int = 0) -> list[str]:
    """The parts of the text of exc and its chain, walked once from exc inwards."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if len(seen) == MAX_CHAIN:
            parts.append("[... the earlier exceptions of the chain are left out ...]\n")
            break
        seen.add(id(current))
        parts.append(one_exception(current, depth))
        if current.__cause__ is not None:
            current, link = current.__cause__, CAUSE
        elif current.__context__ is not None and not current.__suppress_context__:
            current, link = current.__context__, CONTEXT
        else:
            break
        parts.append(link)
    parts.reverse()  # the innermost cause first
    return parts


def one_exception(exc: BaseException, depth: int) -> str:
    """Its frames (innermost last), the line naming it, its notes and group members."""
    lines = []
    if exc.__traceback__ is not None:
        lines.append("Traceback (most recent call last):\n")
        frames = list(traceback.walk_tb(exc.__traceback__))
        if len(frames) > MAX_FRAMES:
            lines.append(f"  [... {len(frames) - MAX_FRAMES} frames left out ...]\n")
        stack = traceback.StackSummary.extract(frames[-MAX_FRAMES:])
        lines.append(escape_lines("".join(stack.format())))
    lines.append(describe(exc))
    if isinstance(exc, BaseExceptionGroup):
        lines.extend(members(exc, depth))
    return "".join(lines)


def describe(exc: BaseException) -> str:
    """What Python writes under the frames: "ValueError: message", and the notes."""
    name = type(exc).__qualname__
    if type(exc).__module__ not in ("builtins", "__main__"):
        name = f"{type(exc).__module__}.{name}"
    text = ""
    message = safe_str(exc)
    if isinstance(exc, SyntaxError):  # the source line is data too
        source = escape_controls(cut((exc.text or "").strip(), MAX_MESSAGE))
        text = f'  File "{exc.filename}", line {exc.lineno}\n    {source}\n'
        message = str(exc.msg)
    message = escape_controls(cut(message, MAX_MESSAGE))
    text += f"{name}: {message}\n" if message else f"{name}\n"
    notes = getattr(exc, "__notes__", None)
    for note in notes if isinstance(notes, list | tuple) else ():
        text += escape_controls(cut(str(note), MAX_MESSAGE)) + "\n"
    return text


def members(group: BaseExceptionGroup, depth: int) -> list[str]:
    """The members of an exception group, each under a numbered heading, indented."""
    if depth >= MAX_GROUP:
        return ["  [... nested groups left out ...]\n"]
    shown = group.exceptions[:MAX_GROUP]
    lines = []
    for number, member in enumerate(shown, 1):
        text = "".join(chained(member, depth + 1)).rstrip("\n")
        lines.append(f"+---- {number} of {len(group.exceptions)} ----\n")
        lines.extend(f"| {line}\n" for line in text.split("\n"))
    if len(group.exceptions) > len(shown):
        lines.append(f"[... {len(group.exceptions) - len(shown)} more left out ...]\n")
    return lines


def safe_str(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:
        return "<exception str() failed>"
