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
    assert limited.json()["code"] == "rate_limited" and int(limited.headers["retry-after"]) >= 1
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
