"""The outbox below the domains (notifications/): each mail is made by the composer its kind was registered with,
when it is sent; a kind no folder composes stays queued and is retried with its reason, never dropped."""

from __future__ import annotations

import email
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from settings import Settings

pytestmark = pytest.mark.anyio


def _mails_in(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.eml"))


async def test_a_kind_nobody_composes_stays_queued_with_its_reason(app: Any, settings: Settings,
                                                                    tmp_path: Path) -> None:
    from core.db import as_utc, utcnow
    from notifications import outbox
    from notifications.tables import OutboxMail

    now = utcnow()
    await outbox.queue("nobody_composes", "iemand@example.nl", "test:nobody", now)
    await outbox.queue("nobody_composes", "iemand@example.nl", "test:nobody", now)  # the same key: queued once
    assert await outbox.send_outbox(replace(settings, mail_dir=tmp_path), now=now) == 0
    rows = await OutboxMail.select()
    assert len(rows) == 1
    assert rows[0]["status"] == "pending"
    assert rows[0]["attempts"] == 1
    assert rows[0]["last_error"].startswith("NoComposer")
    assert "nobody_composes" in rows[0]["last_error"]
    assert as_utc(rows[0]["next_attempt_at"]) > now  # tried again later
    assert _mails_in(tmp_path) == []


async def test_each_kind_is_made_by_its_own_composer_when_it_is_sent(app: Any, settings: Settings,
                                                                     tmp_path: Path) -> None:
    from core.db import utcnow
    from notifications import outbox
    from notifications.layout import plain_mail
    from notifications.tables import OutboxMail

    async def greet(mail: dict[str, Any], settings: Settings) -> EmailMessage | None:
        return plain_mail(subject="Een test", body="Dag!", to_name="Noor", to_email=mail["to_email"],
                          language="nl", sender=settings.mail_from, message_id=mail["message_id"])

    async def no_longer(mail: dict[str, Any], settings: Settings) -> EmailMessage | None:
        return None

    outbox.register_composer("test_greeting", greet)
    outbox.register_composer("test_gone", no_longer)
    now = utcnow()
    await outbox.queue("test_greeting", "noor@example.nl", "test:greeting", now)
    await outbox.queue("test_gone", "noor@example.nl", "test:gone", now)
    assert await outbox.send_outbox(replace(settings, mail_dir=tmp_path), now=now) == 1
    statuses = {r["kind"]: r["status"] for r in await OutboxMail.select(OutboxMail.kind, OutboxMail.status)}
    assert statuses == {"test_greeting": "sent", "test_gone": "skipped"}
    [sent] = _mails_in(tmp_path)
    message = email.message_from_bytes(sent.read_bytes())
    assert message["Subject"] == "Een test"
    assert message["To"] == "Noor <noor@example.nl>"
    assert message.get_payload(decode=True).decode().startswith("Hallo Noor,")


async def test_a_queued_mail_gets_its_message_id_from_the_apps_own_settings(settings: Settings) -> None:
    """The Message-ID's domain is the host of the settings create_app was given (not the environment's)."""
    from app import create_app
    from core.db import utcnow
    from notifications import outbox
    from notifications.tables import OutboxMail
    from tests.support.database import truncate_all

    application = create_app(replace(settings, public_base_url="https://nieuwgeluid.example.org"))
    async with application.lifespan():
        await truncate_all()
        await outbox.queue("test_greeting", "noor@example.nl", "test:message-id", utcnow())
        row = await OutboxMail.select(OutboxMail.message_id).first()
    assert row is not None
    assert row["message_id"].endswith("@nieuwgeluid.example.org>")
