"""Tracing against real OTLP/HTTP collectors on 127.0.0.1 (otlp_receiver.py): the
spans read here are the ones the exporter sent, decoded from its protobuf.

A process starts its tracing once, with the endpoint it finds then: the tests of the
app share one receiver, and those of another collector build a provider of their own.
"""

import logging
import os
import re
import subprocess
import sys
import threading

import pytest
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import format_span_id, format_trace_id

from {{ cookiecutter.package_name }} import create_app, tracing
from {{ cookiecutter.package_name }}.tracing import StopAtExit, start_tracing
from {{ cookiecutter.package_name }}.tracing.export import CountingExporter, SpanQueue

from .conftest import (
    PRODUCTION_OVERRIDES,
    PROJECT_ROOT,
    add_broken_stream,
    failing_app,
    handled_records,
    logged,
    readable,
    wait_for_stderr,
)
from .otlp_receiver import Hung, Receiver
{%- if cookiecutter.use_sentry %}
from .test_sentry import sentry_server  # noqa: F401 (a fixture)
{%- endif %}

SERVER = 2  # OTLP's span kinds and status codes
ERROR = 2
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"
HEX_ID = re.compile(r"[0-9a-f]{32}")
OK = "/_test/traced"


@pytest.fixture(scope="session")
def receiver():
    receiver = Receiver()
    yield receiver
    flush()  # nothing left for the exit to send to a receiver that is gone
    receiver.stop()


@pytest.fixture
def collector(receiver, monkeypatch):
    """The receiver, named by OTEL_EXPORTER_OTLP_ENDPOINT for the apps of the test."""
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raising=False)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint)
    return receiver


def flush():
    """Send every span ended so far, now (once tracing started in this process)."""
    provider = trace.get_tracer_provider()
    if isinstance(provider, TracerProvider):
        provider.force_flush()


def spans_of(collector, trace_id):
    flush()
    return [span for span in collector.spans if span.trace_id == trace_id]


def traced_app(**overrides):
    app = create_app("testing", **overrides)

    @app.route(OK)
    def traced_view():
        app.logger.warning("in the traced view")
        return "ok"

    return app


def test_each_request_is_a_server_span_whose_trace_id_is_the_request_id(collector):
    response = traced_app().test_client().get(OK)
    request_id = response.headers["X-Request-ID"]
    assert HEX_ID.fullmatch(request_id)
    (span,) = spans_of(collector, request_id)
    assert (span.kind, span.name) == (SERVER, f"GET {OK}")
    assert span.attributes["http.route"] == OK
    assert span.resource["service.name"] == "{{ cookiecutter.project_slug }}"


def test_an_unhandled_error_is_an_error_span_with_its_exception(collector):
    app = failing_app("traced failure")
    response = app.test_client().get("/boom", headers={"Accept": "text/html"})
    assert response.status_code == 500
    request_id = response.headers["X-Request-ID"]
    assert request_id in response.text  # the id a user quotes is the trace id
    (span,) = spans_of(collector, request_id)
    assert span.status == ERROR
    (exception,) = [attrs for name, attrs in span.events if name == "exception"]
    assert exception["exception.type"] == "RuntimeError"
    assert exception["exception.message"] == "traced failure"


def test_every_record_of_a_request_carries_its_trace_and_span_ids(collector):
    """The caller's own X-Request-ID is kept; the records name the trace all the same,
    in every line a handler writes."""
    app = failing_app("ids failure")
    records = handled_records(app)
    response = app.test_client().get("/boom", headers={"X-Request-ID": "caller-1"})
    assert response.headers["X-Request-ID"] == "caller-1"
    logged(app)
    (record,) = [r for r in records if r.levelno == logging.ERROR]
    (span,) = spans_of(collector, record.trace_id)
    assert (record.span_id, record.request_id) == (span.span_id, "caller-1")
    for name, handler in app.extensions["logging"].handlers.items():
        line = handler.format(record)
        assert record.trace_id in line, name
        assert record.span_id in line, name


def test_a_traceparent_continues_the_callers_trace(collector):
    traceparent = f"00-{TRACE_ID}-{PARENT_ID}-01"
    response = traced_app().test_client().get(OK, headers={"traceparent": traceparent})
    assert response.headers["X-Request-ID"] == TRACE_ID
    spans = spans_of(collector, TRACE_ID)
    assert [span.parent_span_id for span in spans] == [PARENT_ID]


@pytest.mark.parametrize(
    "traceparent",
    [
        f"00-{TRACE_ID}-{PARENT_ID}-01\r\nX-Forged: 1",
        f"00-{TRACE_ID.upper()}-{PARENT_ID}-01",
        f"00-{'0' * 32}-{PARENT_ID}-01",
        "00-" + "a" * 100_000,
    ],
    ids=["line-break", "uppercase", "zero-trace-id", "100-kb"],
)
def test_a_hostile_traceparent_starts_a_trace_of_its_own(collector, traceparent):
    app = traced_app()
    records = handled_records(app)
    response = app.test_client().get(
        OK, environ_overrides={"HTTP_TRACEPARENT": traceparent}
    )
    request_id = response.headers["X-Request-ID"]
    assert HEX_ID.fullmatch(request_id)
    assert request_id not in (TRACE_ID, "0" * 32)
    (span,) = spans_of(collector, request_id)
    assert span.parent_span_id == ""
    logged(app)
    (record,) = records
    assert (record.trace_id, record.span_id) == (request_id, span.span_id)


def test_request_values_in_a_span_are_bounded_and_keep_no_secret(collector):
    client = traced_app().test_client()
    response = client.get(
        f"{OK}?page=2&api_token=s3cret-value", headers={"User-Agent": "x" * 100_000}
    )
    (span,) = spans_of(collector, response.headers["X-Request-ID"])
    text = [value for value in span.attributes.values() if isinstance(value, str)]
    assert max(map(len, text)) == tracing.ATTRIBUTE_LENGTH  # the user agent, cut
    assert "s3cret" not in repr(span.attributes)
    assert any("page=2&api_token=[Filtered]" in value for value in text)


def test_a_hostile_error_loses_no_span_and_keeps_no_secret(collector):
    """A lone surrogate is escaped, as the log escapes it: the error's span and its
    batch arrive. Its secrets are filtered, as the log filters them."""
    app = traced_app(PROPAGATE_EXCEPTIONS=False)
    # pytest's log capture keeps the raw text, which pytest-xdist cannot send on.
    app.logger.propagate = False

    @app.route("/_test/hostile")
    def hostile():
        raise RuntimeError("lone \ud800 surrogate, \x1b[2J, \u202e and password=s3cret")

    client = app.test_client()
    hostile_id = client.get("/_test/hostile").headers["X-Request-ID"]
    other_id = client.get(OK).headers["X-Request-ID"]
    (span,) = spans_of(collector, hostile_id)
    assert spans_of(collector, other_id)
    assert span.status == ERROR
    (exception,) = [attrs for name, attrs in span.events if name == "exception"]
    message = "lone \\ud800 surrogate, \x1b[2J, \u202e and password=[Filtered]"
    assert exception["exception.message"] == message
    assert "s3cret" not in repr(span.events)


def test_records_name_the_span_they_are_logged_in_or_none(collector, app):
    start_tracing()
    records = handled_records(app)
    with app.app_context():
        app.logger.warning("outside any span")
        with trace.get_tracer(__name__).start_as_current_span("a job") as span:
            app.logger.warning("in the job's span")
        app.logger.warning("given its own", extra={"trace_id": "given", "span_id": "x"})
    logged(app)
    outside, inside, given = records
    assert (outside.trace_id, outside.span_id) == ("-", "-")
    context = span.get_span_context()
    assert (inside.trace_id, inside.span_id) == (
        format_trace_id(context.trace_id),
        format_span_id(context.span_id),
    )
    assert (given.trace_id, given.span_id) == ("given", "x")


def test_an_error_while_streaming_carries_its_requests_trace(collector):
    """The span ends with the view; the body streams after it."""
    app = traced_app()
    records = handled_records(app)
    add_broken_stream(app, "the traced stream broke")
    response = app.test_client().get("/_test/stream")
    with pytest.raises(RuntimeError, match="the traced stream broke"):
        response.get_data()
    logged(app)
    (record,) = [r for r in records if r.levelno == logging.ERROR]
    (span,) = spans_of(collector, response.headers["X-Request-ID"])
    assert (record.trace_id, record.span_id) == (span.trace_id, span.span_id)


def test_tracing_starts_once_however_many_apps(collector):
    """One provider and one sending thread a process: each span is sent once."""
    first, second = traced_app(), traced_app()
    ids = [first.test_client().get(OK).headers["X-Request-ID"]]
    provider, threads = trace.get_tracer_provider(), threading.active_count()
    for app in (first, second):
        ids.append(app.test_client().get(OK).headers["X-Request-ID"])
    start_tracing()
    assert trace.get_tracer_provider() is provider
    assert threading.active_count() == threads
    assert [len(spans_of(collector, request_id)) for request_id in ids] == [1, 1, 1]


FORKED_WORKER = """
import os, sys
from opentelemetry import trace
from {{ cookiecutter.package_name }} import create_app, tracing

app = create_app("testing")  # as gunicorn --preload creates it: before the fork
child = os.fork()
if child == 0:  # a worker
    request_id = app.test_client().get("/livez").headers["X-Request-ID"]
    trace.get_tracer_provider().force_flush()
    print(request_id, tracing._started, flush=True)
    os._exit(0)
os.waitpid(child, 0)
print(tracing._started)
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="gunicorn forks; Windows cannot")
def test_a_forked_worker_starts_tracing_of_its_own(collector):
    """The process that created the app and forked never started tracing."""
    result = subprocess.run(  # noqa: S603 (our own script)
        [sys.executable, "-c", FORKED_WORKER],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    worker, parent = result.stdout.splitlines()
    request_id, started = worker.split()
    assert (started, parent) == ("True", "False")
    assert collector.wait(lambda spans: any(s.trace_id == request_id for s in spans))


EXITING_WORKER = """
from {{ cookiecutter.package_name }} import create_app

app = create_app("testing")
print(app.test_client().get("/livez").headers["X-Request-ID"], flush=True)
"""


def test_a_normal_exit_sends_the_queued_spans(collector):
    """The exit's thread is started with tracing: Python 3.12 and later refuse to
    start one at exit."""
    result = subprocess.run(  # noqa: S603 (our own script)
        [sys.executable, "-c", EXITING_WORKER],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "OTEL_BSP_SCHEDULE_DELAY": "60000"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Exception ignored" not in result.stderr
    (request_id,) = result.stdout.split()
    assert collector.wait(lambda spans: any(s.trace_id == request_id for s in spans))


def test_without_an_endpoint_tracing_is_off_and_says_so(monkeypatch, capsys):
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raising=False)
    app = create_app("production", **PRODUCTION_OVERRIDES)
    err = readable(capsys.readouterr().err)
    assert "Tracing is off: set OTEL_EXPORTER_OTLP_ENDPOINT to send traces" in err
    assert "traces" not in app.extensions["logging"].destinations
    assert app.test_client().get("/livez").status_code == 200


def test_check_tracing_sends_a_span_the_collector_takes(collector, app):
    result = app.test_cli_runner().invoke(args=["check-tracing"])
    assert result.exit_code == 0, result.output
    url = f"{collector.endpoint}/v1/traces"
    pattern = rf"tracing: ok \({re.escape(url)} took a test span, trace id (\w+)\)"
    (trace_id,) = re.findall(pattern, result.output)
    assert collector.wait(lambda spans: any(s.trace_id == trace_id for s in spans))


def test_check_tracing_says_why_the_collector_refused(monkeypatch, app):
    refusing = Receiver()
    refusing.status = 403
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", refusing.endpoint)
    try:
        result = app.test_cli_runner().invoke(args=["check-tracing"])
    finally:
        refusing.stop()
    assert result.exit_code == 1
    assert result.output.startswith(
        f"tracing: FAILED: {refusing.endpoint} did not take a test span ("
    )
    assert "403" in result.output


def test_check_tracing_fails_when_tracing_is_off(monkeypatch, app):
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raising=False)
    result = app.test_cli_runner().invoke(args=["check-tracing"])
    assert result.exit_code == 1
    assert result.output.startswith("tracing: FAILED: off, for ")


def provider_for(url, limit, timeout=10.0):
    """A provider of the test's own, sending to url: (provider, its exporter)."""
    exporter = CountingExporter(
        OTLPSpanExporter(endpoint=f"{url}/v1/traces", timeout=timeout), limit, url
    )
    provider = TracerProvider(shutdown_on_exit=False)
    provider.add_span_processor(SpanQueue(exporter))
    return provider, exporter


def test_a_hung_collector_holds_no_span_back(monkeypatch, capsys):
    """The collector accepts and never answers: ending a span never waits, the spans
    the queue has no room for are dropped and counted, the batch that waited for an
    answer is lost and told, and the exit waits EXIT_WAIT at most."""
    monkeypatch.setenv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "2")
    monkeypatch.setattr(tracing, "EXIT_WAIT", 0.5)
    hung = Hung()
    try:
        provider, exporter = provider_for(hung.endpoint, limit=4, timeout=0.5)
        tracer = provider.get_tracer(__name__)
        for number in range(10):
            tracer.start_span(f"span {number}").end()
        assert exporter.dropped == 6  # 4 wait: a batch of 2 under way, 2 queued
        assert hung.accepted.wait(10), "no batch was sent"
        err = wait_for_stderr(capsys, "spans could not be sent")
        StopAtExit(provider, exporter)()
    finally:
        hung.stop()
    err += readable(capsys.readouterr().err)
    assert "the span queue is full (4 spans waiting for http://127.0.0.1:" in err
    assert re.search(
        rf"2 spans could not be sent to {hung.endpoint} \(.+\); 6 spans were dropped, "
        r"the span queue being full; tracing goes on",
        err,
    ), err
    assert "; tracing has stopped" in err.splitlines()[-1]


def test_a_collector_that_comes_back_is_used_again_and_told(capsys):
    refusing = Receiver()
    refusing.status = 400
    try:
        provider, exporter = provider_for(refusing.endpoint, limit=8)
        tracer = provider.get_tracer(__name__)
        tracer.start_span("lost").end()
        provider.force_flush()
        refusing.status = 200
        tracer.start_span("sent").end()
        provider.force_flush()
    finally:
        refusing.stop()
    err = readable(capsys.readouterr().err)
    assert f"1 spans could not be sent to {refusing.endpoint} (" in err
    assert "400" in err
    assert f"{refusing.endpoint} takes spans again after " in err
    assert [span.name for span in refusing.spans] == ["sent"]
    assert exporter.waiting == 0
{%- if cookiecutter.use_smtp_handler %}


def test_the_error_mail_names_the_trace(collector):
    from .mail_server import Inbox

    inbox = Inbox().start()
    try:
        app = failing_app("mailed and traced", MAIL_SERVER="127.0.0.1",
                          MAIL_PORT=inbox.port)  # fmt: skip
        response = app.test_client().get("/boom")
        (mail,) = inbox.wait(1)
    finally:
        inbox.stop()
    (span,) = spans_of(collector, response.headers["X-Request-ID"])
    trace_line = f"Trace ID:       {span.trace_id} (span {span.span_id})"
    assert trace_line in mail.get_content()
{%- endif %}
{%- if cookiecutter.use_syslog_handler %}


def test_syslog_structured_data_names_the_trace(collector):
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.settimeout(10)
        host, port = listener.getsockname()
        app = failing_app("traced over syslog", SYSLOG_ADDRESS=f"{host}:{port}")
        app.test_client().get("/boom", headers={"X-Request-ID": "sl-1"})
        message = listener.recv(65536).decode()
    (trace_id,) = re.findall(r'\[request@32473 id="sl-1" trace_id="(\w+)" ', message)
    (span,) = spans_of(collector, trace_id)
    assert f'trace_id="{trace_id}" span_id="{span.span_id}"]' in message
{%- endif %}
{%- if cookiecutter.use_sentry %}


def test_sentry_events_carry_the_trace(collector, sentry_server):  # noqa: F811
    import sentry_sdk

    app = failing_app("sent and traced", SENTRY_DSN=sentry_server.dsn)
    app.test_client().get("/boom", headers={"X-Request-ID": "sentry-traced"})
    sentry_sdk.flush(timeout=5)
    (event,) = sentry_server.events
    tags = event["tags"]
    (span,) = spans_of(collector, tags["trace_id"])
    assert (tags["span_id"], tags["request_id"]) == (span.span_id, "sentry-traced")
{%- endif %}
