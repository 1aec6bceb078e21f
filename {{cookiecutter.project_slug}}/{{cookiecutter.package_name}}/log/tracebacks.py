"""Tracebacks as text, made once per record and shared by every handler.

Python 3.11 and later underline the failing part of each line with ^^^^ markers. To
draw them, the traceback module walks each frame's bytecode to find its position
and compiles the source line again: on a Flask traceback of 13 frames that costs
about 0.2 ms, more than everything else logging an error does. Every handler gets
the traceback without them. Every frame still shows its file, line, function and
source line, as Python did before 3.11.
"""

import traceback
from types import TracebackType

from .escape import escape_controls, is_safe

# A record's exc_info, as logging.Formatter.formatException takes it.
ExcInfo = (
    tuple[type[BaseException], BaseException, TracebackType | None]
    | tuple[None, None, None]
)

CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"


def format_exc_info(ei: ExcInfo) -> str:
    """A formatter's formatException: the traceback of a record's exc_info, or ""."""
    return "" if ei[1] is None else format_traceback(ei[1])


def format_traceback(exc: BaseException) -> str:
    """What traceback.format_exception(exc) gives, without the ^^^^ markers.

    The messages of the exceptions are escaped when they hold line breaks or other
    control characters: request data cannot start a line that looks like a record.
    """
    if isinstance(exc, BaseExceptionGroup):  # nested tracebacks: Python's own way
        return "".join(traceback.format_exception(exc))
    parts: list[str] = []
    seen = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts[:0] = one_traceback(current)
        if current.__cause__ is not None:
            current, link = current.__cause__, CAUSE
        elif current.__context__ is not None and not current.__suppress_context__:
            current, link = current.__context__, CONTEXT
        else:
            break
        parts.insert(0, link)
    return "".join(parts).rstrip("\n")


def one_traceback(exc: BaseException) -> list[str]:
    """The frames of exc, without positions (which only the markers need), and the
    line naming it."""
    lines = []
    if exc.__traceback__ is not None:
        lines.append("Traceback (most recent call last):\n")
        frames = traceback.walk_tb(exc.__traceback__)
        lines.extend(traceback.StackSummary.extract(frames).format())
    only = "".join(traceback.format_exception_only(type(exc), exc))
    messages = [safe_str(exc), *map(str, getattr(exc, "__notes__", None) or [])]
    if not all(map(is_safe, messages)):
        only = escape_controls(only.rstrip("\n")) + "\n"
    lines.append(only)
    return lines


def safe_str(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:
        return ""  # the traceback module prints a placeholder instead
