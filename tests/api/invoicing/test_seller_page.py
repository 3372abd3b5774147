"""The organiser's invoice-details page: filled in once, a bad number shown next to its field."""

from __future__ import annotations

import httpx
import pytest

from tests.api.frontend.test_page_messages_en import post_form
from tests.support.invoicing import SELLER_BTW, seller_body
from tests.support.members import Members

pytestmark = pytest.mark.anyio
PAGE = "/organiseren/factuurgegevens"


async def test_the_organiser_enters_invoice_details_on_the_page(client: httpx.AsyncClient, members: Members) -> None:
    organiser = await members.create("organiser", email="olga@example.nl")
    signed_in = await post_form(client, "/inloggen", {"email": organiser["email"], "password": organiser["password"]})
    assert signed_in.status_code == 303
    empty = await client.get(PAGE)
    assert empty.status_code == 200
    assert "Factuurgegevens" in empty.text

    form = {k: str(v) for k, v in seller_body().items()}
    refused = await post_form(client, PAGE, {**form, "btw_number": "NL123456789B01"})
    assert refused.status_code == 422
    assert "Dit is geen geldig btw-nummer (zoals NL123456789B01)." in refused.text
    assert 'href="#f-btw_number"' in refused.text  # the error summary links to the field

    saved = await post_form(client, PAGE, form)
    assert saved.status_code == 303
    assert saved.headers["location"].endswith("melding=factuurgegevens")
    shown = await client.get(PAGE)
    assert f'value="{SELLER_BTW}"' in shown.text
    assert 'value="3526 KL"' in shown.text
    api = await client.get("/api/v1/me/seller-details", headers=organiser["headers"])
    assert api.json()["legal_name"] == "Stichting Nieuw Geluid"


async def test_members_cannot_open_the_invoice_details_page(client: httpx.AsyncClient, members: Members) -> None:
    member = await members.create(email="mia@example.nl")
    await post_form(client, "/inloggen", {"email": member["email"], "password": member["password"]})
    assert (await client.get(PAGE)).status_code == 403
