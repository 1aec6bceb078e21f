"""Every error page passes axe-core's WCAG 2.0 and 2.1 A and AA rules in Chromium.

A generated project runs under gunicorn on 127.0.0.1 twice: in production, where views
fail on purpose to reach each page, and in development, which previews the pages at
/_errors/<code>. One headless Chromium, driven from Node.js by playwright-core, opens
every page, runs axe-core on it, and then narrows the window to 320 CSS pixels to check
that the page reflows (WCAG 1.4.10) even with the longest request id the app keeps.
"""

import contextlib
import json
import shutil
import subprocess

import pytest

from harness.bake import TEMPLATE
from harness.browser import FLAGS, find_chromium
from harness.npm import npm_install
from harness.servers import Gunicorn

from .conftest import run

# Pinned, and installed on first use into the git-ignored .venv, one directory per pin.
NODE_PACKAGES = ["playwright-core@1.65.1", "axe-core@4.14.1"]
NODE_ROOT = TEMPLATE / ".venv" / "node"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

ROUTES = '''\
"""Views that end in each error page."""

from flask import abort

from wsgi import app


@app.route("/bad-request")
def bad_request():
    abort(400)


@app.route("/forbidden")
def forbidden():
    abort(403)


@app.route("/post-only", methods=["POST"])
def post_only():
    return "posted"


@app.route("/boom")
def boom():
    raise RuntimeError("a view failed")


@app.route("/teapot")
def teapot():
    abort(418)


@app.route("/unavailable")
def unavailable():
    abort(503)
'''
# Where each error page is, in production. 400 to 500 have templates of their own;
# 418 and 503 show errors/generic.html.
PRODUCTION_PATHS = {
    400: "/bad-request",
    403: "/forbidden",
    404: "/no-such-page",
    405: "/post-only",
    500: "/boom",
    418: "/teapot",
    503: "/unavailable",
}
SECRET_KEY = "accessibility-test-secret-key-0123456789"
# The longest request id the app keeps from X-Request-ID, with no hyphen to break a
# line at: 5xx pages show it.
LONG_REQUEST_ID = "7f3a9c0d" * 16
NARROW = {"width": 320, "height": 640}

DRIVER = r"""
// Reads the job as JSON on stdin; writes one result per page as JSON on stdout.
const fs = require("fs");
const { chromium } = require("playwright-core");
const axe = require("axe-core");

function problem(rule, review) {
  return {
    id: rule.id,
    impact: rule.impact,
    help: rule.help,
    review,
    nodes: rule.nodes.map((node) => ({
      target: node.target.join(" "),
      summary: node.failureSummary,
    })),
  };
}

async function audit(page, url, job) {
  await page.setViewportSize(job.wide);
  const response = await page.goto(url);
  await page.evaluate(axe.source);
  const found = await page.evaluate(
    (tags) => axe.run(document, { runOnly: { type: "tag", values: tags } }),
    job.tags,
  );
  await page.setViewportSize(job.narrow);
  return {
    url,
    status: response.status(),
    scrollWidth: await page.evaluate(() => document.documentElement.scrollWidth),
    passes: found.passes.map((rule) => rule.id),
    problems: [
      ...found.violations.map((rule) => problem(rule, false)),
      ...found.incomplete.map((rule) => problem(rule, true)),
    ],
  };
}

async function main() {
  const job = JSON.parse(fs.readFileSync(0, "utf8"));
  const browser = await chromium.launch({
    executablePath: job.chromium,
    args: job.flags,
    timeout: 60000,
  });
  try {
    const page = await browser.newPage({ viewport: job.wide });
    await page.setExtraHTTPHeaders(job.headers);
    const results = [];
    for (const url of job.urls) {
      results.push(await audit(page, url, job));
    }
    process.stdout.write(JSON.stringify(results));
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
"""


def node_modules():
    """The directory holding NODE_PACKAGES, installed with npm the first time."""
    target = NODE_ROOT / "_".join(p.replace("@", "-") for p in NODE_PACKAGES)
    failed = npm_install(NODE_PACKAGES, target)
    if failed:
        pytest.skip(
            f"npm could not install {' '.join(NODE_PACKAGES)}: "
            + (failed.stderr.strip().splitlines() or ["no message"])[0]
        )
    return target


def browser():
    """Chromium's path and the directory of the Node packages; skip without them."""
    chromium = find_chromium()
    if not chromium:
        pytest.skip("needs Debian's Chromium (apt-get install chromium)")
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip("needs Node.js and npm to run axe-core (apt-get install npm)")
    return chromium, node_modules()


def audit(chromium, packages, urls):
    """Run the driver over urls in one Chromium; return its results."""
    job = {
        "chromium": chromium,
        "flags": FLAGS,
        "tags": AXE_TAGS,
        "urls": urls,
        "headers": {"X-Request-ID": LONG_REQUEST_ID},
        "wide": {"width": 1280, "height": 800},
        "narrow": NARROW,
    }
    try:
        result = run(
            ["node", "-e", DRIVER], cwd=packages, input=json.dumps(job),
            timeout=180,
        )  # fmt: skip
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"the browser did not finish in {error.timeout} s: {error.stderr}")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def serve(stack, project, config):
    """A gunicorn serving the project in config, stopped when stack closes."""
    (project / "a11y_views.py").write_text(ROUTES)
    env = {"FLASK_CONFIG": config, "FLASK_SECRET_KEY": SECRET_KEY}
    server = Gunicorn(project, "a11y_views:app", env, workers=1)
    stack.callback(server.stop)  # Gunicorn() returned once the app answered
    status = server.get("/")[0]
    assert status == 200, f"the {config} app answers {status}:\n{server.stderr()}"
    return f"http://127.0.0.1:{server.port}"


def problems(result, expected):
    """What is wrong with one page, each as text for the failure message."""
    found = []
    if result["status"] != expected:
        found.append(f"answered {result['status']}, not {expected}")
    if "color-contrast" not in result["passes"]:
        found.append("axe-core checked no text contrast: is this the error page?")
    for problem in result["problems"]:
        kind = "needs review" if problem["review"] else "violation"
        lines = [f"{kind} {problem['id']} ({problem['impact']}): {problem['help']}"]
        for node in problem["nodes"]:
            summary = (node["summary"] or "").replace("\n", "\n      ")
            lines.append(f"    {node['target']}\n      {summary}")
        found.append("\n".join(lines))
    if result["scrollWidth"] > NARROW["width"]:
        found.append(
            f"scrolls sideways at {NARROW['width']} CSS pixels wide "
            f"({result['scrollWidth']} pixels of page): WCAG 1.4.10 Reflow"
        )
    return found


def test_error_pages_pass_axe_core(bake):
    chromium, packages = browser()
    with contextlib.ExitStack() as stack:
        production = serve(stack, bake(), "production")
        development = serve(stack, bake(), "development")
        pages = {
            f"{production}{path}": (code, f"production {path}")
            for code, path in PRODUCTION_PATHS.items()
        } | {
            f"{development}/_errors/{code}": (code, f"development /_errors/{code}")
            for code in PRODUCTION_PATHS
        }
        results = audit(chromium, packages, list(pages))

    assert [result["url"] for result in results] == list(pages)
    # The same problem is usually on every page: list it once, with its pages.
    where = {}
    for result in results:
        code, name = pages[result["url"]]
        for problem in problems(result, code):
            where.setdefault(problem, []).append(name)
    if where:
        pytest.fail(
            "\n".join(
                f"{problem}\n  on: {', '.join(on)}" for problem, on in where.items()
            )
        )
