"""Fault drills: a generated project with real gunicorn, mail and syslog daemons.

Each drill asserts that the app kept answering and what it told the operator.
"""

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from harness.bake import BIN, TEMPLATE
from harness.servers import Gunicorn, Inbox, free_port, wait_for

from .conftest import production_env, run, suite_env

DRILL_APP = """\
import time

from my_flask_app import create_app

app = create_app()


@app.route("/boom")
def boom():
    raise RuntimeError("drill failure")


# Distinct errors: each is mailed, none held back by the throttle.
ERRORS = [type(f"DrillError{number}", (Exception,), {}) for number in range(8)]


@app.route("/distinct/<int:number>")
def distinct(number):
    raise ERRORS[number](f"distinct failure {number}")


@app.route("/stream")
def stream():
    def parts():
        yield "the first part\\n"
        raise RuntimeError("stream drill failure")

    return parts()


@app.route("/stuck")
def stuck_in_a_loop():
    time.sleep(60)
"""


@pytest.fixture
def project(bake):
    project = bake(use_syslog_handler=True)
    (project / "drill_app.py").write_text(DRILL_APP)
    return project


@pytest.fixture
def udp_listener():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(15)
        yield sock


@pytest.fixture
def served(project, tmp_path, udp_listener):
    """gunicorn serving the drill app, mailing to an inbox and logging to syslog over
    UDP: (server, inbox). A test stops the server before it reads the log file."""
    inbox = Inbox().start()
    host, port = udp_listener.getsockname()
    env = production_env(
        tmp_path, MAIL_SERVER="127.0.0.1", MAIL_PORT=inbox.port,
        SYSLOG_ADDRESS=f"{host}:{port}",
    )  # fmt: skip
    try:
        server = Gunicorn(project, "drill_app:app", env)
        yield server, inbox
        server.stop()
    finally:
        inbox.stop()


def syslog_frame_with(listener, text):
    """The first syslog frame, of the next 100, that holds text (a frame gets 15 s
    at most)."""
    for _ in range(100):
        frame = listener.recv(65536).decode()
        if text in frame:
            return frame
    raise AssertionError(f"no syslog frame in 100 holds {text!r}")


def test_error_under_gunicorn_reaches_mail_file_and_syslog(
    served, tmp_path, udp_listener
):
    server, inbox = served
    status, headers, page = server.get("/boom", {"Accept": "text/html"})
    assert status == 500
    request_id = headers["X-Request-ID"]
    assert request_id in page  # the id the user sees
    assert "drill failure" not in page
    syslog_frame_with(udp_listener, request_id)
    assert wait_for(lambda: inbox.messages)
    server.stop()
    mail = inbox.messages[0]
    assert "RuntimeError: drill failure" in mail["Subject"]
    assert f"Request ID:     {request_id}" in mail.get_content()
    log_text = (tmp_path / "logs" / "app.log").read_text()
    assert log_text.count(request_id) == 1
    assert "RuntimeError: drill failure" in log_text


def test_an_error_while_streaming_reaches_mail_file_and_syslog(
    served, tmp_path, udp_listener
):
    """The 200 and its headers are gone: the app logs the error, gunicorn cuts the
    body short."""
    server, inbox = served
    with pytest.raises(http.client.IncompleteRead):
        server.get("/stream", {"X-Request-ID": "stream-1"})
    frame = syslog_frame_with(udp_listener, "stream-1")
    assert wait_for(lambda: inbox.messages)
    server.stop()
    assert "Exception while streaming /stream [GET]" in frame
    mail = inbox.messages[0]
    assert "RuntimeError: stream drill failure" in mail["Subject"]
    assert "Request ID:     stream-1" in mail.get_content()
    log_text = (tmp_path / "logs" / "app.log").read_text()
    assert "[stream-1 127.0.0.1 GET /stream]" in log_text
    assert "RuntimeError: stream drill failure" in log_text


def test_sigterm_delivers_queued_mail(project, tmp_path):
    """The stop comes while the mail server holds the mail back: the worker waits
    for it before it exits."""
    inbox = Inbox(held=True).start()
    env = production_env(tmp_path, MAIL_SERVER="127.0.0.1", MAIL_PORT=inbox.port)
    server = Gunicorn(project, "drill_app:app", env, workers=1)
    try:
        status, _, _ = server.get("/boom")
        assert status == 500
        assert inbox.asked.wait(30), "the mail never reached the server"
        server.terminate()
        inbox.release()
        assert server.stop() == 0
        assert len(inbox.messages) == 1
        assert "unsent" not in server.stderr()
    finally:
        server.stop()
        inbox.stop()


def test_sigterm_past_exit_wait_reports_unsent_mail(project, tmp_path):
    inbox = Inbox(held=True).start()
    env = production_env(
        tmp_path, MAIL_SERVER="127.0.0.1", MAIL_PORT=inbox.port, MAIL_EXIT_WAIT=0.5
    )
    server = Gunicorn(project, "drill_app:app", env, workers=1)
    try:
        _, headers, _ = server.get("/boom")
        assert inbox.asked.wait(30), "the mail never reached the server"
        server.stop()  # the server never takes it
    finally:
        inbox.stop()
    err = server.stderr()
    assert inbox.messages == []
    # The exit wait ended the conversation: the mail was not sent, and says so.
    assert re.search(
        r"1 records could not be written to 127\.0\.0\.1:\d+, to "
        r"ops@example\.com \(TimeoutError: the exit wait ended\)",
        err,
    )
    assert f"[{headers['X-Request-ID']} " in err  # the error, on the console


def test_sigterm_with_the_projects_gunicorn_conf_accounts_for_every_mail(
    project, tmp_path
):
    """8 distinct error mails wait; the stop comes, the server takes 3 of them and
    then no more, with MAIL_EXIT_WAIT=5. gunicorn.conf.py gives the worker time to
    send or report every one: none may vanish, and the worker is not killed."""
    inbox = Inbox(held=True).start()
    env = production_env(
        tmp_path, MAIL_SERVER="127.0.0.1", MAIL_PORT=inbox.port, MAIL_EXIT_WAIT=5
    )
    server = Gunicorn(project, "drill_app:app", env, workers=1, graceful_timeout=None)
    try:
        request_ids = []
        for number in range(8):
            status, headers, _ = server.get(f"/distinct/{number}")
            assert status == 500
            request_ids.append(headers["X-Request-ID"])
        assert inbox.asked.wait(30), "no mail reached the server"
        server.terminate()
        inbox.release(3)
        assert server.stop() == 0
    finally:
        inbox.stop()
    err = server.stderr()
    assert len(inbox.messages) == 3
    # The fourth was under way when the wait ended; the other four still queued,
    # and written to stderr instead.
    assert "1 records could not be written to 127.0.0.1" in err
    assert "4 log records were still queued after the exit wait (5 s)" in err
    for request_id in request_ids:
        assert f"[{request_id} " in err
    assert "was sent SIGKILL" not in err


def test_mail_server_down_the_app_keeps_answering(project, tmp_path):
    env = production_env(tmp_path, MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    server = Gunicorn(project, "drill_app:app", env)
    try:
        statuses = [server.get("/boom")[0] for _ in range(5)] + [server.get("/")[0]]
        assert wait_for(lambda: "could not be written to 127.0.0.1" in server.stderr())
    finally:
        server.stop()
    assert statuses == [500] * 5 + [200]
    assert "(ConnectionRefusedError: [Errno 111] Connection refused)" in server.stderr()


def test_missing_syslog_socket_and_unwritable_log_dir_warn_once(project, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    env = production_env(tmp_path, LOG_FILE=blocker / "app.log")
    env["FLASK_SYSLOG_ADDRESS"] = str(tmp_path / "no-such-socket")
    server = Gunicorn(project, "drill_app:app", env, workers=1)
    try:
        statuses = [server.get(path)[0] for path in ("/", "/boom", "/nope")]
    finally:
        server.stop()
    assert statuses == [200, 500, 404]
    err = server.stderr()
    # Once when it fails, and once more at exit with the count since.
    told = re.findall(r"records could not be written to \S+/no-such-socket \(", err)
    assert 1 <= len(told) <= 2
    assert len(re.findall("file logging is off", err)) == 1
    assert "Logging error" not in err


RSYSLOG_CONF = """\
global(workDirectory="{work}")
module(load="imudp")
module(load="imtcp")
input(type="imudp" address="127.0.0.1" port="{udp}")
input(type="imtcp" address="127.0.0.1" port="{tcp}")
template(name="parsed" type="string"
         string="%inputname%|%hostname%|%app-name%|%procid%|%structured-data%|%msg%\\n")
*.* action(type="omfile" file="{out}" template="parsed")
"""

LOG_OVER_SYSLOG = """\
import os, sys
from my_flask_app import create_app

socktype, port = sys.argv[1], sys.argv[2]
app = create_app(
    "testing", PROPAGATE_EXCEPTIONS=False,
    SYSLOG_ADDRESS=f"127.0.0.1:{port}", SYSLOG_SOCKTYPE=socktype,
)


@app.route("/boom")
def boom():
    raise RuntimeError(f"collector {socktype} failure")


app.test_client().get("/boom", headers={"X-Request-ID": f"rs-{socktype}"})
with app.app_context():
    app.logger.warning("the record after, over %s", socktype)
print(os.getpid())
"""


@pytest.mark.skipif(
    not shutil.which("rsyslogd"), reason="needs rsyslogd (.ci/run installs it)"
)
def test_rsyslog_parses_each_record_whole_with_its_origin(project, tmp_path):
    """A real rsyslogd fed over UDP and TCP: each traceback is one message, and its
    parsed host name, app name and process id tell machines and workers apart."""
    udp, tcp = free_port(socket.SOCK_DGRAM), free_port()
    out = tmp_path / "received.log"
    conf = tmp_path / "rsyslog.conf"
    conf.write_text(RSYSLOG_CONF.format(work=tmp_path, udp=udp, tcp=tcp, out=out))
    daemon = subprocess.Popen(  # noqa: S603
        [shutil.which("rsyslogd"), "-n", "-f", conf, "-i", tmp_path / "pid"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    pids = {}
    try:
        assert wait_for(lambda: tcp_accepts(tcp)), "rsyslogd did not start"
        for socktype, port in (("udp", udp), ("tcp", tcp)):
            script = run(
                [sys.executable, "-c", LOG_OVER_SYSLOG, socktype, port], project
            )
            assert script.returncode == 0, script.stderr
            pids[socktype] = script.stdout.strip()
        assert wait_for(lambda: out.exists() and out.read_text().count("\n") >= 4)
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)
    lines = out.read_text().splitlines()
    for socktype in ("udp", "tcp"):
        mine = [
            line.split("|", 5) for line in lines if line.startswith(f"im{socktype}|")
        ]
        assert len(mine) == 2, mine
        for _, hostname, app_name, procid, _, _ in mine:
            assert (hostname, app_name, procid) == (
                socket.gethostname(),
                "my_flask_app",
                pids[socktype],
            )
        error, after = mine
        assert error[4] == f'[request@32473 id="rs-{socktype}"]'
        # The whole traceback is one message: its line breaks arrive as #012.
        assert "#012Traceback (most recent call last):" in error[5]
        assert error[5].endswith(f"RuntimeError: collector {socktype} failure")
        assert f"the record after, over {socktype} [in <string>:" in after[5]
        assert "#012" not in after[5]
        assert after[4] == "-"


SYSLOG_NG = TEMPLATE / ".venv" / "syslog-ng"  # unpacked by .ci/run, beside rsyslog


def syslog_ng():
    """(command, environment) of syslog-ng, installed or unpacked; or None."""
    if shutil.which("syslog-ng"):
        return [shutil.which("syslog-ng")], {}
    libraries = SYSLOG_NG / "usr" / "lib" / "syslog-ng"
    modules = sorted(libraries.glob("[0-9]*"))
    if not modules:
        return None
    command = [SYSLOG_NG / "usr" / "sbin" / "syslog-ng", f"--module-path={modules[-1]}"]
    return command, {"LD_LIBRARY_PATH": str(libraries)}


def collector_command(daemon, conf, tmp_path):
    """The command that runs daemon in the foreground with conf, and its environment;
    conf first gets what a configuration of the daemon's own would hold."""
    if daemon == "rsyslog":
        if not shutil.which("rsyslogd"):
            pytest.skip("needs rsyslogd (.ci/run installs it)")
        conf.write_text(f'global(workDirectory="{tmp_path}")\n' + conf.read_text())
        return [shutil.which("rsyslogd"), "-n", "-f", conf, "-i", tmp_path / "pid"], {}
    found = syslog_ng()
    if found is None:
        pytest.skip("needs syslog-ng (.ci/run unpacks it into .venv)")
    command, env = found
    version = run([*command, "--version"], tmp_path, env={**os.environ, **env})
    (number,) = re.findall(r"\((\d+\.\d+)", version.stdout)[:1]
    conf.write_text(f"@version: {number}\n" + conf.read_text())
    command += ["-F", "-f", conf, "-R", tmp_path / "persist", "-p", tmp_path / "pid",
                "-c", tmp_path / "ctl", "--no-caps"]  # fmt: skip
    return command, env


@pytest.mark.parametrize("daemon", ["rsyslog", "syslog-ng"])
def test_the_readmes_collector_configurations_take_each_record_whole(
    project, tmp_path, daemon
):
    """The README's configuration of each daemon, on free ports: over UDP and TCP,
    each record arrives as one message, its traceback whole."""
    readme = (project / "README.md").read_text()
    block = readme.split(f"\n{daemon}, in `", 1)[1].split("```\n")[1]
    udp, tcp = free_port(socket.SOCK_DGRAM), free_port()
    out = tmp_path / "received.log"
    lines = []
    for line in block.replace("/var/log/my-flask-app.log", str(out)).splitlines():
        port = udp if "udp" in line else tcp if "tcp" in line else None
        lines.append(line.replace("514", str(port)) if port else line)
    conf = tmp_path / f"{daemon}.conf"
    conf.write_text("\n".join(lines) + "\n")
    command, env = collector_command(daemon, conf, tmp_path)
    daemon_process = subprocess.Popen(  # noqa: S603
        command, env={**os.environ, **env},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert wait_for(lambda: tcp_accepts(tcp)), f"{daemon} did not start"
        for socktype, port in (("udp", udp), ("tcp", tcp)):
            script = run(
                [sys.executable, "-c", LOG_OVER_SYSLOG, socktype, port], project
            )
            assert script.returncode == 0, script.stderr
        assert wait_for(lambda: received(out).count("the record after, over") == 2)
    finally:
        daemon_process.terminate()
        daemon_process.wait(timeout=30)
    text = received(out)
    headers = [line for line in text.splitlines() if "my_flask_app[" in line]
    assert len(headers) == 4, text  # two records each way, one message each
    for socktype in ("udp", "tcp"):
        assert f"RuntimeError: collector {socktype} failure" in text
        assert f"[rs-{socktype} " in text


def received(path):
    return path.read_text() if path.exists() else ""


def tcp_accepts(port):
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_access_lines_under_gunicorn_carry_the_request_id(project, tmp_path):
    """The project's gunicorn.conf.py: an access line for each request but the
    health checks, with the caller's X-Request-ID, a hostile path on one line."""
    server = Gunicorn(project, "drill_app:app", production_env(tmp_path), workers=1,
                      graceful_timeout=None)  # fmt: skip
    try:
        assert server.get("/no-such-page", {"X-Request-ID": "access-1"})[0] == 404
        for path in ("/livez", "/readyz", "/x%0d%0aINFO%20forged%1b"):
            server.get(path)
    finally:
        server.stop()
    lines = [line for line in server.stderr().splitlines() if "gunicorn.access" in line]
    assert len(lines) == 2, lines
    assert (
        "INFO gunicorn.access [access-1 127.0.0.1 GET /no-such-page] 404 in "
        in (lines[0])
    )
    assert "/x\\r\\nINFO forged\\x1b" in lines[1]
    assert not any(
        line.startswith("INFO forged") for line in server.stderr().splitlines()
    )


DISK_FULL = """
import os, sys
from my_flask_app import create_app

folder, log = sys.argv[1], os.path.join(sys.argv[1], "app.log")
app = create_app("testing", LOG_FILE=log)
app.logger.warning("before")
space = os.statvfs(folder)
with open(os.path.join(folder, "filler"), "wb") as filler:
    try:  # fill the disk
        filler.write(b"\\0" * space.f_bavail * space.f_frsize)
    except OSError:
        pass
for number in range(3):
    app.logger.warning("cut short %d %s", number, "x" * 6000)
os.remove(os.path.join(folder, "filler"))
app.logger.warning("after")
"""


@pytest.fixture
def small_disk(tmp_path):
    """A 64 KiB file system of its own (a tmpfs; needs the right to mount one)."""
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", folder], tmp_path)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    yield folder
    run(["umount", folder], tmp_path)


def test_a_full_disk_glues_no_record_to_the_next(project, small_disk):
    """A record cut short by a full disk stays on a line of its own, and the record
    after it, once there is room, is written whole (it was glued to the cut one)."""
    result = run([sys.executable, "-c", DISK_FULL, small_disk], project)
    assert result.returncode == 0, result.stderr
    assert "records could not be written to" in result.stderr
    lines = (small_disk / "app.log").read_text().splitlines()
    assert "before" in lines[0]
    assert lines[-1].endswith("after [in <string>:17]")
    assert all(line.count(" WARNING ") <= 1 for line in lines)


HUGE_ERROR = """
import resource, sys
from my_flask_app import create_app

app = create_app(
    LOG_FILE=sys.argv[1], MAIL_SERVER="127.0.0.1", MAIL_PORT=int(sys.argv[2]),
    MAIL_THROTTLE_SECONDS=0,
)


@app.route("/huge/<int:size>")
def huge(size):
    raise ValueError("x" * size)


def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


client = app.test_client()
client.get("/huge/100")  # everything imported and warm
app.extensions["logging"].queue.wait(30)
before = peak_mib()
client.get(f"/huge/{10 * 1024 * 1024}")
app.extensions["logging"].queue.wait(30)
print(f"{peak_mib() - before:.1f}")
"""


def test_a_ten_megabyte_error_costs_a_worker_little_memory(project, tmp_path):
    """The message is cut before it is copied: the app's own 10 MB string is most of
    what the worker's peak grows by, however many handlers format the record."""
    env = {**suite_env(), **production_env(tmp_path)}
    result = run(
        [sys.executable, "-c", HUGE_ERROR, tmp_path / "app.log", free_port()],
        project, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert float(result.stdout) < 50, f"{result.stdout.strip()} MiB more at the peak"
    assert (
        "[... cut: 10,485,760 characters in all]" in (tmp_path / "app.log").read_text()
    )


WAITRESS_APP = """\
from wsgi import app


@app.route("/boom")
def boom():
    raise RuntimeError("waitress drill failure")
"""


def test_waitress_stopped_by_sigterm_sends_or_tells_every_record(project, tmp_path):
    """waitress-serve, as a Windows server or a small Linux service runs it: SIGTERM
    (systemd, docker stop) while 3 error mails wait on the mail server."""
    inbox = Inbox(held=True).start()
    port = free_port()
    env = {**suite_env(), **production_env(tmp_path, MAIL_SERVER="127.0.0.1",
           MAIL_PORT=inbox.port, MAIL_THROTTLE_SECONDS=0)}  # fmt: skip
    (project / "waitress_app.py").write_text(WAITRESS_APP)
    log = (tmp_path / "waitress.stderr").open("w")
    server = subprocess.Popen(  # noqa: S603 (our own command)
        [BIN / "waitress-serve", f"--listen=127.0.0.1:{port}", "waitress_app:app"],
        cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=log,
    )  # fmt: skip
    try:
        assert wait_for(lambda: tcp_accepts(port), timeout=30), "waitress did not start"
        for _ in range(3):
            with pytest.raises(urllib.error.HTTPError, match="500"):
                urllib.request.urlopen(f"http://127.0.0.1:{port}/boom")  # noqa: S310
        assert inbox.asked.wait(30), "no mail reached the server"
        server.send_signal(signal.SIGTERM)
        inbox.release(3)
        assert server.wait(timeout=60) == 0
    finally:
        server.kill()
        inbox.stop()
    err = (tmp_path / "waitress.stderr").read_text()
    assert len(inbox.messages) == 3, err[-3000:]
    assert "could not be written" not in err


def test_sighup_loses_and_repeats_no_line(project, tmp_path):
    """SIGHUP reloads gunicorn.conf.py and replaces the workers, and gunicorn 26.1 and
    newer set its logger up again: every line after it is written once."""
    env = production_env(tmp_path)
    server = Gunicorn(project, "drill_app:app", env, graceful_timeout=None)
    try:
        assert server.get("/boom", {"X-Request-ID": "before-hup"})[0] == 500
        server.process.send_signal(signal.SIGHUP)
        assert wait_for(lambda: server.stderr().count("Booting worker") == 4)
        assert wait_for(lambda: server.stderr().count("Worker exiting") == 2)
        assert server.get("/boom", {"X-Request-ID": "after-hup-500"})[0] == 500
        assert server.get("/nope", {"X-Request-ID": "after-hup-404"})[0] == 404
    finally:
        server.stop()
    lines = server.stderr().splitlines()
    assert len([line for line in lines if "Hang up" in line]) == 1
    for request_id in ("before-hup", "after-hup-500", "after-hup-404"):
        mine = [line for line in lines if request_id in line]
        access = [line for line in mine if "gunicorn.access" in line]
        errors = [line for line in mine if "Exception on /boom" in line]
        assert len(access) == 1, mine
        assert len(errors) == (0 if request_id.endswith("404") else 1), mine
    assert (tmp_path / "logs" / "app.log").read_text().count("after-hup-500") == 1


def test_a_worker_killed_for_a_timeout_logs_where_its_request_was_stuck(
    project, tmp_path
):
    """gunicorn's worker_abort hook, in the project's gunicorn.conf.py."""
    server = Gunicorn(project, "drill_app:app", production_env(tmp_path), workers=1,
                      extra=["--timeout", "2"], graceful_timeout=None)  # fmt: skip
    try:
        try:
            status = server.get("/stuck", {"X-Request-ID": "stuck-1"})[0]
        except OSError:  # the worker died with the connection open
            status = None
        assert status in (None, 500)
        assert wait_for(lambda: "time.sleep(60)" in server.stderr()), server.stderr()
    finally:
        server.stop()
    lines = server.stderr().splitlines()
    (line,) = [line for line in lines if "Worker timeout" in line]
    assert "[stuck-1 127.0.0.1 GET /stuck]" in line
    assert "in stuck_in_a_loop" in line
    file_log = (tmp_path / "logs" / "app.log").read_text()
    assert "[stuck-1 127.0.0.1 GET /stuck]" in file_log
    assert "time.sleep(60)" in file_log


def test_no_control_socket_unless_turned_on(project, tmp_path):
    """gunicorn 25.1 and newer open one under $HOME by default."""
    home = tmp_path / "home"
    env = {**production_env(tmp_path), "HOME": str(home)}
    server = Gunicorn(project, "drill_app:app", env, control_socket=None)
    assert server.stop() == 0
    assert not home.exists()
