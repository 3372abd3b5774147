"""A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives, for mail tests.

    async with smtp_sink() as sink:
        await send_message(message, SmtpSettings(host=sink.host, port=sink.port))
        received = await sink.wait_for_messages(1)

It runs on the test's own event loop (no thread), on a port the kernel picks, so parallel runs never
collide and there is no "is the port free yet" race.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any, cast

import anyio
from aiosmtpd.smtp import SMTP, Envelope, Session


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return cast(EmailMessage, email.message_from_bytes(self.raw, policy=email.policy.default))


@dataclass
class SmtpSink:
    host: str = "127.0.0.1"
    port: int = 0
    received: list[ReceivedMail] = field(default_factory=list)
    # Set (and replaced) on every arrival, so waiters wake up instead of polling.
    _arrived: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    # aiosmtpd's handler hook: called once per message after DATA.
    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or envelope.content or b""
        raw = content if isinstance(content, bytes) else content.encode()
        self.received.append(ReceivedMail(envelope.mail_from or "", list(envelope.rcpt_tos), raw))
        self._arrived.set()
        self._arrived = asyncio.Event()
        return "250 Message accepted for delivery"

    async def wait_for_messages(self, count: int, seconds: float = 5.0) -> list[ReceivedMail]:
        with anyio.fail_after(seconds):
            while len(self.received) < count:
                await self._arrived.wait()
        return list(self.received)


@asynccontextmanager
async def smtp_sink(host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[SmtpSink]:
    """A sink on `port` (0: one the kernel picks; a port taken meanwhile falls back to that)."""
    sink = SmtpSink(host=host)
    loop = asyncio.get_running_loop()

    def protocol() -> Any:
        # hostname given so aiosmtpd does not call getfqdn() (a DNS lookup that can hang offline).
        return SMTP(sink, hostname="localhost", enable_SMTPUTF8=True, loop=loop)

    try:
        server = await loop.create_server(protocol, host, port)
    except OSError:
        if not port:
            raise
        server = await loop.create_server(protocol, host, 0)
    sink.port = server.sockets[0].getsockname()[1]
    try:
        yield sink
    finally:
        server.close()
        await server.wait_closed()
