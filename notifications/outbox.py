"""The mail outbox: domains queue a mail (a row), and every worker's job claims what is due, has the mail's
composer make it from the state of that moment, and sends it over SMTP (or into settings.mail_dir without
SMTP_HOST).

Each domain composes its own mails: it registers a composer per kind at start-up (`register_composer`, called
from create_app through the domain's `install()`), so this folder imports no domain.

Run by every worker at once: a mail is claimed by a conditional UPDATE (`pending` → `sending` with a
claim token and a deadline), so two workers never send it together; only the claimant marks it sent. A
worker that dies mid-send leaves the claim to time out and the mail is tried again, with the same
Message-ID (clients de-duplicate by it). Failures are retried with back-off; nothing is lost.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import anyio

from core.db import utcnow
from notifications.mailer import SmtpSettings, send_message, write_to_maildir
from notifications.tables import OutboxMail
from settings import Settings

log = logging.getLogger("nieuw_geluid.outbox")
CLAIM_TIMEOUT = timedelta(minutes=2)
MAX_ATTEMPTS = 12

# Makes the message of an outbox row (as a dict), or None when the mail no longer applies (it is then skipped).
Composer = Callable[[dict[str, Any], Settings], Awaitable[EmailMessage | None]]
_composers: dict[str, Composer] = {}
# The domain of the Message-IDs stamped when a mail is queued (kept with the row, so a retry sends the same ID):
# the app's own host, set by create_app (`configure`).
_message_id_domain = "localhost"


def configure(settings: Settings) -> None:
    """Take what queueing needs from the app's settings (create_app calls this, as ratelimit.configure)."""
    global _message_id_domain
    _message_id_domain = settings.host


class NoComposer(LookupError):
    """A queued kind nobody registered a composer for: the mail stays queued and is retried (and so shows up in
    `last_error`), rather than being dropped."""


def register_composer(kind: str, composer: Composer) -> None:
    """`composer` makes every mail of `kind` (registering again replaces it)."""
    _composers[kind] = composer


def _due(now: datetime) -> Any:
    return ((OutboxMail.status == "pending") & (OutboxMail.next_attempt_at <= now)) | (
        (OutboxMail.status == "sending") & (OutboxMail.claimed_until < now)
    )


async def queue(kind: str, to_email: str, dedupe_key: str, now: datetime, *, order_id: int | None = None,
                attendee_id: int | None = None, waiting_entry_id: int | None = None) -> None:
    """Queue one mail (composed when it is sent); the dedupe key makes queueing it twice a no-op. Inside the
    caller's transaction, when it has one: a rolled-back change queues nothing."""
    await OutboxMail.insert(OutboxMail(
        kind=kind, dedupe_key=dedupe_key[:120], order=order_id, attendee_id=attendee_id,
        waiting_entry_id=waiting_entry_id, to_email=to_email, message_id=make_msgid(domain=_message_id_domain),
        status="pending", next_attempt_at=now, created_at=now,
    )).on_conflict(target=OutboxMail.dedupe_key, action="DO NOTHING")


async def compose(mail: dict[str, Any], settings: Settings) -> EmailMessage | None:
    """The message for an outbox row, from its kind's composer; None when it no longer applies."""
    composer = _composers.get(mail["kind"])
    if composer is None:
        raise NoComposer(f"no composer registered for mail kind {mail['kind']!r}")
    return await composer(mail, settings)


async def deliver(message: EmailMessage, settings: Settings) -> None:
    if settings.smtp_host:
        await send_message(message, SmtpSettings(
            host=settings.smtp_host, port=settings.smtp_port, username=settings.smtp_username,
            password=settings.smtp_password, start_tls=True if settings.smtp_starttls else None,
        ))
    else:
        await anyio.to_thread.run_sync(write_to_maildir, message, settings.mail_dir)


async def send_outbox(settings: Settings, now: datetime | None = None, limit: int = 50) -> int:
    """Send what is due. Returns how many mails this call sent."""
    now = now or utcnow()
    due = await OutboxMail.select(OutboxMail.id).where(_due(now)).order_by(OutboxMail.id).limit(limit)
    sent = 0
    for row in due:
        token = secrets.token_hex(16)
        claimed = await OutboxMail.update({
            OutboxMail.status: "sending", OutboxMail.claim_token: token,
            OutboxMail.claimed_until: now + CLAIM_TIMEOUT, OutboxMail.attempts: OutboxMail.attempts + 1,
        }).where((OutboxMail.id == row["id"]) & _due(now)).returning(*OutboxMail.all_columns())
        if not claimed:
            continue  # another worker has it
        mail = claimed[0]
        mine = (OutboxMail.id == mail["id"]) & (OutboxMail.claim_token == token)
        try:
            message = await compose(mail, settings)
            if message is None:
                await OutboxMail.update({OutboxMail.status: "skipped", OutboxMail.claim_token: None}).where(mine)
                continue
            await deliver(message, settings)
        except Exception as exc:  # a mail server outage must not lose the mail: retry later
            attempts = mail["attempts"]
            give_up = attempts >= MAX_ATTEMPTS
            await OutboxMail.update({
                OutboxMail.status: "failed" if give_up else "pending", OutboxMail.claim_token: None,
                OutboxMail.last_error: f"{type(exc).__name__}: {exc}"[:2000],
                OutboxMail.next_attempt_at: utcnow() + timedelta(seconds=min(3600, 15 * 2 ** attempts)),
            }).where(mine)
            log.warning("Mail %s to %s failed (attempt %s): %s", mail["id"], mail["to_email"], attempts, exc)
            continue
        await OutboxMail.update({OutboxMail.status: "sent", OutboxMail.sent_at: utcnow(),
                                 OutboxMail.claim_token: None}).where(mine)
        sent += 1
    return sent
