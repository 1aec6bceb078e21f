"""The Windows event log, with pywin32 replaced by a recording fake off Windows."""

import sys
import types

import pytest

from {{ cookiecutter.package_name }} import create_app


@pytest.fixture
def fake_pywin32(monkeypatch):
    events = []
    util = types.ModuleType("win32evtlogutil")
    util.__file__ = "C:/Python/Lib/site-packages/win32/lib/win32evtlogutil.py"
    util.AddSourceToRegistry = lambda appname, dllname, logtype: None
    util.ReportEvent = lambda appname, event_id, category, kind, strings: events.append(
        (appname, kind, strings)
    )
    evtlog = types.ModuleType("win32evtlog")
    evtlog.EVENTLOG_ERROR_TYPE = 1
    evtlog.EVENTLOG_WARNING_TYPE = 2
    evtlog.EVENTLOG_INFORMATION_TYPE = 4
    monkeypatch.setitem(sys.modules, "win32evtlogutil", util)
    monkeypatch.setitem(sys.modules, "win32evtlog", evtlog)
    return events


def nt_app(**overrides):
    app = create_app(
        "testing",
        PROPAGATE_EXCEPTIONS=False,
        NT_EVENTLOG_APPNAME="Test App",
        **overrides,
    )

    @app.route("/boom")
    def boom():
        raise RuntimeError("event log test failure")

    return app


def test_error_reaches_the_event_log(fake_pywin32):
    app = nt_app()
    response = app.test_client().get("/boom")
    errors = [e for e in fake_pywin32 if e[1] == 1]
    assert len(errors) == 1
    appname, _, (message,) = errors[0]
    assert appname == "Test App"
    assert response.headers["X-Request-ID"] in message
    assert "event log test failure" in message


def test_check_logging_reports_the_event_log(fake_pywin32):
    result = nt_app().test_cli_runner().invoke(args=["check-logging"])
    assert "nteventlog: ok" in result.output.splitlines()
    assert any("flask check-logging" in e[2][0] for e in fake_pywin32)


@pytest.mark.skipif(sys.platform == "win32", reason="pywin32 is installed on Windows")
def test_without_pywin32_warns_once_and_is_left_out(capsys):
    app = nt_app()
    err = capsys.readouterr().err
    assert err.count("nteventlog logging is off: it needs Windows and pywin32") == 1
    assert "nteventlog" not in [h.name for h in app.extensions["log_handlers"]]
    assert app.test_client().get("/boom").status_code == 500
