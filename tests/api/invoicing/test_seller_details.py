"""An organiser's seller details: entered once, checked with python-stdnum, problem+json codes for bad numbers."""

from __future__ import annotations

import httpx
import pytest

from tests.support.invoicing import SELLER_BTW, enter_seller_details, seller_body
from tests.support.members import Members

pytestmark = pytest.mark.anyio
URL = "/api/v1/me/seller-details"


async def test_an_organiser_enters_seller_details_once_and_changes_them(client: httpx.AsyncClient,
                                                                        members: Members) -> None:
    organiser = await members.create("organiser")
    missing = await client.get(URL, headers=organiser["headers"])
    assert missing.status_code == 404
    assert missing.json()["code"] == "seller_details_missing"

    saved = await enter_seller_details(client, organiser["headers"])
    # Numbers come back compacted and checked; a Dutch postcode in its usual form.
    assert saved["btw_number"] == SELLER_BTW
    assert saved["iban"] == "NL91ABNA0417164300"
    assert saved["postcode"] == "3526 KL"
    assert saved["kvk_number"] == "12345678"
    assert saved["vat_rate"] == "21"
    assert (await client.get(URL, headers=organiser["headers"])).json() == saved

    changed = await enter_seller_details(client, organiser["headers"], vat_rate="9", iban="")
    assert changed["vat_rate"] == "9"
    assert changed["iban"] == ""
    other = await members.create("organiser")
    assert (await client.get(URL, headers=other["headers"])).status_code == 404  # each organiser their own


@pytest.mark.parametrize(("field", "value", "code"), [
    ("btw_number", "NL123456789B01", "invalid_btw_number"),
    ("btw_number", "", "invalid_btw_number"),  # required unless exempt
    ("kvk_number", "1234", "invalid_kvk_number"),
    ("iban", "NL91ABNA0417164301", "invalid_iban"),
    ("postcode", "12 AB", "invalid_postcode"),
])
async def test_bad_numbers_are_refused_with_their_own_code(client: httpx.AsyncClient, members: Members, field: str,
                                                           value: str, code: str) -> None:
    organiser = await members.create("organiser")
    response = await client.put(URL, json=seller_body(**{field: value}), headers=organiser["headers"])
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code
    assert body["errors"][0]["field"] == field


async def test_an_exempt_seller_needs_no_btw_number_and_keeps_its_legal_text(client: httpx.AsyncClient,
                                                                              members: Members) -> None:
    organiser = await members.create("organiser")
    saved = await enter_seller_details(client, organiser["headers"], vat_rate="exempt", btw_number="",
                                       exemption_text="Vrijgesteld van btw (art. 11 lid 1 onder o Wet OB 1968).")
    assert saved["btw_number"] == ""
    assert saved["exemption_text"].startswith("Vrijgesteld")


async def test_only_organisers_have_seller_details(client: httpx.AsyncClient, members: Members) -> None:
    member = await members.create()
    assert (await client.get(URL, headers=member["headers"])).status_code == 403
    assert (await client.put(URL, json=seller_body(), headers=member["headers"])).status_code == 403
    assert (await client.get(URL)).status_code == 401
