"""Windows, as far as Linux can stand in for it: a Python that cannot fork.

Windows has no os.fork, os.register_at_fork or os.forkpty. A generated project must
import and run without them, so the tests start a Python that deletes them before
anything else is imported; a call to one of them then fails as it would on Windows.
"""

import sys

FORK_ONLY = ("fork", "forkpty", "register_at_fork")

# Runs first in the child. posix is where os takes them from.
REMOVE_FORK = f"""\
import os, posix
for _name in {FORK_ONLY!r}:
    for _module in (os, posix):
        if hasattr(_module, _name):
            delattr(_module, _name)
del _name, _module
"""


def python_without_fork(code, *args):
    """The command that runs code in this Python, the fork-only functions removed
    first; args become its sys.argv[1:]."""
    return [sys.executable, "-c", REMOVE_FORK + code, *args]


def pytest_without_fork(*args):
    """The command that runs pytest with args, in a Python that cannot fork: pytest
    and its plugins load without fork too, as on Windows."""
    return python_without_fork("import sys, pytest\nsys.exit(pytest.main())", *args)
