"""The Windows event log, through pywin32 (installed on Windows only).

The handler registers the app name as a source of the Application log, which needs
administrator rights. Without them Python's NTEventLogHandler lets the refusal pass
and writes its events anyway: an administrator registers the source once, and the app
then runs under any account (see the README's checklist).
"""

import logging
from logging.handlers import NTEventLogHandler

from flask import Flask

from .formatters import TextFormatter
from .report import HandlerUnavailable, ReportsFailures


def build_nt_eventlog_handler(app: Flask) -> logging.Handler | None:
    appname = app.config["NT_EVENTLOG_APPNAME"]
    if not appname:
        return None
    try:
        import win32evtlogutil  # noqa: F401  (only to learn whether pywin32 is here)
    except ImportError:
        raise HandlerUnavailable("it needs Windows and pywin32") from None
    try:
        handler = EventLogHandler(appname)
    except Exception as exc:
        raise HandlerUnavailable(
            f"cannot register {appname!r} as an event source: {exc}"
        ) from exc
    # Always text: the Event Viewer shows a message as text, not as JSON. A record
    # is short enough for one event (tracebacks.py bounds it).
    handler.destination = f"the event log (source {appname!r})"
    handler.setFormatter(TextFormatter())
    return handler


class EventLogHandler(ReportsFailures, NTEventLogHandler):
    """NTEventLogHandler, telling of events it cannot write (the Event Log service
    stopped, say) at most once a minute, with a count."""
