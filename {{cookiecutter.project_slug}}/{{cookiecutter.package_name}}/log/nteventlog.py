"""The Windows event log, through pywin32 (installed on Windows only)."""

from logging.handlers import NTEventLogHandler

from .formatters import TextFormatter
from .report import HandlerUnavailable


def build_nt_eventlog_handler(app):
    appname = app.config["NT_EVENTLOG_APPNAME"]
    if not appname:
        return None
    try:
        import win32evtlogutil  # noqa: F401  (only to learn whether pywin32 is here)
    except ImportError:
        raise HandlerUnavailable("it needs Windows and pywin32") from None
    try:
        handler = NTEventLogHandler(appname)
    except Exception as exc:
        raise HandlerUnavailable(f"cannot register {appname!r} ({exc})") from exc
    handler.name = "nteventlog"
    handler.destination = f"source {appname!r}"
    # Always text: the Event Viewer shows a message as text, not as JSON.
    handler.setFormatter(TextFormatter())
    return handler
