"""The From address of error mail, which many mail servers refuse without a full
domain (Postfix's reject_non_fqdn_sender: 504 5.5.2)."""

import functools
import socket

from flask import Flask

from .log.report import warn


def warn_if_sender_lacks_domain(app: Flask) -> None:
    """In production, with mail on, say once when the sender has no full domain."""
    config = app.config
    if config["CONFIG_NAME"] != "production" or not config["MAIL_SERVER"]:
        return
    sender = config["MAIL_SENDER"] or f"server-error@{socket.gethostname()}"
    domain = sender.rpartition("@")[2].strip(".")
    if "." not in domain:
        warn_once(
            f"the error mail sender {sender} has no full domain, and mail servers "
            "that require one refuse its mail: set FLASK_MAIL_SENDER to an address "
            "of your domain, such as server-error@example.com"
        )


@functools.cache
def warn_once(message: str) -> None:
    """Each create_app in a process would warn again; once is enough."""
    warn(message)
