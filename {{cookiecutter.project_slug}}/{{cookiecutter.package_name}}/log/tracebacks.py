"""Tracebacks as text: Python's own, without the ^^^^ markers (drawing them means
compiling each frame's source line again, the most expensive part of logging an
error), with every exception message escaped (of groups and syntax errors too), so
that request data cannot start a line of its own, and bounded, each cut saying so.
"""

import traceback

from .escape import clip, escape_controls, escape_lines

MAX_CHAIN = 16
MAX_FRAMES = 100
MAX_GROUP = 15  # members shown of a group, and groups nested in groups
MAX_MESSAGE = 8 * 1024  # escaped: up to 6 times as long (\u202e for U+202E)
{%- if cookiecutter.use_nt_eventlog_handler %}
MAX_TEXT = 20 * 1024  # so that a record fits one Windows event (31,839 characters)
{%- else %}
MAX_TEXT = 20 * 1024  # a traceback's text, at most
{%- endif %}

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
    """The text of exc and its chain, walked once, from exc to its first cause."""
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
        if id(current) not in seen:  # a cycle ends the chain, as in Python's text
            parts.append(link)
    parts.reverse()  # the innermost cause first
    return parts


def one_exception(exc: BaseException, depth: int) -> str:
    lines = []
    if exc.__traceback__ is not None:
        lines.append("Traceback (most recent call last):\n")
        frames = list(traceback.walk_tb(exc.__traceback__))
        if len(frames) > MAX_FRAMES:
            lines.append(f"  [... {len(frames) - MAX_FRAMES} frames left out ...]\n")
        stack = traceback.StackSummary.extract(frames[-MAX_FRAMES:])
        for frame in stack:  # a file name can be data too: compile(source, name)
            frame.filename = escape_controls(frame.filename)
        lines.append(escape_lines("".join(stack.format())))
    lines.append(describe(exc))
    if isinstance(exc, BaseExceptionGroup):
        lines.extend(members(exc, depth))
    return "".join(lines)


def describe(exc: BaseException) -> str:
    """What Python writes under the frames: "ValueError: message", and the notes."""
    name, module = type(exc).__qualname__, type(exc).__module__
    name = name if module in ("builtins", "__main__") else f"{module}.{name}"
    text, message = "", safe_str(exc)
    if isinstance(exc, SyntaxError):  # the source line is data too
        if exc.lineno is not None:
            filename = escape_controls(exc.filename or "<string>")
            text = f'  File "{filename}", line {exc.lineno}\n'
        if exc.text is not None:
            text += f"    {clip(exc.text.strip(), MAX_MESSAGE)}\n"
        message = str(exc.msg or "<no detail available>")
        if exc.lineno is None and exc.filename is not None:
            message += f" ({exc.filename})"
    message = clip(message, MAX_MESSAGE)
    text += f"{name}: {message}\n" if message else f"{name}\n"
    notes = getattr(exc, "__notes__", None)
    for note in notes if isinstance(notes, list | tuple) else ():
        text += clip(str(note), MAX_MESSAGE) + "\n"
    return text


def members(group: BaseExceptionGroup, depth: int) -> list[str]:
    """Each member of a group under a numbered heading, indented."""
    count, lines = len(group.exceptions), []
    for number, member in enumerate(group.exceptions[:MAX_GROUP], 1):
        text = "".join(chained(member, depth + 1)) if depth < MAX_GROUP else "[...]"
        lines.append(f"+---- {number} of {count} ----\n")
        lines.extend(f"| {line}\n" for line in text.rstrip("\n").split("\n"))
    if count > MAX_GROUP:
        lines.append(f"[... {count - MAX_GROUP} more left out ...]\n")
    return lines


def safe_str(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:
        return "<exception str() failed>"
