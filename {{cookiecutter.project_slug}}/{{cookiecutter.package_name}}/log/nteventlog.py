"""The Windows event log, through pywin32 (installed on Windows only)."""

from logging.handlers import NTEventLogHandler

from .formatters import TextFormatter
from .stderr import warn


def build_nt_eventlog_handler(app):
    appname = app.config.get("NT_EVENTLOG_APPNAME")
    if not appname:
        return None
    try:
        import win32evtlogutil  # noqa: F401  (only to learn whether pywin32 is here)
    except ImportError:
        warn("the Windows event log is off: it needs Windows and the pywin32 package")
        return None
    try:
        handler = NTEventLogHandler(appname)
    except Exception as exc:
        warn(f"the Windows event log is off: cannot register {appname!r} ({exc})")
        return None
    handler.name = "nteventlog"
    handler.setFormatter(TextFormatter())
    return handler
