"""Node packages from npm, installed once into the template's .venv and reused."""

from .install import install_once


def npm_install(packages, target):
    """Install packages into target unless there; the failed npm run, or None."""
    return install_once(
        target,
        "node_modules",
        lambda staging: [
            "npm",
            "install",
            "--no-audit",
            "--no-fund",
            "--no-save",
            "--ignore-scripts",
            "--loglevel=error",
            "--prefix",
            staging,
            *packages,
        ],  # fmt: skip
    )
