"""Traces over OpenTelemetry: a server span for every request, sent over OTLP/HTTP.

Configured as OpenTelemetry's own tools are, by the standard environment variables:
OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) turns tracing on,
OTEL_SERVICE_NAME names the service (SERVICE below by default), and
OTEL_TRACES_SAMPLER, OTEL_BSP_* and the others work as OpenTelemetry documents them.

Tracing starts in each process with its first request, after any fork: the thread
that sends the spans would not live on in the workers of a process that forked
(gunicorn's master, with --preload). The request id is the trace id, unless the
caller sent an X-Request-ID of its own; every record logged during a request carries
its trace_id and span_id. Spans wait for that thread in a bounded queue, so a
collector that is down or hung never makes a request wait: what cannot be sent is
counted and told on stderr.
"""

import atexit
import logging
import os
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import click
from flask import Flask, has_request_context, request
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.flask import FlaskInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanLimits, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.trace import format_span_id, format_trace_id

from .log.report import note, warn
from .request_id import ENVIRON_KEY as REQUEST_ID_KEY
from .request_id import given_request_id
from .scrub import scrub_text

if TYPE_CHECKING:  # the WSGI types exist for type checkers only
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

# The service the spans come from, unless OTEL_SERVICE_NAME says otherwise.
SERVICE = "{{ cookiecutter.project_slug }}"
QUEUE_SIZE = 2048  # spans waiting to be sent, unless OTEL_BSP_MAX_QUEUE_SIZE says
BATCH_SIZE = 512  # spans sent at once, unless OTEL_BSP_MAX_EXPORT_BATCH_SIZE says
ATTRIBUTE_LENGTH = 2048  # characters of an attribute's value, at most
# The attributes that may quote a query string, by OpenTelemetry's old and new names.
QUERY_ATTRIBUTES = ("http.target", "http.url", "url.query", "url.full")
EXIT_WAIT = 5.0  # seconds a normal exit waits for the queued spans to be sent
REPORT_INTERVAL = 60.0  # seconds between two reports of spans that were lost
# The request's (trace_id, span_id), kept in its WSGI environment for what is logged
# after its span ended: gunicorn's access line, an error while the response streams.
IDS_KEY = f"{__name__}.ids"
NO_IDS = ("-", "-")
EXPORTER_LOGGER = "opentelemetry.exporter.otlp"

_started = False
_starting = threading.Lock()


def init_tracing(app: Flask) -> None:
    """Trace the app's requests and queries if an endpoint is set; say so if not."""
    app.cli.add_command(check_tracing)
    app.extensions["logging"].queue.addFilter(TRACE_IDS)
    url = endpoint()
    if url is None:
        if not app.testing:
            app.logger.info(
                "Tracing is off: set OTEL_EXPORTER_OTLP_ENDPOINT to send traces"
            )
        return
    FlaskInstrumentor().instrument_app(
        app, request_hook=use_trace_ids, response_hook=scrub_query
    )
    queries = SQLAlchemyInstrumentor()
    if not queries.is_instrumented_by_opentelemetry:
        # Every engine made from now on; its declared SQLAlchemy range lags the
        # releases it traces.
        queries.instrument(skip_dep_check=True)
    app.wsgi_app = StartTracing(app.wsgi_app)  # type: ignore[method-assign]
    app.extensions["logging"].destinations["traces"] = url


def endpoint() -> str | None:
    """Where the exporter sends spans, or None when no variable names a collector."""
    url = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    if url:
        return url
    url = os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    return f"{url.rstrip('/')}/v1/traces" if url else None


class StartTracing:
    """Starts this process's tracing before its first request (start_tracing)."""

    def __init__(self, wsgi_app: "WSGIApplication") -> None:
        self.wsgi_app = wsgi_app

    def __call__(
        self, environ: "WSGIEnvironment", start_response: "StartResponse"
    ) -> Iterable[bytes]:
        if not _started:
            start_tracing()
        return self.wsgi_app(environ, start_response)


def start_tracing() -> None:
    """Send this process's spans from now on: once per process. A process forked
    after this keeps the provider, whose queue starts afresh in it (the SDK's)."""
    global _started
    with _starting:
        if _started:
            return
        _started = True
        try:
            url = endpoint() or "-"
            exporter = CountingExporter(OTLPSpanExporter(), queue_size(), url)
            provider = TracerProvider(
                resource=resource(), span_limits=span_limits(), shutdown_on_exit=False
            )
            provider.add_span_processor(SpanQueue(exporter))
        except Exception as exc:  # a malformed OTEL_* variable
            warn(f"tracing is off: it could not start ({type(exc).__name__}: {exc})")
            return
        trace.set_tracer_provider(provider)
        atexit.register(stop_tracing, provider, exporter)


def queue_size() -> int:
    return int(os.environ.get("OTEL_BSP_MAX_QUEUE_SIZE") or QUEUE_SIZE)


def span_limits() -> SpanLimits:
    """OpenTelemetry's limits, with a bound on the length of an attribute (a header,
    a URL), which it leaves unbounded unless OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT says."""
    length = os.environ.get("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT") or ATTRIBUTE_LENGTH
    return SpanLimits(max_attribute_length=int(length))


def resource() -> Resource:
    """What the spans say of their origin: OTEL_SERVICE_NAME and
    OTEL_RESOURCE_ATTRIBUTES, with the project's name by default."""
    found = Resource.create()
    if str(found.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        return found.merge(Resource({SERVICE_NAME: SERVICE}))
    return found


def stop_tracing(provider: TracerProvider, exporter: "CountingExporter") -> None:
    """At exit: send what is queued, for EXIT_WAIT seconds at most, then tell what
    was not sent."""
    sender = threading.Thread(target=provider.shutdown, daemon=True)
    sender.start()
    sender.join(EXIT_WAIT)
    exporter.report("tracing has stopped", unsent=exporter.waiting)


def use_trace_ids(span: trace.Span, environ: "WSGIEnvironment") -> None:
    """The Flask instrumentation's request hook, as the request's span starts: the
    request id becomes the trace id, unless the caller sent an X-Request-ID."""
    context = span.get_span_context()
    if context.is_valid:
        environ[IDS_KEY] = (
            format_trace_id(context.trace_id),
            format_span_id(context.span_id),
        )
        if given_request_id(environ) is None:
            environ[REQUEST_ID_KEY] = environ[IDS_KEY][0]


def scrub_query(span: trace.Span, status: str, headers: object) -> None:
    """The Flask instrumentation's response hook: the secrets of a query string
    (scrub.py's rule) stay out of the attributes that quote it."""
    attributes = getattr(span, "attributes", None) or {}
    for key in QUERY_ATTRIBUTES:
        value = attributes.get(key)
        if isinstance(value, str) and (scrubbed := scrub_text(value)) != value:
            span.set_attribute(key, scrubbed)


def current_ids() -> tuple[str, str]:
    """(trace_id, span_id) of the current span, else of the current request's."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        return format_trace_id(context.trace_id), format_span_id(context.span_id)
    if has_request_context():
        ids: tuple[str, str] = request.environ.get(IDS_KEY, NO_IDS)
        return ids
    return NO_IDS


class TraceIds(logging.Filter):
    """Gives each record the app logs the trace_id and span_id of the span it was
    logged in ("-" outside any), unless the logging call passed them in `extra`."""

    def filter(self, record: logging.LogRecord) -> bool:
        if "trace_id" not in record.__dict__:
            record.trace_id, record.span_id = current_ids()
        return True


TRACE_IDS = TraceIds()


class SpanQueue(BatchSpanProcessor):
    """The SDK's BatchSpanProcessor, whose queue the exporter keeps the books of: a
    span that would overflow it is dropped here and counted (the SDK would drop the
    oldest span, unseen)."""

    def __init__(self, exporter: "CountingExporter") -> None:
        # A batch is the queue at most, whatever OTEL_BSP_MAX_EXPORT_BATCH_SIZE says.
        batch = int(os.environ.get("OTEL_BSP_MAX_EXPORT_BATCH_SIZE") or BATCH_SIZE)
        super().__init__(
            exporter,
            max_queue_size=exporter.limit,
            max_export_batch_size=min(batch, exporter.limit),
        )
        self.exporter = exporter

    def on_end(self, span: ReadableSpan) -> None:
        sampled = span.context is not None and span.context.trace_flags.sampled
        if sampled and self.exporter.admit():
            super().on_end(span)


class CountingExporter(SpanExporter):
    """Sends batches through exporter and keeps the books: spans waiting (queued or
    being sent), dropped for want of room, lost when the collector did not take them.
    Losses are told on stderr at once, then at most once a minute with a count, and
    so is a collector that takes spans again."""

    def __init__(self, exporter: SpanExporter, limit: int, destination: str) -> None:
        self.exporter, self.limit, self.destination = exporter, limit, destination
        self.books = threading.Lock()
        self.waiting = self.dropped = self.lost = 0
        self.last_report = 0.0
        self.down_since: float | None = None
        self.reason = "-"  # why the last batch that failed did
        if hasattr(os, "register_at_fork"):  # a forked child starts with no queue
            os.register_at_fork(after_in_child=self.start_afresh)

    def start_afresh(self) -> None:
        self.books = threading.Lock()
        self.waiting = self.dropped = self.lost = 0

    def admit(self) -> bool:
        """Count a span in if the queue has room for it; else count it as dropped."""
        with self.books:
            if self.waiting < self.limit:
                self.waiting += 1
                return True
            self.dropped += 1
            first = self.dropped == 1
        if first and time.monotonic() - self.last_report >= REPORT_INTERVAL:
            warn(
                f"the span queue is full ({self.limit} spans waiting for "
                f"{self.destination}): spans are dropped and counted"
            )
            self.last_report = time.monotonic()
        return False

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        failure = send(self.exporter, spans)
        with self.books:
            self.waiting -= len(spans)
        if failure is None:
            if self.down_since is not None:
                seconds = time.monotonic() - self.down_since
                lost = f"; {self.lost} more spans were lost" if self.lost else ""
                again = f"takes spans again after {seconds:.1f} s{lost}"
                note(f"{self.destination} {again}")
                self.lost, self.down_since = 0, None
        else:
            self.reason = failure
            self.lost += len(spans)
            if self.down_since is None:
                self.down_since, self.last_report = time.monotonic(), 0.0
        if time.monotonic() - self.last_report >= REPORT_INTERVAL:
            self.report("tracing goes on, and says so again in a minute")
        return SpanExportResult.FAILURE if failure else SpanExportResult.SUCCESS

    def report(self, outlook: str, unsent: int = 0) -> None:
        """Tell what was lost since the last report, if anything."""
        with self.books:
            lost, dropped, self.lost, self.dropped = self.lost, self.dropped, 0, 0
        told = []
        if lost:
            told.append(
                f"{lost} spans could not be sent to {self.destination} ({self.reason})"
            )
        if dropped:
            told.append(f"{dropped} spans were dropped, the span queue being full")
        if unsent:
            wait = f"the exit wait ({EXIT_WAIT:g} s)"
            told.append(f"{unsent} spans were still queued after {wait}")
        if told:
            warn(f"{'; '.join(told)}; {outlook}")
            self.last_report = time.monotonic()

    def shutdown(self) -> None:
        self.exporter.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.exporter.force_flush(timeout_millis)


def send(exporter: SpanExporter, spans: Sequence[ReadableSpan]) -> str | None:
    """Export spans now: None if the collector took them, else why it did not."""
    words = exporter_words()
    words.said.clear()
    try:
        if exporter.export(spans) is SpanExportResult.SUCCESS:
            return None
    except Exception as exc:  # the SDK would only log it
        return f"{type(exc).__name__}: {exc}"
    return words.said[0] if words.said else "no reason given"


class ExporterWords(logging.Handler):
    """Keeps what the exporter says of a batch that failed, instead of printing it
    (once for each batch and each retry): send() tells the first thing it said."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.said: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if len(self.said) < 10:
            self.said.append(record.getMessage())


def exporter_words() -> ExporterWords:
    """The ExporterWords on the exporter's logger, put there once."""
    logger = logging.getLogger(EXPORTER_LOGGER)
    for handler in logger.handlers:
        if isinstance(handler, ExporterWords):
            return handler
    words = ExporterWords()
    logger.addHandler(words)
    logger.propagate = False
    return words


@click.command("check-tracing")
def check_tracing() -> None:
    """Send a test span to the collector now, and say whether it took it.

    The exit status is 1 if it did not, or if no endpoint is set.
    """
    url = endpoint()
    if url is None:
        click.echo("tracing: FAILED: off, for OTEL_EXPORTER_OTLP_ENDPOINT is not set")
        sys.exit(1)
    provider = TracerProvider(resource=resource(), shutdown_on_exit=False)
    span = provider.get_tracer(__name__).start_span("flask check-tracing")
    span.end()
    assert isinstance(span, ReadableSpan)  # as the SDK's spans are
    failure = send(OTLPSpanExporter(), [span])
    if failure is None:
        trace_id = format_trace_id(span.get_span_context().trace_id)
        click.echo(f"tracing: ok ({url} took a test span, trace id {trace_id})")
        sys.exit(0)
    click.echo(f"tracing: FAILED: {url} did not take a test span ({failure})")
    sys.exit(1)
