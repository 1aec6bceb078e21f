"""Debian's Chromium, headless and kept off the network: what the screenshots of the
docs and the accessibility test share."""

import shutil

# Headless, and no calls home: on a closed network Chromium would otherwise keep
# trying to reach its update, sync and field-trial services. Each run also needs a
# fresh --user-data-dir of its own.
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def find_chromium():
    """The path of Chromium, or None where it is not installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")
