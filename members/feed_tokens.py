"""The personal calendar feed's token and settings (the feed itself: events/feeds.py)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.db import as_utc, utcnow
from core.errors import InvalidInput, NotFound
from core.i18n import lazy_gettext as _l
from members.tables import Member
from members.tokens import hash_token

# Reminders a member can opt into for their personal feed: none (None) or up to a week before.
MAX_FEED_REMINDER_MINUTES = 7 * 24 * 60


@dataclass(frozen=True)
class FeedOwner:
    """The member behind a personal calendar feed token, with what the feed needs to know about them."""

    member_id: int
    reminder_minutes: int | None
    items_digest: str | None
    items_changed_at: datetime | None


@dataclass(frozen=True)
class FeedSettings:
    """The member's personal feed as their settings show it: whether it is on, and its reminders (None: none)."""

    has_personal_feed: bool
    reminder_minutes: int | None


def new_feed_token() -> str:
    # 192 random bits, URL-safe (no padding), so it can sit in a path segment as is.
    return secrets.token_urlsafe(24)


async def rotate_feed_token(member_id: int) -> str:
    """Give the member a new personal feed token; the previous URL stops working at once.

    Only the hash is stored, so the token is returned here and can never be shown again.
    """
    token = new_feed_token()
    updated = await Member.update({Member.feed_token_hash: hash_token(token), Member.updated_at: utcnow()}).where(
        Member.id == member_id
    ).returning(Member.id)
    if not updated:
        raise NotFound(_l("Dit account bestaat niet (meer)."))
    return token


async def revoke_feed_token(member_id: int) -> None:
    await Member.update({Member.feed_token_hash: None, Member.updated_at: utcnow()}).where(Member.id == member_id)


async def member_for_feed_token(token: str) -> FeedOwner | None:
    if not token or len(token) > 200:
        return None
    row = await Member.select(
        Member.id, Member.feed_reminder_minutes, Member.feed_items_digest, Member.feed_items_changed_at
    ).where(Member.feed_token_hash == hash_token(token)).first()
    if row is None:
        return None
    return FeedOwner(
        member_id=row["id"],
        reminder_minutes=row["feed_reminder_minutes"],
        items_digest=row["feed_items_digest"],
        items_changed_at=as_utc(row["feed_items_changed_at"]),
    )


async def feed_settings(member_id: int) -> FeedSettings:
    row = await Member.select(Member.feed_token_hash, Member.feed_reminder_minutes).where(
        Member.id == member_id
    ).first()
    if row is None:
        raise NotFound(_l("Dit account bestaat niet (meer)."))
    return FeedSettings(has_personal_feed=row["feed_token_hash"] is not None,
                        reminder_minutes=row["feed_reminder_minutes"])


async def set_feed_reminder(member_id: int, minutes: int | None) -> FeedSettings:
    """Opt in to (minutes before each item) or out of (None) reminders in the personal feed."""
    if minutes is not None and not 0 <= minutes <= MAX_FEED_REMINDER_MINUTES:
        raise InvalidInput(_l("Een herinnering kan van 0 minuten tot een week van tevoren."), field="reminder_minutes")
    await Member.update({Member.feed_reminder_minutes: minutes, Member.updated_at: utcnow()}).where(
        Member.id == member_id
    )
    return await feed_settings(member_id)


async def note_feed_items(member_id: int, digest: str, now: datetime, previous: datetime | None = None) -> datetime:
    """Record that the personal feed now lists a different set of items; return since when it has.

    The time is at least a whole second after `previous` (the last change), because Last-Modified has
    one-second resolution: two changes within a second must still give two different Last-Modified values.
    A conditional update, so workers that notice the same change at once agree on one time.
    """
    at = max(now, previous + timedelta(seconds=1)) if previous is not None else now
    changed = await Member.update({Member.feed_items_digest: digest, Member.feed_items_changed_at: at}).where(
        (Member.id == member_id)
        & (Member.feed_items_digest.is_null() | (Member.feed_items_digest != digest))
    ).returning(Member.feed_items_changed_at)
    if changed:
        return at
    row = await Member.select(Member.feed_items_changed_at).where(Member.id == member_id).first()
    stored = as_utc(row["feed_items_changed_at"]) if row else None
    return stored or now
