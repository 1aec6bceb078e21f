"""SMTP servers on 127.0.0.1 for the mail tests: an inbox, and a tarpit.

The template's own tests use this file too: keep it free of the project's imports.
"""

import asyncio
import socket
import threading
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller

from .peers import free_port


class Inbox:
    """An aiosmtpd handler keeping what it receives.

    held=True makes it take no mail until release() lets some through: it waits
    before answering MAIL FROM, so a sender that gives up has sent nothing. `asked`
    is set once a held sender waits. delay makes every mail take that many seconds.
    """

    def __init__(self, held=False, delay=0.0):
        self.held, self.delay = held, delay
        self.permits = threading.Semaphore(0)
        self.asked = threading.Event()
        self.arrived = threading.Condition()
        self.envelopes = []
        self.ehlo_names = []

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.held:
            self.asked.set()
            await asyncio.get_running_loop().run_in_executor(None, self.permits.acquire)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.arrived:
            self.envelopes.append(envelope)
            self.ehlo_names.append(session.host_name)
            self.arrived.notify_all()
        return "250 Message accepted"

    def release(self, count=1):
        """Let count more held mails through."""
        self.permits.release(count)

    def wait(self, count=1, timeout=10.0):
        """Wait until count mails have arrived; the messages."""
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.envelopes) >= count, timeout)
        return self.messages

    def start(self, **options):
        """Serve on a free port of 127.0.0.1 (options: aiosmtpd's Controller's)."""
        self.controller = Controller(
            self, hostname="127.0.0.1", port=free_port(), **options
        )
        self.controller.start()
        self.port = self.controller.port
        return self

    def stop(self):
        self.held = False
        self.release(1000)  # no held sender may keep the server from stopping
        self.controller.stop()

    @property
    def messages(self):
        return [
            message_from_bytes(e.content, policy=policy.default) for e in self.envelopes
        ]


class Tarpit:
    """An SMTP server that sends its greeting one byte at a time, for ever: every
    read succeeds within a socket timeout, so only a deadline ends a conversation."""

    def __init__(self, interval=0.2):
        self.interval = interval
        self.stopped = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.stopped.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self.drip, args=(conn,), daemon=True).start()

    def drip(self, conn):
        with conn:
            for byte in b"220 " + b"." * 100_000:
                if self.stopped.wait(self.interval):
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return  # the client gave up

    def stop(self):
        self.stopped.set()
        self.thread.join(timeout=5)
        self.listener.close()
