"""A generated project under uWSGI (built from PyPI) with the project's uwsgi.ini."""

import pytest

from harness.servers import Inbox, wait_for
from harness.uwsgi import Uwsgi, install_uwsgi

from .conftest import production_env

# The project's wsgi.py, with distinct errors: each is mailed, none held back.
WSGI_WITH_ERRORS = """\
from my_flask_app import create_app

app = create_app()
ERRORS = [type(f"UwsgiError{number}", (Exception,), {}) for number in range(10)]


@app.route("/distinct/<int:number>")
def distinct(number):
    raise ERRORS[number](f"uwsgi failure {number}")
"""
NO_THREADS = "uWSGI runs Python without threads"
NO_FORK_HOOKS = "without running Python's fork hooks"

pytestmark = pytest.mark.xdist_group("uwsgi")  # one build, on one worker


@pytest.fixture(scope="module", autouse=True)
def uwsgi_installed():
    failed = install_uwsgi()
    if failed:
        pytest.fail(f"pip install uwsgi failed:\n{failed.stdout}{failed.stderr}")


@pytest.fixture
def project(bake):
    project = bake()
    (project / "wsgi.py").write_text(WSGI_WITH_ERRORS)
    return project


def test_every_error_mail_arrives_while_uwsgi_serves(project, tmp_path):
    inbox = Inbox().start()
    env = {
        **production_env(tmp_path, MAIL_SERVER="127.0.0.1", MAIL_PORT=inbox.port),
        "WEB_CONCURRENCY": "4",
    }
    server = Uwsgi(project, env)
    try:
        ids = [
            server.get(f"/distinct/{number}")[1]["X-Request-ID"] for number in range(10)
        ]
        assert wait_for(lambda: len(inbox.messages) == 10, timeout=20), (
            f"{len(inbox.messages)} of 10 error mails arrived while serving"
        )
    finally:
        server.stop()
        inbox.stop()
    mailed = " ".join(message.get_content() for message in inbox.messages)
    assert all(f"Request ID:     {request_id}" in mailed for request_id in ids)
    err = server.stderr()
    assert "spawned uWSGI worker 4" in err
    assert NO_THREADS not in err
    assert NO_FORK_HOOKS not in err


def test_uwsgi_without_fork_hooks_is_told_once_with_the_flags(project, tmp_path):
    env = {**production_env(tmp_path), "WEB_CONCURRENCY": "2"}
    server = Uwsgi(project, env, changes={"py-call-uwsgi-fork-hooks = true": None})
    server.stop()
    err = server.stderr()
    assert err.count(NO_FORK_HOOKS) == 1
    assert "--py-call-uwsgi-fork-hooks (py-call-uwsgi-fork-hooks = true" in err
