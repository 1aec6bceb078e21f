"""OTLP/HTTP collectors on 127.0.0.1 for the tracing tests: a receiver that decodes
and keeps the spans it is sent, and one that hangs.

The template's own tests use this file too: keep it free of the project's imports.
"""

import gzip
import socket
import threading
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

DECOMPRESS = {"gzip": gzip.decompress, "deflate": zlib.decompress}


@dataclass
class Span:
    """What the tests read of a span, its ids as hex."""

    trace_id: str
    span_id: str
    parent_span_id: str
    name: str
    kind: int  # 2: server
    status: int  # 0: unset, 1: ok, 2: error
    attributes: dict
    events: list  # (name, attributes)
    resource: dict = field(default_factory=dict)
    scope: str = ""  # the instrumentation scope's name
    start: int = 0  # nanoseconds since the epoch
    end: int = 0
    event_times: list = field(default_factory=list)  # of events, in their order
    status_message: str = ""
    links: list = field(default_factory=list)  # (trace_id, span_id)
    dropped: tuple = (0, 0, 0)  # attributes, events and links the limits cut


def value(any_value):
    """An OTLP AnyValue as a Python value: an array as a list."""
    kind = any_value.WhichOneof("value")
    if kind == "array_value":
        return [value(item) for item in any_value.array_value.values]
    return getattr(any_value, kind) if kind else None


def values(attributes):
    """OTLP key-values as a dict of Python values."""
    return {item.key: value(item.value) for item in attributes}


def decode(body):
    """The spans of an ExportTraceServiceRequest."""
    request = ExportTraceServiceRequest.FromString(body)
    spans = []
    for resource_spans in request.resource_spans:
        resource = values(resource_spans.resource.attributes)
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                events = [(e.name, values(e.attributes)) for e in span.events]
                spans.append(
                    Span(span.trace_id.hex(), span.span_id.hex(),
                         span.parent_span_id.hex(), span.name, span.kind,
                         span.status.code, values(span.attributes), events,
                         resource, scope_spans.scope.name,
                         span.start_time_unix_nano, span.end_time_unix_nano,
                         [e.time_unix_nano for e in span.events],
                         span.status.message,
                         [(k.trace_id.hex(), k.span_id.hex()) for k in span.links],
                         (span.dropped_attributes_count, span.dropped_events_count,
                          span.dropped_links_count))
                )  # fmt: skip
    return spans


class Receiver(ThreadingHTTPServer):
    """Takes exports at /v1/traces and keeps their spans. `status` other than 200
    makes it refuse them; hold() makes it keep the exporter waiting, unanswered,
    until release(); `asked` is set while one waits."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), ExportHandler)
        self.spans = []
        self.status = 200
        self.arrived = threading.Condition()
        self.released = threading.Event()
        self.released.set()
        self.asked = threading.Event()
        # stop() waits for the loop to look again: every 0.05 s, not 0.5 s.
        threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def endpoint(self):
        """The base URL, for OTEL_EXPORTER_OTLP_ENDPOINT."""
        return f"http://127.0.0.1:{self.server_address[1]}"

    def hold(self):
        self.released.clear()

    def release(self):
        self.released.set()

    def wait(self, condition, timeout=10.0):
        """Wait until condition(spans) is true; its last value."""
        with self.arrived:
            return self.arrived.wait_for(lambda: condition(self.spans), timeout)

    def stop(self):
        self.release()
        self.shutdown()
        self.server_close()


class ExportHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        unpack = DECOMPRESS.get(self.headers.get("Content-Encoding", ""))
        spans = decode(unpack(body) if unpack else body)
        receiver = self.server
        if not receiver.released.is_set():
            receiver.asked.set()
            receiver.released.wait(60)
        if receiver.status != 200:
            self.send_error(receiver.status)
            return
        with receiver.arrived:
            if self.path == "/v1/traces":
                receiver.spans.extend(spans)
            receiver.arrived.notify_all()
        answer = ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


class Hung:
    """A collector that accepts every connection and never reads or answers."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.endpoint = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.connections = []
        self.accepted = threading.Event()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.stopped.is_set():
            try:
                self.connections.append(self.listener.accept()[0])
            except TimeoutError:
                continue
            self.accepted.set()

    def stop(self):
        self.stopped.set()
        self.thread.join(timeout=5)
        for conn in self.connections:
            conn.close()
        self.listener.close()
