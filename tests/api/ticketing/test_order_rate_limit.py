from __future__ import annotations

import httpx
import pytest

from core.ratelimit import ORDER_PER_CLIENT, effective_limit
from tests.support.members import Members
from tests.support.shop import Shop

pytestmark = pytest.mark.anyio

# Works in customer contact and is 40 on the day: refused by the rule, so every attempt keeps the seat free.
REFUSED = {"name": "Oude Collega", "email": "collega@example.nl", "industry": "customer_contact",
           "birth_date": "1980-01-01"}


async def test_order_attempts_are_rate_limited_per_member(client: httpx.AsyncClient, shop: Shop,
                                                          members: Members) -> None:
    event = await shop.event()
    eager, other = await members.create(), await members.create()
    url = f"/api/v1/events/{event['slug']}/orders"
    for _ in range(effective_limit(ORDER_PER_CLIENT)):
        response = await client.post(url, json={"companion": REFUSED}, headers=eager["headers"])
        assert response.status_code == 422, response.text
    limited = await client.post(url, json={"companion": REFUSED}, headers=eager["headers"])
    assert limited.status_code == 429
    assert limited.json()["code"] == "rate_limited"
    assert int(limited.headers["retry-after"]) >= 1
    # Counted per member: somebody else buying at the same time is not slowed down.
    fine = await client.post(url, json={"companion": REFUSED}, headers=other["headers"])
    assert fine.status_code == 422


async def test_sold_out_answers_do_not_count(client: httpx.AsyncClient, shop: Shop, members: Members) -> None:
    event = await shop.event(capacity_duos=1)
    first, late = await members.create(), await members.create()
    url = f"/api/v1/events/{event['slug']}/orders"
    young = {"name": "Jonge Gast", "email": "jong@example.nl", "industry": "education"}
    assert (await client.post(url, json={"companion": young}, headers=first["headers"])).status_code == 201
    for _ in range(effective_limit(ORDER_PER_CLIENT) + 3):
        response = await client.post(url, json={"companion": {**young, "email": "ander@example.nl"}},
                                     headers=late["headers"])
        assert response.json()["code"] == "sold_out"


async def order_hits() -> int:
    """Every order attempt counted so far, over all windows (one member orders per test)."""
    from core.tables import RateLimitBucket

    rows = await RateLimitBucket.select(RateLimitBucket.hits).where(RateLimitBucket.bucket == ORDER_PER_CLIENT.name)
    return sum(r["hits"] for r in rows)


async def seats_taken(slug: str) -> int:
    from events.tables import Event

    row = await Event.select(Event.seats_taken).where(Event.slug == slug).first()
    assert row is not None
    return int(row["seats_taken"])


async def test_an_order_over_the_limit_takes_no_seat_and_counts_once(client: httpx.AsyncClient, shop: Shop,
                                                                      members: Members) -> None:
    """Over the limit, an attempt that could take a seat gets 429 and no seat: on PostgreSQL its hit and the
    seat are one statement, the seat taken only within the limit; either way the attempt counts once."""
    event = await shop.event(capacity_duos=1)
    eager = await members.create()
    url = f"/api/v1/events/{event['slug']}/orders"
    limit = effective_limit(ORDER_PER_CLIENT)
    for _ in range(limit):
        assert (await client.post(url, json={"companion": REFUSED}, headers=eager["headers"])).status_code == 422
    young = {"name": "Jonge Gast", "email": "jong@example.nl", "industry": "education"}
    limited = await client.post(url, json={"companion": young}, headers=eager["headers"])
    assert limited.status_code == 429, limited.text
    assert limited.json()["code"] == "rate_limited", limited.text
    assert await seats_taken(event["slug"]) == 0
    assert await order_hits() == limit + 1


@pytest.mark.postgres_only
async def test_an_attempt_that_finds_the_seat_gone_at_its_update_counts_once(client: httpx.AsyncClient, shop: Shop,
                                                                             members: Members) -> None:
    """The race the early sold-out read cannot see: the last seat goes while an order waits for the event row.
    Its one statement then takes no seat and writes no order, answers sold out, and counts the attempt once
    (the hit is committed with the statement, and not counted again with the failure)."""
    import anyio

    from core.db import write_transaction
    from events.tables import Event
    from ticketing.tables import TicketOrder

    event = await shop.event(capacity_duos=1)
    late = await members.create()
    locked, release = anyio.Event(), anyio.Event()
    answers: list[httpx.Response] = []

    async def take_the_last_seat_slowly() -> None:
        async with write_transaction():
            await Event.update({Event.seats_taken: Event.capacity_duos}).where(Event.slug == event["slug"])
            locked.set()
            await release.wait()

    async def order() -> None:
        answers.append(await client.post(f"/api/v1/events/{event['slug']}/orders",
                                         json={"companion": {"name": "Jonge Gast", "email": "jong@example.nl",
                                                             "industry": "education"}},
                                         headers=late["headers"]))

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(take_the_last_seat_slowly)
        await locked.wait()
        tasks.start_soon(order)
        with anyio.fail_after(10):  # until the order's statement waits for the event row's lock
            while True:
                if (await Event.raw("SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() "
                                    "AND wait_event_type = 'Lock'"))[0]["n"]:
                    break
                await anyio.sleep(0.01)
        release.set()
    assert answers[0].status_code == 409, answers[0].text
    assert answers[0].json()["code"] == "sold_out", answers[0].text
    assert await TicketOrder.count() == 0
    assert await seats_taken(event["slug"]) == 1
    assert await order_hits() == 1
