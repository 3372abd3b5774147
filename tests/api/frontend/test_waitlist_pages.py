"""The waiting list's pages over HTTP (forms with their CSRF token, a signed-in session): the sold-out event page
offers the waiting list, joining shows the position under My tickets, a refused companion is explained at the
field, leaving works; the organiser's list, settings and offer by hand; Dutch and English."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.support.members import Members
from tests.support.shop import Shop, sold_out_event

pytestmark = pytest.mark.anyio


@pytest.fixture
def shop(client: httpx.AsyncClient, members: Members) -> Shop:
    return Shop(client, members)


async def post_form(client: httpx.AsyncClient, page_path: str, action: str, form: dict[str, str]) -> httpx.Response:
    page = await client.get(page_path)
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert token, page.text[:500]
    return await client.post(action, data={**form, "_csrf_token": token.group(1)})


async def sign_in(client: httpx.AsyncClient, member: dict) -> None:
    done = await post_form(client, "/inloggen", "/inloggen", {"email": member["email"],
                                                              "password": member["password"]})
    assert done.status_code == 303, done.text[:300]


COMPANION = {"name": "Kim de Vries", "email": "kim@example.nl", "industry": "retail", "birth_date": "",
             "organisation": "Bakkerij"}


async def test_a_visitor_joins_from_the_sold_out_page_sees_the_position_and_leaves(
        client: httpx.AsyncClient, shop: Shop, members: Members) -> None:
    event, _ = await sold_out_event(shop, price_cents=9500)
    slug = event["slug"]
    anonymous = await client.get(f"/e/{slug}")
    assert "Uitverkocht" in anonymous.text
    assert "Op de wachtlijst" in anonymous.text
    assert f'href="/e/{slug}/wachtlijst"' in anonymous.text
    assert (await client.get(f"/e/{slug}/wachtlijst")).status_code in (302, 303)  # sign in first

    member = await members.create(email="wachter@example.nl")
    await sign_in(client, member)
    form_page = await client.get(f"/e/{slug}/wachtlijst")
    assert form_page.status_code == 200
    assert "Er wacht nog niemand." in form_page.text
    refused = await post_form(client, f"/e/{slug}/wachtlijst", f"/e/{slug}/wachtlijst",
                              {**COMPANION, "industry": "customer_contact", "birth_date": "1970-01-01"})
    assert refused.status_code == 422
    assert "klantcontact" in refused.text

    joined = await post_form(client, f"/e/{slug}/wachtlijst", f"/e/{slug}/wachtlijst", COMPANION)
    assert joined.status_code == 303
    assert "melding=op-de-wachtlijst" in joined.headers["location"]
    tickets = await client.get(joined.headers["location"])
    assert "Je staat op de wachtlijst." in tickets.text
    assert "Nummer 1 in de rij" in tickets.text
    assert "Kim de Vries" in tickets.text
    again = await post_form(client, f"/e/{slug}/wachtlijst", f"/e/{slug}/wachtlijst",
                            {**COMPANION, "email": "ander@example.nl"})
    assert again.status_code == 422
    assert "nummer 1 in de rij" in again.text

    client.cookies.set("lang", "en")
    english = await client.get("/mijn/tickets")
    assert "Number 1 in line" in english.text
    assert "Leave the waiting list" in english.text
    entry_id = re.search(r'id="wachtlijst-(\d+)"', english.text).group(1)  # type: ignore[union-attr]
    left = await post_form(client, "/mijn/tickets", f"/mijn/wachtlijst/{entry_id}/verlaten", {})
    assert left.status_code == 303
    after = await client.get(left.headers["location"])
    assert "You have left the waiting list." in after.text
    assert "Number 1 in line" not in after.text


async def test_the_organiser_sees_the_list_sets_the_offer_time_and_offers_by_hand(
        client: httpx.AsyncClient, shop: Shop, members: Members) -> None:
    from core.principal import Principal
    from ticketing.companions import CompanionIn
    from ticketing.waitlist import join

    event, holds = await sold_out_event(shop)
    slug = event["slug"]
    waiting = await members.create(email="in-de-rij@example.nl", name="Rij Eerste")
    await join(Principal(waiting["id"], waiting["email"], waiting["name"], False, False, "api"), slug,
               CompanionIn(name="Partner Eerste", email="partner-eerste@example.nl", industry="retail"))
    organiser = shop.organiser
    await sign_in(client, {**organiser, "password": organiser["password"]})
    listing = await client.get(f"/organiseren/{slug}/wachtlijst")
    assert listing.status_code == 200
    assert "Rij Eerste" in listing.text
    assert "partner-eerste@example.nl" in listing.text
    assert "Wacht" in listing.text
    overview = await client.get(f"/organiseren/{slug}")
    assert "1 duo wacht." in overview.text
    assert f'href="/organiseren/{slug}/wachtlijst"' in overview.text

    bad = await post_form(client, f"/organiseren/{slug}/wachtlijst", f"/organiseren/{slug}/wachtlijst/instellingen",
                          {"offer_hours": "0", "auto_offer": "on"})
    assert bad.status_code == 422
    assert "Vul een heel aantal uren in, van 1 tot 168." in bad.text
    saved = await post_form(client, f"/organiseren/{slug}/wachtlijst", f"/organiseren/{slug}/wachtlijst/instellingen",
                            {"offer_hours": "12"})  # the checkbox left off: offers by hand
    assert saved.status_code == 303
    no_seat = await post_form(client, f"/organiseren/{slug}/wachtlijst", f"/organiseren/{slug}/wachtlijst/aanbieden",
                              {})
    assert no_seat.status_code == 409
    assert "Er is geen duoplek vrij" in no_seat.text
    cancelled = await client.post(f"/api/v1/orders/{holds[0]['id']}/cancel", headers=holds[0]["buyer"]["headers"])
    assert cancelled.status_code == 200
    still = await client.get(f"/organiseren/{slug}/wachtlijst")
    assert "Automatisch aanbieden staat uit" in still.text
    assert "1 van de 1 duoplekken vrij." in still.text
    offered = await post_form(client, f"/organiseren/{slug}/wachtlijst", f"/organiseren/{slug}/wachtlijst/aanbieden",
                              {})
    assert offered.status_code == 303
    assert "melding=aanbod-verstuurd" in offered.headers["location"]
    listing = await client.get(offered.headers["location"])
    assert "Aanbod open" in listing.text
    assert "met de hand" in listing.text
