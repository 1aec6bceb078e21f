"""The generated Dockerfile, built and run by buildah on a Debian base made here.

The slower tier, `make test-container`: the first run makes the base image (a minute
or so), later runs reuse it and the layer cache in .venv. Skipped, with the reason,
where buildah or debootstrap cannot run.
"""

import json
import os
import secrets
import signal
import subprocess
import urllib.error
import urllib.request

import pytest

from harness import container
from harness.bake import bake
from harness.servers import Inbox, free_port, wait_for

pytestmark = [pytest.mark.container, pytest.mark.xdist_group("container")]

DRILL_ROUTE = """

@app.route("/boom")
def boom():
    raise RuntimeError("container drill")
"""
# What must never enter the image, planted beside what the bake wrote (its .env).
PRIVATE = {
    "instance/config.py": 'SECRET_KEY = "planted"\n',
    ".git/config": "[core]\n",
    ".venv/pyvenv.cfg": "home = /usr/bin\n",
    "my_flask_app/__pycache__/stale.cpython-311.pyc": "",
}
INSPECT = """\
import json, os, shutil
print(json.dumps({
    "app": sorted(
        os.path.relpath(os.path.join(top, name), "/app")
        for top, dirs, files in os.walk("/app") for name in dirs + files
    ),
    "compilers": [c for c in ("cc", "gcc", "c++", "g++", "clang") if shutil.which(c)],
    "pip caches": [p for p in ("/root/.cache/pip",) if os.path.exists(p)],
}))
"""
WORKERS = 2


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    """(image id, its Docker configuration) of the default project, with one route
    that raises added to wsgi.py and private files planted beside it."""
    reason = container.unavailable()
    if reason:
        pytest.skip(reason)
    try:
        base = container.base_image()
    except container.Unavailable as error:
        pytest.skip(str(error))
    folder = tmp_path_factory.mktemp("container")
    project = bake(folder)
    with (project / "wsgi.py").open("a") as wsgi:
        wsgi.write(DRILL_ROUTE)
    for path, text in PRIVATE.items():
        (project / path).parent.mkdir(parents=True, exist_ok=True)
        (project / path).write_text(text)
    log = folder / "build.log"
    image = container.build(project, base, log)
    assert image, container.tail(log.read_text())
    return image, container.image_config(image)


def test_the_command_is_gunicorn_in_exec_form_as_a_user(image):
    """Exec form: SIGTERM reaches gunicorn, not a shell that ignores it as PID 1."""
    _, config = image
    assert not config.get("Entrypoint")
    assert config["Cmd"][0] == "gunicorn", config["Cmd"]
    assert "gunicorn.conf.py" in config["Cmd"]
    assert config["User"].isdigit(), "a number lets a platform see it is not root"
    assert config["User"] != "0"
    assert config["Healthcheck"]["Test"][0] == "CMD"


def test_nothing_private_and_no_compiler_inside(image):
    image_id, _ = image
    with container.Container(image_id) as box:
        inspected = box.run(["python3", "-c", INSPECT], user="root")
    assert inspected.returncode == 0, inspected.stderr
    found = json.loads(inspected.stdout)
    inside = set(found["app"])
    private = [
        path
        for path in inside
        if path.split("/")[0] in {".env", ".git", ".venv"}
        or path.startswith("instance/")
        or "__pycache__" in path
    ]
    assert private == []
    assert "my_flask_app/__init__.py" in inside
    assert "gunicorn.conf.py" in inside
    assert found["compilers"] == []
    assert found["pip caches"] == []


def get(port, path, headers=None):
    """(status, headers, body) of a GET, for any status."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def test_serves_mails_errors_and_stops_gracefully(image, tmp_path):
    """The image's own command, with the settings as environment variables."""
    image_id, config = image
    inbox = Inbox(held=True).start()
    port = free_port()
    env = [
        f"GUNICORN_CMD_ARGS=--bind 127.0.0.1:{port}",
        f"PORT={port}",  # what the health check asks
        f"WEB_CONCURRENCY={WORKERS}",
        f"FLASK_SECRET_KEY={secrets.token_hex()}",
        "FLASK_MAIL_SERVER=127.0.0.1",
        f"FLASK_MAIL_PORT={inbox.port}",
        "FLASK_MAIL_THROTTLE_SECONDS=0",
        "FLASK_MAIL_EXIT_WAIT=3",
    ]
    stderr = tmp_path / "stderr"
    with container.Container(image_id) as box, stderr.open("w") as err:
        server = subprocess.Popen(  # noqa: S603 (buildah, our own arguments)
            box.command(config["Cmd"], env), stdout=subprocess.DEVNULL, stderr=err
        )
        try:
            up = wait_for(lambda: answers(port), timeout=60)
            assert up, stderr.read_text()
            master = container.command_process(server.pid)
            assert "gunicorn" in os.path.basename(container.cmdline(master)[1])
            assert wait_for(lambda: len(container.children(master)) == WORKERS)
            workers = container.children(master)
            for pid in [master, *workers]:
                assert container.uid(pid) != 0, f"{pid} runs as root"

            assert get(port, "/readyz")[0] == 200  # the database, in instance/
            status, _, page = get(port, "/no-such-page", {"Accept": "text/html"})
            assert status == 404
            assert "Page not found" in page
            check = config["Healthcheck"]["Test"][1:]
            assert box.run(check, [f"PORT={port}"]).returncode == 0

            status, headers, page = get(port, "/boom", {"Accept": "text/html"})
            assert status == 500
            mailed_id = headers["X-Request-ID"]
            assert mailed_id in page
            assert "container drill" not in page
            inbox.release()
            assert wait_for(lambda: inbox.messages)
            assert mailed_id in inbox.messages[0].get_content()

            # Four more wait in the workers' queues: the server takes none of them
            # until the stop has come.
            inbox.asked.clear()
            queued = [get(port, "/boom")[1]["X-Request-ID"] for _ in range(4)]
            assert inbox.asked.wait(30), "no mail reached the server"
            os.kill(master, signal.SIGTERM)
            inbox.release(len(queued))
            assert server.wait(timeout=60) == 0, stderr.read_text()
        finally:
            container.kill(server.pid)
            server.wait()
            inbox.stop()
        # The database and the mail throttle's marks, and no log file: the log
        # went to stderr.
        written = box.run(["ls", "-A", "/app/instance"]).stdout.split()
        assert written == ["mail-throttle", "my-flask-app.db"]
    log = stderr.read_text()
    mailed = " ".join(message.get_content() for message in inbox.messages)
    # Every error's id is on stderr already, in its log line and its access line: a
    # mail that was not sent must add the report of it.
    logged = log.count(mailed_id)
    for request_id in queued:
        assert request_id in mailed or log.count(request_id) > logged, (
            f"{request_id}: neither mailed nor reported\n{log}"
        )


def answers(port):
    try:
        return get(port, "/livez")[0] == 200
    except OSError:
        return False
