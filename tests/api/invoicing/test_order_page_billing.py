"""The order page's "op factuur van mijn werkgever": checked before anything is ordered, stored with the order."""

from __future__ import annotations

import httpx
import pytest

from tests.api.frontend.test_page_messages_en import post_form
from tests.support.invoicing import BUYER_VAT, billing_body
from tests.support.members import Members
from tests.support.shop import Shop

pytestmark = pytest.mark.anyio

COMPANION = {"name": "Sam Jong", "email": "sam@example.nl", "industry": "retail", "birth_date": "",
             "organisation": "Bakkerij"}


def billing_form(**overrides: str) -> dict[str, str]:
    return {"billing_wanted": "1", **{f"billing_{k}": str(v) for k, v in billing_body(**overrides).items()}}


async def test_ordering_on_invoice_to_the_employer_on_the_page(client: httpx.AsyncClient, members: Members) -> None:
    from ticketing.tables import TicketOrder

    shop = Shop(client, members)
    event = await shop.event(price_cents=9500)
    buyer = await members.create(email="bea@example.nl")
    await post_form(client, "/inloggen", {"email": buyer["email"], "password": buyer["password"]})
    page = await client.get(f"/e/{event['slug']}/bestellen")
    assert "Op factuur van mijn werkgever" in page.text

    refused = await post_form(client, f"/e/{event['slug']}/bestellen",
                              {**COMPANION, **billing_form(vat_number="NL123456789B01")})
    assert refused.status_code == 422
    assert "Dit is geen geldig btw-nummer (met landcode, zoals NL123456789B01)." in refused.text
    assert 'href="#f-billing_vat_number"' in refused.text
    assert "<details class=\"billing\" open>" in refused.text
    assert 'value="Klantcontact Centraal BV"' in refused.text  # nothing typed is lost
    assert await TicketOrder.count() == 0  # refused before anything was ordered

    ordered = await post_form(client, f"/e/{event['slug']}/bestellen", {**COMPANION, **billing_form()})
    assert ordered.status_code == 303
    assert ordered.headers["location"].endswith("/betalen")
    order_id = int(ordered.headers["location"].split("/")[3])
    billing = (await client.get(f"/api/v1/orders/{order_id}/billing", headers=buyer["headers"])).json()
    assert (billing["company"], billing["vat_number"], billing["reference"]) == ("Klantcontact Centraal BV",
                                                                               BUYER_VAT, "PO-2026-117")


async def test_without_the_box_ticked_nothing_is_stored_and_free_events_ask_nothing(
    client: httpx.AsyncClient, members: Members,
) -> None:
    shop = Shop(client, members)
    paid_event = await shop.event(price_cents=9500)
    free_event = await shop.event(price_cents=0, title="Gratis")
    buyer = await members.create(email="bo@example.nl")
    await post_form(client, "/inloggen", {"email": buyer["email"], "password": buyer["password"]})
    assert "Op factuur van mijn werkgever" not in (await client.get(f"/e/{free_event['slug']}/bestellen")).text
    form = {**COMPANION, **billing_form(vat_number="ongeldig")}
    del form["billing_wanted"]  # typed, then changed their mind: the box is not ticked
    ordered = await post_form(client, f"/e/{paid_event['slug']}/bestellen", form)
    assert ordered.status_code == 303
    order_id = int(ordered.headers["location"].split("/")[3])
    billing = (await client.get(f"/api/v1/orders/{order_id}/billing", headers=buyer["headers"])).json()
    assert billing["company"] == ""  # a receipt in the buyer's own name
