"""Tracing against real OTLP/HTTP collectors on 127.0.0.1 (otlp_receiver.py): the
spans read here are the ones the exporter sent, decoded from its protobuf.

A process starts its tracing once, with the endpoint it finds then: the tests of the
app share one receiver, and those of another collector build a provider of their own.
"""

import logging
import os
import re
import select
import signal
import subprocess
import sys
import threading
import time
import types
import warnings

import pytest
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import SpanLimits, TracerProvider
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.sampling import Decision, Sampler, SamplingResult
from opentelemetry.trace import Link, SpanContext, format_span_id, format_trace_id
from sqlalchemy import text

from {{ cookiecutter.package_name }} import create_app, tracing
from {{ cookiecutter.package_name }}.extensions import db
from {{ cookiecutter.package_name }}.tracing import StopAtExit, export, start_tracing
from {{ cookiecutter.package_name }}.tracing.export import CountingExporter, SpanQueue

from .conftest import (
    PRODUCTION_OVERRIDES,
    PROJECT_ROOT,
    ListHandler,
    add_broken_stream,
    close_database,
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

SERVER, CLIENT = 2, 3  # OTLP's span kinds and status codes
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


@pytest.fixture
def root_records():
    """The records that reach a handler on the root logger."""
    heard = ListHandler()
    logging.getLogger().addHandler(heard)
    yield heard.records
    logging.getLogger().removeHandler(heard)


def told(err):
    """What tracing told on stderr (log/report.py's lines), message by message."""
    return re.findall(r"logging \(pid \d+\): (.*?)(?: \[in -:0\])?$", err, re.M)


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
    assert (span.status, span.status_message) == (ERROR, "RuntimeError: traced failure")
    assert span.scope == "opentelemetry.instrumentation.flask"
    (exception,) = [attrs for name, attrs in span.events if name == "exception"]
    assert exception["exception.type"] == "RuntimeError"
    assert exception["exception.message"] == "traced failure"
    names = [name for name, _ in span.events]
    times = dict(zip(names, span.event_times, strict=True))
    assert 0 < span.start <= times["exception"] <= span.end  # when raised, not sent


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
    assert span.status_message == f"RuntimeError: {message}"
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


def test_a_spans_links_arrive_and_its_sequences_keep_no_secret(collector):
    """A job's span, linked to the request that queued it; the text of a sequence
    is cleaned item by item, as a string value is."""
    start_tracing()
    request = SpanContext(int(TRACE_ID, 16), int(PARENT_ID, 16), is_remote=True)
    tracer = trace.get_tracer(__name__)
    with tracer.start_as_current_span("a job", links=[Link(request)]) as job:
        job.set_attribute("job.args", ["password=s3cret", "lone \ud800", "2"])
    (span,) = spans_of(collector, format_trace_id(job.get_span_context().trace_id))
    assert span.links == [(TRACE_ID, PARENT_ID)]
    assert span.attributes["job.args"] == ["password=[Filtered]", "lone \\ud800", "2"]


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


def test_a_query_is_a_span_of_its_request(collector):
    app = traced_app()

    @app.route("/_test/query")
    def query():
        return str(db.session.execute(text("SELECT 1")).scalar())

    response = app.test_client().get("/_test/query")
    close_database(app)
    spans = spans_of(collector, response.headers["X-Request-ID"])
    (server,) = [span for span in spans if span.kind == SERVER]
    (query_span,) = [span for span in spans if span.name.startswith("SELECT")]
    assert (query_span.kind, query_span.parent_span_id) == (CLIENT, server.span_id)
    assert "SELECT 1" in query_span.attributes.values()  # the statement


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


@pytest.mark.parametrize(
    "variable", ["OTEL_BSP_MAX_QUEUE_SIZE", "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT"]
)
def test_a_malformed_variable_leaves_tracing_off_and_says_why(
    collector, monkeypatch, capsys, variable
):
    """Tried in a process yet to start tracing: its first request's."""
    monkeypatch.setattr(tracing, "_started", False)
    monkeypatch.setenv(variable, "many")
    provider = trace.get_tracer_provider()
    start_tracing()
    assert told(readable(capsys.readouterr().err)) == [
        "tracing is off: it could not start "
        "(ValueError: invalid literal for int() with base 10: 'many')"
    ]
    assert trace.get_tracer_provider() is provider


def one_span_refused(url):
    """What is told of a span a collector answered with 400. The reason is the
    exporter's own words, which change between OpenTelemetry versions."""
    return re.compile(
        rf"1 spans could not be sent to {re.escape(url)} \(Failed to export "
        r"(spans )?batch code: 400, reason: .+\); tracing goes on, and says so again "
        r"in a minute"
    )


def test_the_apps_spans_a_collector_refuses_are_told_with_its_url(collector, capsys):
    client = traced_app().test_client()
    client.get(OK)  # tracing has started
    flush()
    collector.status = 400
    try:
        refused = client.get(OK).headers["X-Request-ID"]
        flush()
    finally:
        collector.status = 200
    sent = client.get(OK).headers["X-Request-ID"]
    assert spans_of(collector, sent)
    assert not spans_of(collector, refused)
    url = f"{collector.endpoint}/v1/traces"
    said = told(readable(capsys.readouterr().err))
    assert one_span_refused(url).fullmatch(said[0])
    assert said[1].startswith(f"{url} takes spans again after ")


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
    assert "] Tracing is off: set OTEL_EXPORTER_OTLP_ENDPOINT to send traces" in err
    assert "traces" not in app.extensions["logging"].destinations
    assert app.test_client().get("/livez").status_code == 200


def test_production_says_where_the_traces_go(monkeypatch, capsys):
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raising=False)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318/")
    create_app("production", **PRODUCTION_OVERRIDES)
    (line,) = [line for line in readable(capsys.readouterr().err).splitlines()
               if " started in production; logging to " in line]  # fmt: skip
    assert ", traces (http://127.0.0.1:4318/v1/traces)" in line


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


def test_check_tracing_says_when_a_silenced_exporter_gave_no_reason(monkeypatch, app):
    """An app may quiet OpenTelemetry's loggers: the failure is told all the same."""
    refusing = Receiver()
    refusing.status = 400
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", refusing.endpoint)
    quieted = logging.getLogger("opentelemetry")
    quieted.setLevel(logging.CRITICAL)
    try:
        result = app.test_cli_runner().invoke(args=["check-tracing"])
    finally:
        quieted.setLevel(logging.NOTSET)
        refusing.stop()
    assert (result.exit_code, result.output) == (1, (
        f"tracing: FAILED: {refusing.endpoint} did not take a test span "
        "(no reason given)\n"
    ))  # fmt: skip


def test_check_tracing_fails_when_tracing_is_off(monkeypatch, app):
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raising=False)
    result = app.test_cli_runner().invoke(args=["check-tracing"])
    assert result.exit_code == 1
    assert result.output.startswith("tracing: FAILED: off, for ")


def provider_for(url, limit, timeout=10.0, **options):
    """A provider of the test's own, sending to url: (provider, its exporter)."""
    exporter = CountingExporter(
        OTLPSpanExporter(endpoint=f"{url}/v1/traces", timeout=timeout), limit, url
    )
    provider = TracerProvider(shutdown_on_exit=False, **options)
    provider.add_span_processor(SpanQueue(exporter))
    return provider, exporter


class RefusingExporter(SpanExporter):
    def export(self, spans):
        return SpanExportResult.FAILURE


def test_a_host_up_for_less_than_a_minute_tells_a_loss_at_once(monkeypatch, capsys):
    """time.monotonic() counts from boot: on a new host, or a new container's VM, it
    is below a minute, and a first loss is still told at once."""
    monkeypatch.setattr(export, "time", types.SimpleNamespace(monotonic=lambda: 30.0))
    refused = CountingExporter(RefusingExporter(), 0, "http://127.0.0.1:9")
    assert refused.admit() is False  # no room at all
    assert "the span queue is full" in readable(capsys.readouterr().err)
    span = TracerProvider(shutdown_on_exit=False).get_tracer(__name__).start_span("a")
    span.end()
    assert refused.export([span]) is SpanExportResult.FAILURE
    err = readable(capsys.readouterr().err)
    assert "1 spans could not be sent to http://127.0.0.1:9 (no reason given)" in err


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


def test_a_collector_that_comes_back_is_used_again_and_told(capsys, root_records):
    """Each outage is told as it starts, and what it lost after that as it ends;
    the exporter's own words (each batch's, each retry's) reach no log handler."""
    refusing = Receiver()
    try:
        provider, exporter = provider_for(refusing.endpoint, limit=8)
        tracer = provider.get_tracer(__name__)
        began = time.monotonic()
        for name in ["lost", "sent", "lost 2", "lost 3", "lost 4", "sent again"]:
            refusing.status = 200 if name.startswith("sent") else 400
            tracer.start_span(name).end()
            provider.force_flush()
        took = time.monotonic() - began
        StopAtExit(provider, exporter)()  # with nothing left to tell
    finally:
        refusing.stop()
    outage = one_span_refused(refusing.endpoint)
    back = rf"{re.escape(refusing.endpoint)} takes spans again after (\d+\.\d) s"
    said = told(readable(capsys.readouterr().err))
    assert [bool(outage.fullmatch(line)) for line in said[0::2]] == [True, True]
    assert re.fullmatch(back, said[1])
    assert re.fullmatch(rf"{back}; 2 more spans were lost", said[3])
    assert len(said) == 4
    for line in said[1::2]:  # no longer than the outages could have been
        assert float(re.match(back, line)[1]) <= took + 0.05
    assert [span.name for span in refusing.spans] == ["sent", "sent again"]
    assert exporter.waiting == 0
    assert not [r for r in root_records if r.name.startswith("opentelemetry")]


def test_the_exit_tells_what_was_still_queued(monkeypatch, capsys, root_records):
    """The collector holds each batch (a span) unanswered while the test says: one
    span waits behind it, the next is dropped; and so it is at the exit."""
    monkeypatch.setenv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "1")
    monkeypatch.setattr(tracing, "EXIT_WAIT", 0.05)
    holding = Receiver()
    try:
        provider, exporter = provider_for(holding.endpoint, limit=2)
        tracer = provider.get_tracer(__name__)

        def end(*names):
            for name in names:
                tracer.start_span(name).end()

        holding.hold()
        end("sent", "queued", "dropped")
        holding.release()
        provider.force_flush()  # after the batches under way
        holding.hold()
        end("in flight", "still queued")
        at_exit = StopAtExit(provider, exporter)
        at_exit()
        end("dropped after the exit")
        holding.release()
        assert at_exit.stopped.wait(10)
    finally:
        holding.stop()
    assert told(readable(capsys.readouterr().err)) == [
        f"the span queue is full (2 spans waiting for {holding.endpoint}): spans "
        "are dropped and counted",  # once: not again within a minute
        "1 spans were dropped, the span queue being full; 2 spans were still queued "
        "after the exit wait (0.05 s); tracing has stopped",
    ]
    names = ["sent", "queued", "in flight", "still queued"]
    assert [span.name for span in holding.spans] == names
    assert not [r for r in root_records if r.name.startswith("opentelemetry")]


class RecordOnly(Sampler):
    """Records the spans called "recorded only", without sampling them."""

    def should_sample(self, parent_context, trace_id, name, *args, **kwargs):
        if name == "recorded only":
            return SamplingResult(Decision.RECORD_ONLY)
        return SamplingResult(Decision.RECORD_AND_SAMPLE)

    def get_description(self):
        return "RecordOnly"


def test_a_span_that_is_not_sampled_takes_no_room(receiver):
    provider, exporter = provider_for(receiver.endpoint, limit=1, sampler=RecordOnly())
    tracer = provider.get_tracer(__name__)
    tracer.start_span("recorded only").end()
    sampled = tracer.start_span("sampled")
    sampled.end()
    provider.shutdown()
    trace_id = format_trace_id(sampled.get_span_context().trace_id)
    assert [span.name for span in spans_of(receiver, trace_id)] == ["sampled"]
    assert exporter.dropped == 0


def test_a_span_sent_still_says_what_its_limits_dropped(receiver):
    """OTLP tells the collector how many attributes, events and links were cut."""
    limits = SpanLimits(max_span_attributes=2, max_events=1, max_links=1)
    provider, _ = provider_for(receiver.endpoint, limit=1, span_limits=limits)
    links = [Link(SpanContext(1, 1, False)), Link(SpanContext(2, 2, False))]
    span = provider.get_tracer(__name__).start_span("limited", links=links)
    for number in range(4):
        span.set_attribute(f"attribute {number}", number)
    span.add_event("first")
    span.add_event("second")
    span.end()
    provider.shutdown()
    (sent,) = spans_of(receiver, format_trace_id(span.get_span_context().trace_id))
    assert sent.dropped == (2, 1, 1)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="gunicorn forks; Windows cannot")
def test_a_process_forked_while_spans_wait_has_room_for_its_own(receiver):
    """As a worker forked by a master whose tracing started: the parent's waiting
    span fills the queue, the child's own is queued all the same."""
    provider, exporter = provider_for(receiver.endpoint, limit=1)
    tracer = provider.get_tracer(__name__)
    tracer.start_span("waiting in the parent").end()  # the next batch, in 5 s
    readable_end, writable_end = os.pipe()
    with warnings.catch_warnings():  # Python 3.12 and later: a fork with threads
        warnings.simplefilter("ignore", DeprecationWarning)
        child = os.fork()
    if child == 0:
        try:
            tracer.start_span("in the child").end()
            os.write(writable_end, f"{exporter.waiting} {exporter.dropped}".encode())
        finally:
            os._exit(0)
    os.close(writable_end)
    with os.fdopen(readable_end, "rb") as pipe:
        answered = select.select([pipe], [], [], 10)[0]
        if not answered:
            os.kill(child, signal.SIGKILL)
        said = pipe.read() if answered else b"no answer"
    os.waitpid(child, 0)
    provider.shutdown()
    assert said == b"1 0"  # waiting, dropped
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
