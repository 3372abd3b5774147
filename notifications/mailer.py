"""Sending composed messages: over SMTP (aiosmtplib), or into a folder of .eml files for development.

Tiny I/O adapters: the domains compose (pure), notifications.outbox claims and sends. Errors are not swallowed:
the outbox job that calls `send_message` records the failure and retries later.
"""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

import aiosmtplib


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str = "127.0.0.1"
    port: int = 25
    username: str | None = None
    # Kept out of repr so that logging the settings never logs the secret.
    password: str | None = field(default=None, repr=False)
    use_tls: bool = False  # implicit TLS from the first byte (usually port 465)
    start_tls: bool | None = None  # None: upgrade if the server offers STARTTLS; True: insist; False: never
    timeout: float = 30.0


def _with_date(message: EmailMessage) -> EmailMessage:
    # The composer reads no clock, so the Date header is added at the moment the message leaves.
    if "Date" not in message:
        message["Date"] = formatdate(localtime=False, usegmt=True)
    return message


async def send_message(message: EmailMessage, settings: SmtpSettings) -> str:
    """Send `message` to its To/Cc/Bcc recipients; returns the server's final reply (often a queue id)."""
    _, response = await aiosmtplib.send(
        _with_date(message),
        hostname=settings.host,
        port=settings.port,
        username=settings.username,
        password=settings.password,
        use_tls=settings.use_tls,
        start_tls=settings.start_tls,
        timeout=settings.timeout,
    )
    return response


def write_to_maildir(message: EmailMessage, folder: str | os.PathLike[str]) -> Path:
    """Write `message` as `<time>-<random>.eml` into `folder` (created if needed) and return the path.

    For development without an SMTP server: open the file in any mail client. Written to a temporary
    name first and then renamed, so a watcher never picks up half a message. Blocking: from async code
    call it through `anyio.to_thread.run_sync`.
    """
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    name = f"{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{secrets.token_hex(4)}.eml"
    temporary = target / f".{name}.tmp"
    temporary.write_bytes(_with_date(message).as_bytes())
    final = target / name
    os.replace(temporary, final)
    return final
