"""Personal data retention: a place's birth date is kept only while the companion rule may need it, and the
organiser sees the outcome of the check (basis and reason), never the date."""

from __future__ import annotations

from datetime import date, timedelta

import anyio
import httpx
import pytest

from tests.support.invariants import assert_ticketing_invariants
from tests.support.members import Members, quick_members
from tests.support.shop import Shop

pytestmark = pytest.mark.anyio


def years_before(day: date, years: int) -> date:
    return day.replace(year=day.year - years)


async def birth_dates() -> dict[tuple[int, str, str], date | None]:
    from ticketing.tables import Attendee

    rows = await Attendee.select(Attendee.order, Attendee.role, Attendee.email, Attendee.birth_date)
    return {(r["order"], r["role"], r["email"]): r["birth_date"] for r in rows}


async def test_birth_dates_are_erased_when_no_longer_needed_and_never_shown_to_the_organiser(
    client: httpx.AsyncClient, shop: Shop, members: Members,
) -> None:
    from core import jobs
    from events.tables import Event
    from ticketing import jobs as ticketing_jobs
    from ticketing.tables import Attendee

    assert "ticketing.erase_birth_dates" in jobs.registered()
    event = await shop.event(price_cents=0, capacity_duos=10)  # free: paid at once, no Stripe needed
    slug, org = event["slug"], shop.organiser["headers"]
    young = years_before(date.today(), 25)
    buyer = await members.create(birth_date=date(1991, 2, 3))
    others = await quick_members(2)

    async def order(who: dict, email: str, born: date) -> dict:
        response = await shop.order(slug, who, email=email, industry="customer_contact",
                                    birth_date=born.isoformat())
        assert response.status_code == 201, response.text
        return response.json()

    kept = await order(buyer, "jong@example.nl", young)
    changed = await order(others[0], "eerst@example.nl", young + timedelta(days=1))
    cancelled = await order(others[1], "weg@example.nl", young + timedelta(days=2))
    assert kept["status"] == "paid"
    assert kept["companion"]["eligibility_basis"] == "age"
    assert "birth_date" not in kept["companion"]  # not even the buyer gets it back

    replaced = await client.put(f"/api/v1/orders/{changed['id']}/companion", headers=others[0]["headers"],
                                json={"name": "Tweede", "email": "later@example.nl", "industry": "retail",
                                      "birth_date": None})
    assert replaced.status_code == 200, replaced.text
    assert (await client.post(f"/api/v1/orders/{cancelled['id']}/cancel",
                              headers=others[1]["headers"])).status_code == 200

    # The organiser: reasons, never dates (JSON, CSV, the order itself).
    listing = await client.get(f"/api/v1/events/{slug}/attendees", headers=org)
    csv = await client.get(f"/api/v1/events/{slug}/attendees.csv", headers=org)
    as_organiser = await client.get(f"/api/v1/orders/{kept['id']}", headers=org)
    for response in (listing, csv, as_organiser):
        assert response.status_code == 200
        assert "birth" not in response.text
        assert young.isoformat() not in response.text
        assert "1991-02-03" not in response.text
    duo = next(d for d in listing.json()["duos"] if d["id"] == kept["id"])
    assert duo["companion"]["eligibility_basis"] == "age"
    assert "25 jaar" in duo["companion"]["eligibility_reason_nl"]
    assert "25 jaar" in csv.text
    assert "Toelichting" in csv.text.splitlines()[0]

    before = await birth_dates()
    assert before[(kept["id"], "companion", "jong@example.nl")] == young
    assert before[(kept["id"], "buyer", buyer["email"])] == date(1991, 2, 3)

    # While the event is ahead: only places that are no longer live lose their date (two workers at once).
    counts: list[int] = []

    async def run() -> None:
        counts.append(await ticketing_jobs.erase_birth_dates())

    async with anyio.create_task_group() as tg:
        tg.start_soon(run)
        tg.start_soon(run)
    assert sum(counts) == 2  # the replaced companion and the cancelled duo's (its buyer gave no date)
    assert await ticketing_jobs.erase_birth_dates() == 0  # idempotent
    after = await birth_dates()
    assert after[(changed["id"], "companion", "eerst@example.nl")] is None
    assert after[(cancelled["id"], "companion", "weg@example.nl")] is None
    assert after[(kept["id"], "companion", "jong@example.nl")] == young
    assert after[(kept["id"], "buyer", buyer["email"])] == date(1991, 2, 3)

    # Once the event has ended, every place of it keeps only the outcome of the check.
    row = await Event.select(Event.ends_at).where(Event.slug == slug).first()
    assert await ticketing_jobs.erase_birth_dates(now=row["ends_at"] - timedelta(minutes=1)) == 0
    assert await ticketing_jobs.erase_birth_dates(now=row["ends_at"] + timedelta(minutes=1)) == 2
    assert all(v is None for v in (await birth_dates()).values())
    outcome = await Attendee.select(Attendee.eligible, Attendee.eligibility_basis,
                                    Attendee.eligibility_reason_nl).where(
        (Attendee.order == kept["id"]) & (Attendee.role == "companion")).first()
    assert outcome["eligible"]
    assert outcome["eligibility_basis"] == "age"
    assert "25 jaar" in outcome[
        "eligibility_reason_nl"]
    # The member's own profile is theirs to keep: not touched.
    me = await client.get("/api/v1/me", headers=buyer["headers"])
    assert me.json()["birth_date"] == "1991-02-03"
    await assert_ticketing_invariants()
