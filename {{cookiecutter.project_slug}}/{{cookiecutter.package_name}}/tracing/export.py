"""The spans' way out: the SDK's batch processor and the OTLP exporter, with books
kept of what waits, what is dropped for want of room and what the collector did not
take, each told on stderr (log/report.py) rather than lost in silence."""

import logging
import os
import threading
import time
from collections.abc import Sequence

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SpanExporter,
    SpanExportResult,
)

from ..log.report import REPORT_INTERVAL, note, warn
from .clean import safe_to_send

BATCH_SIZE = 512  # spans sent at once, unless OTEL_BSP_MAX_EXPORT_BATCH_SIZE says
EXPORTER_LOGGER = "opentelemetry.exporter.otlp"


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
        self.last_report = float("-inf")  # a host up for less than a minute tells too
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
        failure = send(self.exporter, [safe_to_send(span) for span in spans])
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
                self.down_since, self.last_report = time.monotonic(), float("-inf")
        if time.monotonic() - self.last_report >= REPORT_INTERVAL:
            self.report("tracing goes on, and says so again in a minute")
        return SpanExportResult.FAILURE if failure else SpanExportResult.SUCCESS

    def report(self, outlook: str, unsent: int = 0, waited: float = 0.0) -> None:
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
            wait = f"the exit wait ({waited:g} s)"
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
