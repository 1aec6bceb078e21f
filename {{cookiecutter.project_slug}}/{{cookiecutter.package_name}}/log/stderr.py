"""Warnings about the logging setup itself, which cannot go through logging."""

import sys


def warn(message):
    """One line on stderr: the operator sees it even when every handler is broken."""
    print(f"WARNING: logging: {message}", file=sys.stderr, flush=True)
