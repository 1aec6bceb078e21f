"""Traces over OpenTelemetry: a server span for every request, sent over OTLP/HTTP.

Configured as OpenTelemetry's own tools are, by the standard environment variables:
OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) turns tracing on,
OTEL_SERVICE_NAME names the service (SERVICE below by default), and
OTEL_TRACES_SAMPLER, OTEL_BSP_* and the others work as OpenTelemetry documents them.

Tracing starts in each process with its first request, after any fork: the thread
that sends the spans would not live on in the workers of a process that forked
(gunicorn's master, with --preload). ids.py gives each request and record their
trace's ids; export.py keeps the spans waiting for that thread in a bounded queue,
so a collector that is down or hung never makes a request wait, and clean.py takes
their secrets out on that thread.
"""

import atexit
import os
import sys
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

import click
from flask import Flask
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.flask import FlaskInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanLimits, TracerProvider
from opentelemetry.trace import format_trace_id

from ..log.report import warn
from .export import CountingExporter, SpanQueue, send
from .ids import TRACE_IDS, use_trace_ids

if TYPE_CHECKING:  # the WSGI types exist for type checkers only
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

# The service the spans come from, unless OTEL_SERVICE_NAME says otherwise.
SERVICE = "{{ cookiecutter.project_slug }}"
QUEUE_SIZE = 2048  # spans waiting to be sent, unless OTEL_BSP_MAX_QUEUE_SIZE says
ATTRIBUTE_LENGTH = 2048  # characters of an attribute's value, at most
EXIT_WAIT = 5.0  # seconds a normal exit waits for the queued spans to be sent

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
    FlaskInstrumentor().instrument_app(app, request_hook=use_trace_ids)
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
        atexit.register(StopAtExit(provider, exporter))


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


class StopAtExit:
    """Called at exit: send what is queued, for EXIT_WAIT seconds at most, then tell
    what was not sent.

    The thread that sends it starts with tracing: Python 3.12 and later refuse to
    start one at exit. (A process forked after tracing started has no such thread:
    its exit waits EXIT_WAIT, then tells what is left.)
    """

    def __init__(self, provider: TracerProvider, exporter: CountingExporter) -> None:
        self.provider, self.exporter = provider, exporter
        self.exiting, self.stopped = threading.Event(), threading.Event()
        threading.Thread(target=self.shut_down, daemon=True).start()

    def shut_down(self) -> None:
        self.exiting.wait()
        self.provider.shutdown()
        self.stopped.set()

    def __call__(self) -> None:
        self.exiting.set()
        self.stopped.wait(EXIT_WAIT)
        waiting = self.exporter.waiting
        self.exporter.report("tracing has stopped", unsent=waiting, waited=EXIT_WAIT)


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
