"""The Windows event log, with pywin32 replaced by a stand-in that records events.

The stand-in has what Python's NTEventLogHandler uses of pywin32's win32evtlogutil
and win32evtlog modules, with pywin32's signatures, constants and exception, and
keeps what would have reached the event log. On Windows it is checked against the
real modules; the tests never write to the machine's event log.
"""

import inspect
import logging
import sys
import types
from dataclasses import dataclass

import pytest

from {{ cookiecutter.package_name }}.log.check import MESSAGE

from .conftest import failing_app, handler_named, logged, readable

# win32evtlog's event types.
EVENTLOG_ERROR_TYPE = 0x0001
EVENTLOG_WARNING_TYPE = 0x0002
EVENTLOG_INFORMATION_TYPE = 0x0004
# Windows error codes, as pywintypes.error carries them.
ERROR_ACCESS_DENIED = 5
ERROR_INVALID_PARAMETER = 87
ERROR_BADKEY = 1010
RPC_S_SERVER_UNAVAILABLE = 1722
# ReportEvent refuses a string longer than this.
MAX_STRING = 31839


class Win32Error(Exception):
    """pywintypes.error: (winerror, funcname, strerror), by index or by name."""

    def __init__(self, winerror, funcname, strerror):
        super().__init__(winerror, funcname, strerror)
        self.winerror = winerror
        self.funcname = funcname
        self.strerror = strerror


@dataclass
class Source:
    appname: str
    msg_dll: str
    log_type: str


@dataclass
class Event:
    source: str
    event_id: int
    category: int
    event_type: int
    strings: list


class EventLogStandIn:
    """Registered sources and reported events, and the two modules that feed them.

    Set `registry_error` or `report_error` to a Win32Error to have the registry or
    the event log refuse, as Windows does without rights or without its service.
    """

    def __init__(self):
        self.sources = []
        self.events = []
        self.registry_error = None
        self.report_error = None

        util = types.ModuleType("win32evtlogutil")
        # Where pywin32 installs it: the handler finds its message DLL from here.
        util.__file__ = "C:/Python/Lib/site-packages/win32/lib/win32evtlogutil.py"
        util.error = Win32Error
        util.AddSourceToRegistry = self.AddSourceToRegistry
        util.ReportEvent = self.ReportEvent
        evtlog = types.ModuleType("win32evtlog")
        evtlog.error = Win32Error
        evtlog.EVENTLOG_ERROR_TYPE = EVENTLOG_ERROR_TYPE
        evtlog.EVENTLOG_WARNING_TYPE = EVENTLOG_WARNING_TYPE
        evtlog.EVENTLOG_INFORMATION_TYPE = EVENTLOG_INFORMATION_TYPE
        self.modules = {"win32evtlogutil": util, "win32evtlog": evtlog}

    # pywin32's names and signatures, here and below.
    def AddSourceToRegistry(
        self,
        appName,
        msgDLL=None,
        eventLogType="Application",
        eventLogFlags=None,
        categoryDLL=None,
        categoryCount=0,
    ):
        if self.registry_error is not None:
            raise self.registry_error
        self.sources.append(Source(appName, msgDLL, eventLogType))

    def ReportEvent(
        self,
        appName,
        eventID,
        eventCategory=0,
        eventType=EVENTLOG_ERROR_TYPE,
        strings=None,
        data=None,
        sid=None,
    ):
        if self.report_error is not None:
            raise self.report_error
        if not all(isinstance(s, str) for s in strings or []):
            raise TypeError("event strings must be str")
        if any(len(s) > MAX_STRING for s in strings or []):
            raise Win32Error(
                ERROR_INVALID_PARAMETER, "ReportEvent", "The parameter is incorrect."
            )
        self.events.append(
            Event(appName, eventID, eventCategory, eventType, list(strings or []))
        )

    def texts(self, event_type=None):
        """The text of each event, of one type or of every type."""
        return [
            event.strings[0]
            for event in self.events
            if event_type is None or event.event_type == event_type
        ]


@pytest.fixture
def event_log(monkeypatch):
    stand_in = EventLogStandIn()
    for name, module in stand_in.modules.items():
        monkeypatch.setitem(sys.modules, name, module)
    return stand_in


def nt_app(**overrides):
    return failing_app(
        "event log test failure", NT_EVENTLOG_APPNAME="Test App", **overrides
    )


def test_the_source_is_registered_once_in_the_application_log(event_log):
    nt_app()
    assert len(event_log.sources) == 1
    source = event_log.sources[0]
    assert source.appname == "Test App"
    assert source.log_type == "Application"
    # pywin32's own message DLL, whose message 1 shows the event's text as it is.
    dll = source.msg_dll.replace("\\", "/")
    assert dll == "C:/Python/Lib/site-packages/win32/win32service.pyd"


def test_an_unhandled_exception_is_one_error_event_with_its_request(event_log):
    app = nt_app()
    response = app.test_client().get("/boom", headers={"X-Request-ID": "event-log-1"})
    assert response.status_code == 500
    logged(app)
    (event,) = [e for e in event_log.events if e.event_type == EVENTLOG_ERROR_TYPE]
    assert (event.source, event.event_id, event.category) == ("Test App", 1, 0)
    (text,) = event.strings
    assert "event-log-1" in text
    assert "GET /boom" in text
    assert "Traceback (most recent call last)" in text
    assert "raise RuntimeError(message)" in text  # the line that raised
    assert text.rstrip().endswith("RuntimeError: event log test failure")


@pytest.mark.parametrize(
    ("level", "event_type"),
    [
        ("DEBUG", EVENTLOG_INFORMATION_TYPE),
        ("INFO", EVENTLOG_INFORMATION_TYPE),
        ("WARNING", EVENTLOG_WARNING_TYPE),
        ("ERROR", EVENTLOG_ERROR_TYPE),
        ("CRITICAL", EVENTLOG_ERROR_TYPE),
    ],
)
def test_each_level_has_its_event_type(event_log, level, event_type):
    app = nt_app(LOG_LEVEL="DEBUG")
    app.logger.log(logging.getLevelNamesMapping()[level], "a record at %s", level)
    logged(app)
    events = [e for e in event_log.events if f"a record at {level}" in e.strings[0]]
    assert [e.event_type for e in events] == [event_type]
    assert f" {level} " in events[0].strings[0]


def test_the_event_text_is_a_text_line(event_log):
    app = nt_app()
    app.logger.warning("plain words")
    logged(app)
    (text,) = [t for t in event_log.texts() if "plain words" in t]
    assert not text.startswith("{")
    assert " WARNING " in text


def test_the_longest_record_fits_one_event(event_log):
    """Windows refuses a longer text, and the record would be lost."""
    app = nt_app()

    @app.route("/_test/long")
    def too_long():
        try:
            raise KeyError("\x1b" * 40000)  # escaped, and cut
        except KeyError as exc:
            raise ValueError(" the end".rjust(40000, "x")) from exc

    app.test_client().get("/_test/long", headers={"X-Request-ID": "long-1"})
    logged(app)
    (text,) = event_log.texts(EVENTLOG_ERROR_TYPE)
    assert len(text) <= MAX_STRING
    assert "long-1" in text
    assert text.endswith(
        "ValueError: " + "x" * 8192 + "[... cut: 40,000 characters in all]"
    )


def test_check_logging_reports_the_event_log(event_log):
    result = nt_app().test_cli_runner().invoke(args=["check-logging"])
    assert "nteventlog: ok" in result.output.splitlines()
    assert result.exit_code == 0
    assert any(MESSAGE in text for text in event_log.texts(EVENTLOG_WARNING_TYPE))


def test_a_registry_failure_warns_once_and_is_left_out(event_log, capsys):
    event_log.registry_error = Win32Error(
        ERROR_BADKEY, "RegCreateKey", "The configuration registry key is invalid."
    )
    app = nt_app()
    err = readable(capsys.readouterr().err)
    assert err.count("nteventlog logging is off") == 1
    assert "cannot register 'Test App' as an event source" in err
    assert "The configuration registry key is invalid." in err
    assert handler_named(app, "nteventlog") is None
    assert app.test_client().get("/boom").status_code == 500
    logged(app)
    result = app.test_cli_runner().invoke(args=["check-logging"])
    assert "nteventlog: FAILED: cannot register 'Test App'" in result.output
    assert result.exit_code == 1
    assert event_log.events == []


def test_without_administrator_rights_events_still_reach_the_log(event_log, capsys):
    """Registering needs administrator rights. Without them the handler goes on, as
    Python's NTEventLogHandler decides: the source an administrator registered
    before takes the events."""
    event_log.registry_error = Win32Error(
        ERROR_ACCESS_DENIED, "RegSetValueEx", "Access is denied."
    )
    app = nt_app()
    assert handler_named(app, "nteventlog") is not None
    assert "nteventlog" not in capsys.readouterr().err
    app.test_client().get("/boom")
    logged(app)
    assert len(event_log.texts(EVENTLOG_ERROR_TYPE)) == 1


def test_a_stopped_event_log_is_reported_once_not_per_record(event_log, capsys):
    app = nt_app()
    event_log.report_error = Win32Error(
        RPC_S_SERVER_UNAVAILABLE,
        "RegisterEventSource",
        "The RPC server is unavailable.",
    )
    for number in range(50):
        app.logger.warning("lost %d", number)
    assert app.test_client().get("/boom").status_code == 500  # the app keeps serving
    logged(app)
    err = readable(capsys.readouterr().err)
    assert err.count("could not be written to the event log") == 1
    assert "1 records could not be written to the event log" in err
    assert "The RPC server is unavailable." in err
    assert "Logging error" not in err
    result = app.test_cli_runner().invoke(args=["check-logging"])
    assert "nteventlog: FAILED:" in result.output
    assert result.exit_code == 1
    handler_named(app, "nteventlog").close()  # the rest: 49, the error, the check's
    assert "51 records could not be written" in readable(capsys.readouterr().err)


@pytest.mark.skipif(sys.platform != "win32", reason="pywin32 is on Windows only")
def test_the_stand_in_matches_pywin32():
    import win32evtlog
    import win32evtlogutil

    stand_in = EventLogStandIn()
    for attribute, value in vars(stand_in.modules["win32evtlog"]).items():
        if attribute.startswith("EVENTLOG_"):
            assert getattr(win32evtlog, attribute) == value, attribute
    for function in ("AddSourceToRegistry", "ReportEvent"):
        ours = inspect.signature(getattr(stand_in, function)).parameters.values()
        theirs = inspect.signature(getattr(win32evtlogutil, function)).parameters
        assert [(p.name, p.default) for p in ours] == [
            (p.name, p.default) for p in theirs.values()
        ], function
    theirs = win32evtlogutil.error(ERROR_ACCESS_DENIED, "RegCreateKey", "Denied.")
    ours = Win32Error(ERROR_ACCESS_DENIED, "RegCreateKey", "Denied.")
    assert (str(ours), ours.args) == (str(theirs), theirs.args)


@pytest.mark.skipif(sys.platform == "win32", reason="pywin32 is installed on Windows")
def test_without_pywin32_warns_once_and_is_left_out(capsys):
    app = nt_app()
    err = readable(capsys.readouterr().err)
    assert err.count("nteventlog logging is off: it needs Windows and pywin32") == 1
    assert handler_named(app, "nteventlog") is None
    assert app.test_client().get("/boom").status_code == 500
