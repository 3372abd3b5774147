"""The organiser's bookkeeping export: every invoice and credit note of an event as CSV (`;`, BOM, decimal comma,
formulas neutralised) and as a ZIP of PDFs (read back with pypdf) with that CSV."""

from __future__ import annotations

import csv
import io
import zipfile

import httpx
import pytest
import stripe

from tests.support.invoicing import billing_body, enter_seller_details, pdf_text
from tests.support.members import quick_members
from tests.support.shop import Shop, paid_order, pay, wait_for_status

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.filterwarnings("ignore:Use 'content=<...>' to upload raw bytes:DeprecationWarning:httpx"),
]


async def test_the_organiser_downloads_the_events_invoices_as_csv_and_zip(
    http: httpx.AsyncClient, shop: Shop, stripe_client: stripe.StripeClient,
) -> None:
    event = await shop.event(price_cents=9500, title="Export")
    slug = event["slug"]
    await enter_seller_details(http, shop.organiser["headers"])
    b1, b2, other = await quick_members(3)
    first, _ = await paid_order(http, shop, stripe_client, slug, b1)
    held = await shop.order(slug, b2)
    assert (await http.put(f"/api/v1/orders/{held.json()['id']}/billing", headers=b2["headers"],
                           json=billing_body(company="=HYPERLINK(\"http://x\",\"klik\") BV"))).status_code == 200
    intent = (await http.post(f"/api/v1/orders/{held.json()['id']}/payment", headers=b2["headers"])).json()
    assert await pay(stripe_client, intent["payment_intent_id"]) == "succeeded"
    await wait_for_status(http, held.json()["id"], b2["headers"], "paid")
    cancelled = await http.post(f"/api/v1/orders/{first['id']}/cancel", headers=b1["headers"])
    assert cancelled.json()["status"] == "refunded"

    h = shop.organiser["headers"]
    listed = (await http.get(f"/api/v1/events/{slug}/invoices", headers=h)).json()
    year = listed[0]["issued_on"][:4]
    assert [(i["kind"], i["number"]) for i in listed] == [
        ("invoice", f"{year}-00001"), ("invoice", f"{year}-00002"), ("credit_note", f"C{year}-00001")]

    response = await http.get(f"/api/v1/events/{slug}/invoices.csv", headers=h)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert f'filename="facturen-{slug}.csv"' in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    by_number = {r["Nummer"]: r for r in rows}
    assert by_number[f"{year}-00001"]["Bedrag excl. btw"] == "78,51"
    assert by_number[f"{year}-00001"]["Btw"] == "16,49"
    assert by_number[f"{year}-00001"]["Btw-tarief"] == "21%"
    credit = by_number[f"C{year}-00001"]
    assert (credit["Soort"], credit["Crediteert factuur"], credit["Bedrag incl. btw"]) == (
        "Creditnota", f"{year}-00001", "-95,00")
    assert by_number[f"{year}-00002"]["Klant"].startswith("'=HYPERLINK")  # a formula typed by a buyer: text
    assert by_number[f"{year}-00002"]["Referentie"] == "PO-2026-117"

    archive = await http.get(f"/api/v1/events/{slug}/invoices.zip", headers=h)
    assert archive.status_code == 200
    assert archive.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(archive.content)) as z:
        names = sorted(z.namelist())
        assert names == sorted([f"creditnota-C{year}-00001.pdf", f"factuur-{year}-00001.pdf",
                                f"factuur-{year}-00002.pdf", f"facturen-{slug}.csv"])
        assert "€ -16,49" in pdf_text(z.read(f"creditnota-C{year}-00001.pdf"))
        assert f"{year}-00002" in pdf_text(z.read(f"factuur-{year}-00002.pdf"))
        assert z.read(f"facturen-{slug}.csv") == response.content
    again = await http.get(f"/api/v1/events/{slug}/invoices.zip", headers=h)
    assert again.content == archive.content  # stable bytes

    # Only the event's organiser.
    assert (await http.get(f"/api/v1/events/{slug}/invoices.csv", headers=other["headers"])).status_code == 403
    another = await shop.members.create("organiser", email="ander@example.nl")
    assert (await http.get(f"/api/v1/events/{slug}/invoices.zip", headers=another["headers"])).status_code == 403
