"""The trace's ids of each request and record: the request id is the trace id,
unless the caller sent an X-Request-ID of its own, and every record logged during a
request carries its trace_id and span_id."""

import logging
from typing import TYPE_CHECKING

from flask import has_request_context, request
from opentelemetry import trace
from opentelemetry.trace import format_span_id, format_trace_id

from ..request_id import ENVIRON_KEY as REQUEST_ID_KEY
from ..request_id import given_request_id

if TYPE_CHECKING:  # the WSGI types exist for type checkers only
    from _typeshed.wsgi import WSGIEnvironment

# The request's (trace_id, span_id), kept in its WSGI environment for what is logged
# after its span ended: gunicorn's access line, an error while the response streams.
IDS_KEY = __name__
NO_IDS = ("-", "-")


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
