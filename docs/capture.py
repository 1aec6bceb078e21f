"""Capture what a generated project shows: pages, a problem body, a mail, log lines.

Run with `make screenshots` (needs Debian's chromium). It bakes projects, serves one
on 127.0.0.1, takes headless screenshots of the 404 and 500 pages, and writes the
samples the README shows, so that they stay true to the template.
"""

import importlib
import json
import re
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.request
from pathlib import Path

from werkzeug.serving import make_server

from harness.bake import baked_package, quiet_stderr
from harness.browser import FLAGS, find_chromium
from harness.servers import Inbox, free_port, wait_for

DOCS = Path(__file__).resolve().parent
README = DOCS.parent / "README.md"
CHROMIUM_FLAGS = [*FLAGS, "--hide-scrollbars", "--window-size=900,620"]


DEMO_VIEW = """\
def register(app):
    @app.route("/orders/<int:order_id>/refund")
    def refund(order_id):
        total, amount = {42: 120}[order_id], 150
        if amount > total:
            raise ValueError(f"refund of {amount} exceeds order total {total}")
        return "refunded"
"""


def add_demo_routes(app, project):
    """A view that fails, written into the project so tracebacks show its own path."""
    (project / "my_flask_app" / "orders.py").write_text(DEMO_VIEW)
    importlib.import_module("my_flask_app.orders").register(app)


def error_record(text):
    """The first ERROR record of a text log: its head line and the traceback below it
    (production logs a startup line first)."""
    starts = [m.start() for m in re.finditer(r"^\d{4}-\d\d-\d\d ", text, re.M)]
    records = [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]
    return next(record for record in records if " ERROR " in record.partition("\n")[0])


def error_object(text):
    """The first ERROR object of a JSON log, indented."""
    objects = [json.loads(line) for line in text.splitlines() if line.strip()]
    return json.dumps(next(o for o in objects if o["level"] == "ERROR"), indent=2)


def get(url, accept="text/html"):
    request = urllib.request.Request(
        url, headers={"Accept": accept, "X-Request-ID": "demo-7f3a9c"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def screenshot(url, path):
    chromium = find_chromium()
    if not chromium:
        sys.exit("make screenshots needs Chromium: apt-get install chromium")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(  # noqa: S603
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
             f"--screenshot={path}", url],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip


def tidy(text, project):
    """Shorten the temporary paths of this run to what a deployment would show."""
    text = text.replace(str(project), "/srv/my-flask-app")
    return re.sub(r"/\S+/site-packages/", ".../site-packages/", text)


def serve_and_capture(inbox, log_dir):
    samples = {}
    with baked_package() as (package, project), quiet_stderr():
        app = package.create_app(
            "production",
            SECRET_KEY="capture-secret-key-0123456789abcdef0123",
            LOG_FILE=str(log_dir / "text.log"),
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=inbox.port,
            MAIL_SENDER="server-error@app-01.example.com",
            ADMINS=["ops@example.com"],
        )
        add_demo_routes(app, project)
        port = free_port()
        server = make_server("127.0.0.1", port, app)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{port}"
        try:
            get(f"{base}/nope")
            get(f"{base}/orders/42/refund")
            status, body = get(f"{base}/orders/42/refund", accept="application/json")
            samples["problem"] = json.dumps(json.loads(body), indent=2)
            screenshot(f"{base}/nope", DOCS / "img" / "404.png")
            screenshot(f"{base}/orders/42/refund", DOCS / "img" / "500.png")
            assert wait_for(lambda: inbox.messages)
        finally:
            server.shutdown()
        message = inbox.messages[0]
        headers = "".join(f"{k}: {message[k]}\n" for k in ("From", "To", "Subject"))
        samples["mail"] = tidy(headers + "\n" + message.get_content(), project)
        samples["text"] = tidy(
            error_record((log_dir / "text.log").read_text()), project
        )
    with baked_package(log_format="json") as (package, project), quiet_stderr():
        app = package.create_app(
            "production",
            SECRET_KEY="capture-secret-key-0123456789abcdef0123",
            LOG_FILE=str(log_dir / "json.log"),
        )
        add_demo_routes(app, project)
        client = app.test_client()
        client.get("/orders/42/refund", headers={"X-Request-ID": "demo-7f3a9c"})
        samples["json"] = error_object(
            tidy((log_dir / "json.log").read_text(), project)
        )
    return samples


def update_readme(samples):
    block = "\n".join(
        [
            "<!-- samples:start (written by make screenshots) -->",
            "The problem details a JSON client gets for the same error:",
            "",
            "```json", samples["problem"], "```",
            "",
            "The mail the admins get (paths shortened):",
            "",
            "```", samples["mail"].rstrip(), "```",
            "",
            "The log file, `log_format=text`:",
            "",
            "```", samples["text"].rstrip(), "```",
            "",
            "The log file, `log_format=json` (one object per line, shown indented):",
            "",
            "```json", samples["json"].rstrip(), "```",
            "<!-- samples:end -->",
        ]
    )  # fmt: skip
    text = README.read_text()
    text = re.sub(
        r"<!-- samples:start.*?<!-- samples:end -->", lambda _: block, text, flags=re.S
    )
    README.write_text(text)


def main():
    (DOCS / "img").mkdir(exist_ok=True)
    inbox = Inbox().start()
    try:
        with tempfile.TemporaryDirectory() as directory:
            samples = serve_and_capture(inbox, Path(directory))
    finally:
        inbox.stop()
    update_readme(samples)
    print("wrote docs/img/404.png, docs/img/500.png and the README samples")


if __name__ == "__main__":
    main()
