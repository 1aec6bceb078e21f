"""Syslog collectors on 127.0.0.1 for the drills: healthy, slow, restarting, hung.

Each healthy or slow collector reads RFC 6587 octet-counted frames from every
connection on a thread of its own and keeps what it parsed.
"""

import contextlib
import re
import selectors
import socket
import tempfile
import threading
from pathlib import Path

FRAME_HEAD = re.compile(rb"(\d{1,10}) ")
REQUEST_ID = re.compile(r'\[request@32473 id="([^"]+)"\]')
RFC5424 = re.compile(r"<\d{1,3}>1 \S+ \S+ \S+ \d+ \S+ (?:-|\[.*?\]) ", re.S)


class TcpCollector:
    """A TCP syslog collector reading octet-counted frames.

    read_delay makes it slow: it waits that long after every read, so senders fill
    their socket buffers. restart() closes it gracefully and opens it again.
    """

    def __init__(self, read_delay=0.0, read_size=65536):
        self.read_delay = read_delay
        self.read_size = read_size
        self.frames = []
        self.broken = []  # frames that are not RFC 5424 messages
        self.truncated = 0  # connections that ended inside a frame
        self.connections = 0
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.restart_requested = threading.Event()
        self.downtime = 0.0
        self.restarted = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def request_ids(self):
        with self.lock:
            return [m.group(1) for f in self.frames if (m := REQUEST_ID.search(f))]

    def serve(self):
        selector = selectors.DefaultSelector()
        selector.register(self.listener, selectors.EVENT_READ, None)
        buffers = {}
        while not self.stopped.is_set():
            if self.restart_requested.is_set():
                self._go_down(selector, buffers)
            for key, _ in selector.select(timeout=0.1):
                if key.fileobj is self.listener:
                    conn, _ = self.listener.accept()
                    conn.setblocking(False)
                    selector.register(conn, selectors.EVENT_READ, None)
                    buffers[conn] = b""
                    self.connections += 1
                else:
                    self._read(key.fileobj, selector, buffers)
        for conn in list(buffers):
            conn.close()
        self.listener.close()
        selector.close()

    def _read(self, conn, selector, buffers):
        try:
            chunk = conn.recv(self.read_size)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b""
        if not chunk:
            if buffers.pop(conn):
                self.truncated += 1
            selector.unregister(conn)
            conn.close()
            return
        buffers[conn] = self._parse(buffers[conn] + chunk)
        if self.read_delay:
            self.stopped.wait(self.read_delay)

    def _parse(self, buffer):
        while match := FRAME_HEAD.match(buffer):
            end = match.end() + int(match.group(1))
            if len(buffer) < end:
                break
            frame = buffer[match.end() : end].decode("utf-8", "replace")
            buffer = buffer[end:]
            with self.lock:
                if RFC5424.match(frame):
                    self.frames.append(frame)
                else:
                    self.broken.append(frame)
        if buffer and not buffer[:1].isdigit():
            with self.lock:
                self.broken.append(buffer.decode("utf-8", "replace"))
            buffer = b""
        return buffer

    def _go_down(self, selector, buffers):
        """Stop listening, ask every sender to close, read what they still send,
        stay down for `downtime` seconds, then listen again on the same port."""
        self.restart_requested.clear()
        selector.unregister(self.listener)
        self.listener.close()
        for conn in buffers:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_WR)
        down = threading.Event()
        threading.Timer(self.downtime, down.set).start()
        while not down.is_set() and not self.stopped.is_set():
            for key, _ in selector.select(timeout=0.05):
                self._read(key.fileobj, selector, buffers)
        self.listener = socket.create_server(("127.0.0.1", self.port))
        selector.register(self.listener, selectors.EVENT_READ, None)
        self.restarted.set()

    def restart(self, downtime):
        self.downtime = downtime
        self.restarted.clear()
        self.restart_requested.set()
        assert self.restarted.wait(downtime + 10), "the collector did not come back"

    def stop(self):
        self.stopped.set()
        self.thread.join(timeout=10)


class TcpBlackHole:
    """Accepts connections (the kernel does) and never reads: a hung collector."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.address = f"127.0.0.1:{self.listener.getsockname()[1]}"

    def stop(self):
        self.listener.close()


class FullBacklog:
    """A listener whose accept queue is full: new connections hang until timeout,
    as with a host behind a firewall that drops packets."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(0)
        port = self.listener.getsockname()[1]
        self.filler = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.address = f"127.0.0.1:{port}"

    def stop(self):
        self.filler.close()
        self.listener.close()


class UnixBlackHole:
    """A local datagram socket (like /dev/log) that is bound and never read."""

    def __init__(self):
        self.directory = tempfile.TemporaryDirectory(prefix="drill-")
        self.address = str(Path(self.directory.name) / "log")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.address)

    def stop(self):
        self.sock.close()
        self.directory.cleanup()
