"""What the logging setup tells the operator directly, on stderr.

These messages cannot go through logging: they are about logging itself.
"""

import os
import sys


class HandlerUnavailable(Exception):
    """A handler cannot start: init_logging warns once with this reason and goes on."""


def warn(message: str) -> None:
    """A problem the operator should know about, even when every handler is broken."""
    write("WARNING", message)


def note(message: str) -> None:
    """Good news after a warning, such as a server that is reachable again."""
    write("NOTE", message)


def write(kind: str, message: str) -> None:
    """One write per message, tagged with the process id.

    The workers of one server share stderr: their messages must not merge into each
    other's lines.
    """
    text = f"{kind}: logging (pid {os.getpid()}): {message}\n"
    try:
        sys.stderr.write(text)
        sys.stderr.flush()
    except (OSError, ValueError):
        pass  # stderr is closed or gone: there is nobody left to tell
