"""What a span may carry out of the process: its text without secrets (scrub.py's
rule, as in the log) and with lone surrogates escaped."""

from typing import Any

from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.trace import Status
from opentelemetry.util.types import Attributes

from ..scrub import scrub_text


def safe_to_send(span: ReadableSpan) -> ReadableSpan:
    """A copy of span whose text keeps no secret (scrub.py's rule: a query string's,
    an exception message's) and escapes lone surrogates ("\\ud800") as the log does:
    one of them, from a JSON body by way of an exception's message, would make the
    whole batch fail to encode."""
    return CleanedSpan(
        span, name=cleaned(span.name), context=span.context, parent=span.parent,
        resource=span.resource, kind=span.kind, links=span.links,
        attributes=cleaned_values(span.attributes),
        events=[Event(event.name, cleaned_values(event.attributes), event.timestamp)
                for event in span.events],
        status=Status(span.status.status_code, cleaned(span.status.description)),
        start_time=span.start_time, end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )  # fmt: skip


def cleaned_values(attributes: Attributes) -> dict[str, Any]:
    return {name: cleaned(value) for name, value in (attributes or {}).items()}


def cleaned(value: Any) -> Any:
    """Text without its secrets, its lone surrogates escaped, in a sequence too;
    anything else as it is."""
    if isinstance(value, str):
        value = scrub_text(value)
        if value.isascii():
            return value
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, list | tuple):
        return type(value)(map(cleaned, value))
    return value


class CleanedSpan(ReadableSpan):
    """A span's copy that still says how much the span's limits dropped (OTLP sends
    the counts): a copy made of its values alone would say nothing was."""

    def __init__(self, span: ReadableSpan, **values: Any) -> None:
        super().__init__(**values)
        self.span = span

    @property
    def dropped_attributes(self) -> int:
        return self.span.dropped_attributes

    @property
    def dropped_events(self) -> int:
        return self.span.dropped_events

    @property
    def dropped_links(self) -> int:
        return self.span.dropped_links
