"""The app's peers for the benchmarks, each in a process of its own, as real ones are.

In the benchmark's process their threads would compete with the app being timed.
Run as `python -m bench.peers KIND ...`; each prints "ready PORT" once listening and
exits when its standard input closes (or when the benchmark kills it).

  mail DELAY LOG   an SMTP server (aiosmtpd) taking DELAY seconds per message; it
                   appends each message's sender to the file LOG
  udp              a syslog listener reading datagrams
  tcp              a syslog collector reading every TCP connection it accepts
  blackhole        a hung collector: it accepts TCP connections and never reads
"""

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class Peer:
    """Start `python -m bench.peers KIND ARGS`; its port is in .port."""

    def __init__(self, kind, *args):
        self.process = subprocess.Popen(  # noqa: S603 (our own command)
            [sys.executable, "-m", "bench.peers", kind, *map(str, args)],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        line = self.process.stdout.readline().split()
        if line[:1] != ["ready"]:
            self.process.kill()
            raise RuntimeError(f"the {kind} peer did not start")
        self.port = int(line[1])

    def stop(self):
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class MailServer(Peer):
    """The SMTP server: counts what it accepted, by sender."""

    def __init__(self, delay, directory):
        self.log = Path(directory) / f"senders-{time.monotonic_ns()}.txt"
        self.log.touch()
        super().__init__("mail", delay, self.log)

    def arrived(self, sender):
        return self.log.read_text().splitlines().count(sender)


def exit_when_stdin_closes():
    def watch():
        sys.stdin.read()
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def ready(port):
    print(f"ready {port}", flush=True)


def serve_mail(delay, log):
    from aiosmtpd.controller import Controller

    from harness.servers import free_port

    class Slow:
        async def handle_DATA(self, server, session, envelope):
            if delay:
                await asyncio.sleep(delay)
            with open(log, "a") as f:
                f.write(envelope.mail_from + "\n")
            return "250 Message accepted"

    port = free_port()
    controller = Controller(Slow(), hostname="127.0.0.1", port=port)
    controller.start()
    ready(port)
    sys.stdin.read()
    controller.stop()


def serve_udp():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    exit_when_stdin_closes()
    ready(sock.getsockname()[1])
    while True:
        sock.recv(65536)


def serve_tcp(read):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    exit_when_stdin_closes()
    ready(server.getsockname()[1])
    held = []  # the black hole keeps every connection open, unread
    while True:
        connection, _ = server.accept()
        if read:
            threading.Thread(target=drain, args=(connection,), daemon=True).start()
        else:
            held.append(connection)


def drain(connection):
    with connection:
        while connection.recv(1 << 16):
            pass


def main(argv):
    kind, args = argv[0], argv[1:]
    if kind == "mail":
        serve_mail(float(args[0]), args[1])
    elif kind == "udp":
        serve_udp()
    elif kind in ("tcp", "blackhole"):
        serve_tcp(read=kind == "tcp")
    else:
        raise SystemExit(f"unknown peer {kind}")


if __name__ == "__main__":
    main(sys.argv[1:])
