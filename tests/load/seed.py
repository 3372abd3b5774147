"""Seed a load-test database (already migrated): an organiser (with seller details for invoices when asked), one
published paid event, buyers with tokens.

    DATABASE_URL=… python -m tests.load.seed --buyers 150 --capacity 20

Runs in its own process because Piccolo binds its engine to DATABASE_URL at import. Prints one JSON line:
{"slug": …, "event_id": …, "tokens": [...]}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import UTC, datetime, timedelta


async def seed(buyers: int, capacity: int, price_cents: int, seller: bool = False) -> dict[str, object]:
    from core import db
    from events.tables import Event
    from members.tables import AuthToken, Member
    from members.tokens import hash_token, new_token

    await db.start(2)
    try:
        now = datetime.now(UTC)
        organiser = (await Member.insert(Member(email="org@load.local", name="Org", password_hash="!",
                                                is_organiser=True, created_at=now, updated_at=now))
                     .returning(Member.id))[0]["id"]
        start = (now + timedelta(days=30)).replace(microsecond=0)
        event_id = (await Event.insert(Event(
            slug="load", title="Load", starts_at=start, ends_at=start + timedelta(hours=8), capacity_duos=capacity,
            seats_taken=0, price_cents=price_cents, status="published", published_at=now, organiser=organiser,
            created_at=now, updated_at=now)).returning(Event.id))[0]["id"]
        if seller:  # the organiser's seller details, so every paid duo gets an invoice
            from invoicing.tables import SellerProfile

            await SellerProfile.insert(SellerProfile(
                organiser=organiser, legal_name="Stichting Load", address="Kade 1", postcode="3511 AB", town="Utrecht",
                country="NL", kvk_number="12345678", btw_number="NL004495445B01", vat_rate="21", updated_at=now))
        rows = await Member.insert(*[
            Member(email=f"buyer{i}@load.local", name=f"Buyer {i}", password_hash="!", industry="customer_contact",
                   created_at=now, updated_at=now) for i in range(buyers)
        ]).returning(Member.id)
        tokens = [new_token() for _ in rows]
        await AuthToken.insert(*[
            AuthToken(member=r["id"], token_hash=hash_token(t), kind="api", created_at=now,
                      expires_at=now + timedelta(days=1)) for r, t in zip(rows, tokens, strict=True)
        ])
    finally:
        await db.stop()
    return {"slug": "load", "event_id": event_id, "tokens": tokens}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--buyers", type=int, required=True)
    parser.add_argument("--capacity", type=int, required=True)
    parser.add_argument("--price-cents", type=int, default=9500)
    parser.add_argument("--seller", action="store_true", help="give the organiser seller details (invoices)")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(seed(args.buyers, args.capacity, args.price_cents, args.seller))))


if __name__ == "__main__":
    main()
