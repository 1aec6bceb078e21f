"""Tracing drills: a generated project with use_opentelemetry under real gunicorn
workers and its own gunicorn.conf.py, sending to an OTLP/HTTP endpoint on 127.0.0.1
(the generated tests' otlp_receiver.py) that decodes what it is sent.
"""

import re

import pytest

from harness.bake import generated_tests_module
from harness.servers import Gunicorn, p99_ms, timed_gets

from .conftest import production_env

otlp = generated_tests_module("otlp_receiver")

DRILL_APP = """\
import os

from my_flask_app import create_app

app = create_app()


@app.route("/boom")
def boom():
    raise RuntimeError("tracing drill failure")


@app.route("/pid")
def pid():
    return str(os.getpid())
"""
WORKERS = 2
SERVER, ERROR = 2, 2  # OTLP's span kind and status code


@pytest.fixture
def project(bake):
    project = bake(use_opentelemetry=True)
    (project / "drill_app.py").write_text(DRILL_APP)
    return project


def tracing_env(tmp_path, endpoint, **otel):
    """Production, the log file in tmp_path, spans sent to endpoint."""
    env = production_env(tmp_path)
    env.update(OTEL_EXPORTER_OTLP_ENDPOINT=endpoint, OTEL_BSP_SCHEDULE_DELAY="100")
    env.update(otel)
    return env


def ids_by_worker(server, count=200):
    """{worker pid: [request ids]} of up to count requests, once both workers
    answered."""
    by_pid = {}
    for _ in range(count):
        status, headers, body = server.get("/pid")
        assert status == 200
        by_pid.setdefault(body, []).append(headers["X-Request-ID"])
        if len(by_pid) == WORKERS and all(len(v) >= 2 for v in by_pid.values()):
            break
    return by_pid


def test_preloaded_workers_each_send_their_spans_and_a_500_is_one_error_span(
    project, tmp_path
):
    """With --preload the app is made before the fork: each worker starts tracing
    with its first request. The id on the 500 page is the error span's trace id,
    and the log file's lines of that request carry it."""
    receiver = otlp.Receiver()
    env = tracing_env(tmp_path, receiver.endpoint)
    server = Gunicorn(project, "drill_app:app", env, workers=WORKERS,
                      extra=["--preload"], graceful_timeout=None)  # fmt: skip
    try:
        by_pid = ids_by_worker(server)
        status, headers, page = server.get("/boom", {"Accept": "text/html"})
        request_id = headers["X-Request-ID"]

        def arrived(spans):
            traces = {span.trace_id for span in spans}
            return request_id in traces and all(
                set(ids) <= traces for ids in by_pid.values()
            )

        assert receiver.wait(arrived, timeout=30), server.stderr()
        assert server.stop() == 0
    finally:
        server.stop()
        receiver.stop()
    assert len(by_pid) == WORKERS, by_pid
    assert status == 500
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert request_id in page
    (span,) = [s for s in receiver.spans if s.trace_id == request_id]
    assert (span.kind, span.status, span.name) == (SERVER, ERROR, "GET /boom")
    (exception,) = [attrs for name, attrs in span.events if name == "exception"]
    assert exception["exception.message"] == "tracing drill failure"
    lines = (tmp_path / "logs" / "app.log").read_text().splitlines()
    mine = [line for line in lines if f"trace_id={request_id} " in line]
    assert len(mine) == 1, lines
    assert f"[{request_id} 127.0.0.1 GET /boom] " in mine[0]
    assert f"span_id={span.span_id}] Exception on /boom [GET]" in mine[0]
    err = server.stderr()
    assert "spans could not be sent" not in err
    assert "spans were dropped" not in err


def full_queues(server):
    """The pids of the workers that said their span queue is full."""
    return set(re.findall(r"\(pid (\d+)\): the span queue is full", server.stderr()))


def test_a_hung_endpoint_holds_no_request_back(project, tmp_path, record_property):
    """The endpoint accepts and never answers: every request is answered, each
    worker says its span queue is full, and stops within its graceful timeout,
    saying what it could not send."""
    hung = otlp.Hung()
    env = tracing_env(
        tmp_path, hung.endpoint, OTEL_BSP_MAX_QUEUE_SIZE="8",
        OTEL_BSP_MAX_EXPORT_BATCH_SIZE="4", OTEL_EXPORTER_OTLP_TIMEOUT="2",
    )  # fmt: skip
    server = Gunicorn(project, "drill_app:app", env, workers=WORKERS,
                      graceful_timeout=None)  # fmt: skip
    try:
        results = timed_gets(server.port, ["/", "/boom"], 40)
        assert hung.accepted.wait(30), "no span was sent"
        # A worker that booted late may have had too few requests to fill its queue.
        for _ in range(500):
            if len(full_queues(server)) == WORKERS:
                break
            server.get("/")
        assert len(full_queues(server)) == WORKERS, server.stderr()
        returncode = server.stop()
    finally:
        server.stop()
        hung.stop()
    for path, status in (("/", 200), ("/boom", 500)):
        assert {answer for answer, _, _ in results[path]} == {status}, path
    assert returncode == 0
    err = server.stderr()
    assert "was sent SIGKILL" not in err
    assert len(re.findall(r"spans were dropped, the span queue being full", err)) >= 1
    assert err.count("; tracing has stopped") >= WORKERS, err
    record_property(
        "drill", ("OTLP endpoint hung", p99_ms(results["/"]), p99_ms(results["/boom"]))
    )
