"""Hung, slow, restarting and unreachable log backends under real gunicorn.

Four workers serve a generated project while its syslog collector or mail server
misbehaves. Each drill asserts that no request waited on the backend (every request
got its answer, no worker was killed) and that every record was delivered or
reported; it reports the p99 latency of / and of a raising route, shown in the
terminal summary next to a run with healthy backends.
"""

import re
import threading

import pytest

from harness.collectors import FullBacklog, TcpBlackHole, TcpCollector, UnixBlackHole
from harness.servers import Gunicorn, Inbox, SmtpTarpit, p99_ms, timed_gets, wait_for

from .conftest import production_env

DRILL_APP = """\
from my_flask_app import create_app

app = create_app()
app.logger.info("drill app created")


@app.route("/boom")
def boom():
    raise RuntimeError("backend drill failure")


@app.route("/flood")
def flood():
    # A megabyte of log, in messages short of the 8 KiB where a message is cut:
    # fills a hung collector's socket buffers in a few requests, as hours of
    # ordinary traffic would.
    for number in range(125):
        app.logger.warning("flood %d %s", number, "x" * 8_000)
    return "flooded"
"""
WORKERS = 4
REQUESTS = 40  # per path
TIMED_OUT = b"(TimeoutError: timed out)"


@pytest.fixture
def project(bake, tmp_path):
    project = bake(use_syslog_handler=True)
    (project / "drill_app.py").write_text(DRILL_APP)
    return project


def env_for(tmp_path, **settings):
    """Production, syslog over TCP with short timeouts and a small queue."""
    drill = {"SYSLOG_SOCKTYPE": "tcp", "SYSLOG_TIMEOUT": 1}
    return production_env(tmp_path, **{**drill, **settings})


def start(project, env, preload=False):
    """gunicorn with WORKERS workers, once every worker can answer at once."""
    extra = ["--preload"] if preload else []
    server = Gunicorn(project, "drill_app:app", env, workers=WORKERS, extra=extra)
    # Each worker imports the app and logs a line (the master, with --preload).
    booted, imported = ("Booting worker", 1) if preload else ("drill app created", 0)
    assert wait_for(
        lambda: (
            server.stderr().count(booted) >= WORKERS
            and server.stderr().count("drill app created") >= imported
        ),
        timeout=60,
    ), server.stderr()
    return server


def drive(server, record_property, name):
    """Load / and /boom; check every request was answered; report the p99s."""
    results = timed_gets(server.port, ["/", "/boom"], REQUESTS)
    return answered(results, record_property, name)


def answered(results, record_property, name):
    statuses = {path: {s for s, _, _ in samples} for path, samples in results.items()}
    assert statuses == {"/": {200}, "/boom": {500}}, statuses
    record_property("drill", (name, p99_ms(results["/"]), p99_ms(results["/boom"])))
    return results


def stop_and_check(server):
    """SIGTERM; no worker was killed for hanging, nothing printed a traceback."""
    server.stop()
    err = server.stderr()
    assert "WORKER TIMEOUT" not in err
    assert "Logging error" not in err
    return err


def boom_ids(results):
    return {request_id for _, _, request_id in results["/boom"]}


def test_healthy_backends(project, tmp_path, record_property):
    collector, inbox = TcpCollector(), Inbox().start()
    env = env_for(
        tmp_path, SYSLOG_ADDRESS=collector.address, MAIL_SERVER="127.0.0.1",
        MAIL_PORT=inbox.port,
    )  # fmt: skip
    server = start(project, env)
    try:
        results = drive(server, record_property, "healthy collector and mail server")
        err = stop_and_check(server)
        assert wait_for(lambda: boom_ids(results) <= set(collector.request_ids()))
    finally:
        collector.stop()
        inbox.stop()
    assert collector.broken == []
    assert "unreachable" not in err
    assert inbox.messages  # the first error of each worker was mailed


def test_tcp_collector_that_never_reads(project, tmp_path, record_property):
    hole = TcpBlackHole()
    env = env_for(tmp_path, SYSLOG_ADDRESS=hole.address)
    server = start(project, env)
    try:
        # Each worker's thread writes until the socket buffers are full, then waits
        # for SYSLOG_TIMEOUT. How much the buffers take is the kernel's to say (a
        # few MB here), so the drill floods until a timeout is told, a round at a
        # time. The console copies every record to stderr, tens of MB: it is read as
        # bytes, which costs the polling less of the machine's time.
        for _ in range(6):  # 24 MB a round
            flooded = timed_gets(server.port, ["/flood"], 6 * WORKERS)
            assert {status for status, _, _ in flooded["/flood"]} == {200}
            if wait_for(lambda: TIMED_OUT in server.log.read_bytes(), timeout=30):
                break
        else:
            pytest.fail(f"no syslog timeout was told:\n{server.stderr()[-4000:]}")
        drive(server, record_property, "TCP collector that never reads")
        err = stop_and_check(server)
    finally:
        hole.stop()
    assert_reported_not_lost(err)


def test_local_socket_that_never_reads(project, tmp_path, record_property):
    hole = UnixBlackHole()
    name, sign = "local socket that never reads", f"written to {hole.address}"
    err = drill_unreachable(project, tmp_path, record_property, hole, name, sign)
    # Once per worker (and the master), and once more at exit with the rest.
    assert len(re.findall(rf"written to {hole.address} \(", err)) <= 2 * (WORKERS + 1)


def test_collector_whose_backlog_is_full(project, tmp_path, record_property):
    """Connections hang until the timeout, as behind a firewall that drops SYNs."""
    name, sign = "collector whose backlog is full", "TimeoutError"
    drill_unreachable(project, tmp_path, record_property, FullBacklog(), name, sign)


def drill_unreachable(project, tmp_path, record_property, backend, name, sign):
    """Drive the app with syslog at a backend that takes nothing, until its stderr
    says sign; stop it gracefully. Returns stderr, where nothing went unreported."""
    env = env_for(tmp_path, SYSLOG_ADDRESS=backend.address)
    server = start(project, env)
    try:
        drive(server, record_property, name)
        assert wait_for(lambda: sign in server.stderr(), timeout=60)
        err = stop_and_check(server)
    finally:
        backend.stop()
    assert_reported_not_lost(err)
    return err


def test_preload_with_a_slow_collector(project, tmp_path, record_property):
    """The master and each worker have connections of their own: frames from
    several processes never mix, however slowly the collector reads."""
    collector = TcpCollector(read_delay=0.002, read_size=1024)
    env = env_for(tmp_path, SYSLOG_ADDRESS=collector.address, SYSLOG_TIMEOUT=5)
    server = start(project, env, preload=True)
    try:
        results = drive(server, record_property, "--preload, slow collector")
        err = stop_and_check(server)
        delivered = wait_for(
            lambda: boom_ids(results) <= set(collector.request_ids()), timeout=30
        )
    finally:
        collector.stop()
    assert collector.broken == []
    assert collector.truncated == 0
    missing = boom_ids(results) - set(collector.request_ids())
    assert delivered or len(missing) <= unsent(err), "neither delivered nor counted"
    assert collector.connections >= WORKERS + 1  # the master logged at import


def test_collector_restart_loses_nothing_unreported(project, tmp_path, record_property):
    collector = TcpCollector()
    env = env_for(tmp_path, SYSLOG_ADDRESS=collector.address)
    server = start(project, env)
    try:
        results = {}
        paths = ["/", "/boom"]
        load = threading.Thread(
            target=lambda: results.update(timed_gets(server.port, paths, REQUESTS))
        )
        load.start()
        assert wait_for(lambda: len(collector.request_ids()) >= 10)
        collector.restart(downtime=0.5)
        load.join()
        answered(results, record_property, "collector restarted under load")
        err = stop_and_check(server)
        wait_for(lambda: boom_ids(results) <= set(collector.request_ids()))
    finally:
        collector.stop()
    missing = boom_ids(results) - set(collector.request_ids())
    assert len(missing) <= unsent(err), "records neither delivered nor counted"
    assert collector.broken == []


def test_mail_server_that_answers_one_byte_at_a_time(
    project, tmp_path, record_property
):
    tarpit = SmtpTarpit()
    env = env_for(
        tmp_path, MAIL_SERVER="127.0.0.1", MAIL_PORT=tarpit.port, MAIL_TIMEOUT=1,
        MAIL_THROTTLE_SECONDS=0, MAIL_EXIT_WAIT=2,
    )  # fmt: skip
    server = start(project, env)
    try:
        drive(server, record_property, "mail server sending a byte at a time")
        assert wait_for(lambda: "no answer within MAIL_TIMEOUT=1s" in server.stderr())
        err = stop_and_check(server)
    finally:
        tarpit.stop()
    assert "backend drill failure" in err  # the error is on stderr all the same
    assert unsent(err) > 0


def unsent(err):
    """How many records the workers told they could not deliver."""
    counts = re.findall(
        r"(\d+) (?:log )?records (?:could not be written|were still)", err
    )
    return sum(map(int, counts))


def assert_reported_not_lost(err):
    """A worker that could not deliver says so at once, and counts the rest."""
    assert re.search(r"\d+ records could not be written to \S+ \(", err)
    assert unsent(err) > 0
