"""My tickets as a page: each person sees their own QR code, large enough to scan from a phone at the door, and
never the partner's code (issue 15)."""

from __future__ import annotations

import httpx
import pytest

from tests.support.members import Members
from tests.support.pages import post_form, qr_codes_on_page, sign_in_on_page
from tests.support.shop import Shop, ticket_codes

pytestmark = pytest.mark.anyio
# A QR code of 25 modules plus its quiet zone, at 8 pixels a module: well above what a door scanner needs from a
# phone screen held at arm's length (about 2 pixels a module).
SCANNABLE_WIDTH = 200


async def test_the_buyer_and_the_companion_each_see_only_their_own_qr_code(
        client: httpx.AsyncClient, shop: Shop, members: Members) -> None:
    event = await shop.event(price_cents=0)
    buyer = await members.create(email="kim@example.nl", name="Kim Koper")
    ordered = await shop.order(event["slug"], buyer, name="Sam Jong", email="sam@example.nl")
    assert ordered.status_code == 201, ordered.text
    codes = await ticket_codes(ordered.json()["id"])
    companion = await members.create(email="sam@example.nl", name="Sam Jong")

    for person, own, other in ((buyer, "buyer", "companion"), (companion, "companion", "buyer")):
        client.cookies.clear()
        await sign_in_on_page(client, person["email"], person["password"])
        page = await client.get("/mijn/tickets")
        assert page.status_code == 200, page.text[:300]
        [(text, width)] = qr_codes_on_page(page.text)
        assert text == codes[own]
        assert width >= SCANNABLE_WIDTH
        assert codes[other] not in page.text


async def test_the_order_form_asks_the_companions_experience_and_i_dont_know_stays_unknown(
        client: httpx.AsyncClient, shop: Shop, members: Members) -> None:
    first, second = await shop.event(price_cents=0), await shop.event(price_cents=0, title="Tweede dag")
    buyer = await members.create(email="kim@example.nl", name="Kim Koper")
    await sign_in_on_page(client, buyer["email"], buyer["password"])
    form = (await client.get(f"/e/{first['slug']}/bestellen")).text
    assert 'name="experience_level"' in form
    assert '<option value="">Weet ik niet</option>' in form
    companion = {"name": "Sam Jong", "email": "sam@example.nl", "industry": "retail", "organisation": "Bakkerij",
                 "birth_date": ""}
    for event, level in ((first, ""), (second, "3")):
        path = f"/e/{event['slug']}/bestellen"
        ordered = await post_form(client, path, {**companion, "experience_level": level})
        assert ordered.status_code == 303, ordered.text[:500]
    orders = (await client.get("/api/v1/orders", headers=buyer["headers"])).json()
    assert {o["event"]["slug"]: o["companion"]["experience_level"] for o in orders} == {
        first["slug"]: None, second["slug"]: 3}
