"""Container images built and run by Debian's buildah, with no Docker daemon and no
registry: the base image is Debian and its Python, made here by debootstrap.

What is slow to make stays in the template's .venv, which git ignores: the
debootstrapped tree, and buildah's storage with its layer cache, so that a second
build of an unchanged pyproject.toml installs nothing. Test sessions may share it:
buildah locks its storage, and the base is made under a lock of its own.
"""

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from .bake import TEMPLATE

CACHE = TEMPLATE / ".venv" / "container"
MIRROR = "http://deb.debian.org/debian"
# Debian's Python, with what `python3 -m venv` needs: what the official images have.
PACKAGES = "python3,python3-venv"
# Emptied in the debootstrapped tree, as slim images leave them out.
TRIMMED = ("var/cache/apt/archives", "var/lib/apt/lists", "usr/share/doc",
           "usr/share/man", "usr/share/locale")  # fmt: skip
# The machine's certificate authorities: its package index may sit behind a proxy.
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
BASE = """\
FROM scratch
ADD {tarball} /
COPY ca-certificates.crt {ca}
ENV {env}
# Proves that buildah can run a command here.
RUN python3 -m venv --help >/dev/null
"""


class Unavailable(Exception):
    """buildah or debootstrap cannot run on this machine; the message says why."""


def unavailable():
    """Why images cannot be built and run here, or None."""
    if os.geteuid() != 0:
        return "debootstrap and buildah need root here"
    missing = [tool for tool in ("buildah", "debootstrap") if not shutil.which(tool)]
    if missing:
        missing = " and ".join(missing)
        return f"not installed: {missing} (Debian packages; .ci/run installs them)"
    if not debian_suite():
        return "not a Debian machine: debootstrap's suite is unknown"
    if not CA_BUNDLE.exists():
        return f"no {CA_BUNDLE} (Debian's ca-certificates) for the base to trust"
    return None


def debian_suite():
    os_release = Path("/etc/os-release")
    text = os_release.read_text() if os_release.exists() else ""
    for line in text.splitlines():
        if line.startswith("VERSION_CODENAME="):
            return line.split("=", 1)[1].strip('"') or None
    return None


def buildah(*args, timeout=900):
    """Run buildah on the cache's storage; the CompletedProcess, text output."""
    return subprocess.run(  # noqa: S603 (buildah, our own arguments)
        buildah_command(*args),
        capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


def buildah_command(*args):
    storage = ["--root", CACHE / "storage", "--runroot", CACHE / "run"]
    return [str(part) for part in ["buildah", *storage, *args]]


def tail(text, lines=30):
    return "\n".join(text.splitlines()[-lines:])


def base_image():
    """The tag of the Debian base image, made on first use."""
    suite = debian_suite()
    context = CACHE / "base"
    context.mkdir(parents=True, exist_ok=True)
    with open(CACHE / "base.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one session makes it, the others wait
        tarball = context / f"debian-{suite}.tar"
        if not tarball.exists():
            debootstrap(suite, tarball)
        shutil.copyfile(CA_BUNDLE, context / "ca-certificates.crt")
        env = " ".join(f"{k}={json.dumps(v)}" for k, v in pip_settings()[0].items())
        containerfile = BASE.format(tarball=tarball.name, ca=CA_BUNDLE, env=env)
        digest = hashlib.sha256(containerfile.encode())
        digest.update((context / "ca-certificates.crt").read_bytes())
        digest.update(str(tarball.stat().st_mtime_ns).encode())
        tag = f"localhost/flask-template-base:{suite}-{digest.hexdigest()[:12]}"
        if buildah("inspect", "--type", "image", tag).returncode != 0:
            (context / "Containerfile").write_text(containerfile)
            made = buildah("bud", "--isolation", "chroot", "-t", tag, context)
            if made.returncode != 0:
                raise Unavailable(f"buildah cannot build here:\n{tail(made.stderr)}")
    return tag


def debootstrap(suite, tarball):
    """Debian's minimal base and Python, as a tar file at tarball."""
    staging = Path(tempfile.mkdtemp(prefix="debootstrap-", dir=CACHE))
    root = staging / "root"
    try:
        made = subprocess.run(  # noqa: S603 (debootstrap, our own arguments)
            ["debootstrap", "--variant=minbase", f"--include={PACKAGES}",
             suite, str(root), MIRROR],
            capture_output=True, text=True, timeout=900, check=False,
        )  # fmt: skip
        if made.returncode != 0:
            raise Unavailable(f"debootstrap failed:\n{tail(made.stdout + made.stderr)}")
        for folder in TRIMMED:
            for path in (root / folder).iterdir():
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                else:
                    path.unlink()
        subprocess.run(  # noqa: S603 (tar, our own arguments)
            ["tar", "--numeric-owner", "-C", str(root), "-cf", str(staging / "t"), "."],
            check=True,
        )
        os.replace(staging / "t", tarball)
    finally:
        # Not while debootstrap left anything mounted there: rm -r would reach into it.
        if str(staging) not in Path("/proc/mounts").read_text():
            shutil.rmtree(staging, ignore_errors=True)


def pip_settings():
    """The settings of this machine's pip, as PIP_* variables, and the folders that
    hold the local files and folders they name (a local index's pages link to files
    beside them): the image's pip must reach the same index."""
    listed = subprocess.run(  # noqa: S603 (our own Python)
        [sys.executable, "-m", "pip", "config", "list"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    env, folders = {}, set()
    # The environment's lines last: they win over the files', as in pip.
    for line in sorted(listed, key=lambda line: line.startswith(":env:")):
        key, _, value = line.partition("=")
        value = value.strip("'\"")
        env["PIP_" + key.split(".", 1)[1].upper().replace("-", "_")] = value
        for word in value.split():
            path = word.removeprefix("file://").rstrip("/")
            if path.startswith("/") and os.path.exists(path) and path != str(CA_BUNDLE):
                folders.add(os.path.dirname(path))
    env["PIP_CERT"] = env["REQUESTS_CA_BUNDLE"] = env["SSL_CERT_FILE"] = str(CA_BUNDLE)
    # A folder inside another is mounted with it.
    return env, sorted(
        f for f in folders if not any(f.startswith(f"{o}/") for o in folders)
    )


def build(context, base, log):
    """Build the Dockerfile in context on base; its image id, or None (see log).

    Docker's format, as `docker build` makes: OCI images have no HEALTHCHECK.
    """
    iidfile = log.with_suffix(".iid")
    volumes = [arg for path in pip_settings()[1] for arg in ("-v", f"{path}:{path}:ro")]
    made = buildah(
        "bud", "--isolation", "chroot", "--layers", "--format", "docker",
        "--build-arg", f"PYTHON_IMAGE={base}", "--iidfile", iidfile, *volumes, context,
    )  # fmt: skip
    log.write_text(made.stdout + made.stderr)
    return iidfile.read_text().strip() if made.returncode == 0 else None


def image_config(image):
    """The image's Docker configuration: Cmd, User, Env, Healthcheck..."""
    inspected = buildah("inspect", "--type", "image", image)
    return json.loads(inspected.stdout)["Docker"]["config"]


class Container:
    """A working container of an image, removed on leaving the with block."""

    def __init__(self, image):
        self.name = f"flask-template-{uuid.uuid4().hex[:12]}"
        made = buildah("from", "--name", self.name, image)
        assert made.returncode == 0, made.stderr

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        buildah("rm", self.name)

    def command(self, argv, env=(), user=None):
        """The buildah run command line for argv, as the image's user or user."""
        options = [arg for item in env for arg in ("--env", item)]
        if user is not None:
            options += ["--user", user]
        return buildah_command(
            "run", "--isolation", "chroot", *options, self.name, "--", *argv
        )

    def run(self, argv, env=(), user=None, timeout=120):
        return subprocess.run(  # noqa: S603 (buildah, our own arguments)
            self.command(argv, env, user),
            capture_output=True, text=True, timeout=timeout, check=False,
        )  # fmt: skip


def command_process(pid):
    """The process that `buildah run` (pid) started for the image's command: the
    first below it that is not one of buildah's helpers; None if none is yet."""
    below = children(pid)
    while below:
        pid = below.pop(0)
        try:
            if not os.path.basename(cmdline(pid)[0]).startswith("buildah"):
                return pid
        except (OSError, IndexError):  # it ended
            continue
        below += children(pid)
    return None


def kill(pid):
    """SIGKILL pid and every process below it: the command that `buildah run`
    started outlives a buildah that is killed."""
    for child in children(pid):
        kill(child)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def children(pid):
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text() if entry.name.isdigit() else ""
        except OSError:
            continue
        # "pid (name) state ppid ...": the name may hold spaces and brackets.
        if stat and int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def uid(pid):
    """The real user id of a process."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            return int(line.split()[1])
    raise LookupError(pid)


def cmdline(pid):
    return Path(f"/proc/{pid}/cmdline").read_text().split("\0")[:-1]
