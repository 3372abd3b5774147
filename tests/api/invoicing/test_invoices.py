"""A paid duo gets an invoice (PDF on the payment mail, downloadable), a refund a credit note that refers to it.

Paid through localstripe, webhooks and all; every PDF is read back with pypdf and checked for its number, the
parties, the amounts excl. and incl. BTW and the BTW."""

from __future__ import annotations

import httpx
import pytest
import stripe

from settings import Settings
from tests.support.invoicing import BUYER_VAT, SELLER_BTW, billing_body, enter_seller_details, pdf_text
from tests.support.members import quick_members
from tests.support.shop import Shop, held_order, paid_order, pay, wait_for_status
from tests.support.smtp import SmtpSink

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.filterwarnings("ignore:Use 'content=<...>' to upload raw bytes:DeprecationWarning:httpx"),
]


def _pdfs(message: object) -> dict[str, bytes]:
    return {part.get_filename(): part.get_content() for part in message.iter_attachments()  # type: ignore[attr-defined]
            if part.get_content_type() == "application/pdf"}


async def test_invoice_for_the_employer_then_a_credit_note_after_the_refund(
    http: httpx.AsyncClient, shop: Shop, stripe_client: stripe.StripeClient, settings: Settings, smtp: SmtpSink,
) -> None:
    from notifications import outbox

    event = await shop.event(price_cents=9500, title="Hackathon Klantcontact")
    await enter_seller_details(http, shop.organiser["headers"])
    buyer, stranger = await quick_members(2)
    order = await held_order(shop, event["slug"], buyer, email="kim@example.nl", name="Kim Companion")
    saved = await http.put(f"/api/v1/orders/{order['id']}/billing", json=billing_body(), headers=buyer["headers"])
    assert saved.status_code == 200, saved.text
    assert saved.json()["vat_number"] == BUYER_VAT
    assert saved.json()["postcode"] == "1000 AA"
    assert not saved.json()["locked"]

    intent_id = (await http.post(f"/api/v1/orders/{order['id']}/payment", headers=buyer["headers"])).json()[
        "payment_intent_id"]
    assert await pay(stripe_client, intent_id) == "succeeded"
    await wait_for_status(http, order["id"], buyer["headers"], "paid")

    listed = (await http.get(f"/api/v1/orders/{order['id']}/invoices", headers=buyer["headers"])).json()
    assert [(i["kind"], i["total_incl_cents"], i["total_excl_cents"], i["total_vat_cents"]) for i in listed] == [
        ("invoice", 9500, 7851, 1649)]
    invoice = listed[0]
    year = invoice["issued_on"][:4]
    assert invoice["number"] == f"{year}-00001"
    assert invoice["buyer"] == "Klantcontact Centraal BV"
    locked = await http.put(f"/api/v1/orders/{order['id']}/billing", json=billing_body(company="Ander BV"),
                            headers=buyer["headers"])
    assert locked.status_code == 409
    assert locked.json()["code"] == "billing_locked"

    download = await http.get(invoice["pdf_url"], headers=buyer["headers"])
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/pdf"
    assert f'filename="factuur-{year}-00001.pdf"' in download.headers["content-disposition"]
    text = pdf_text(download.content)
    for expected in ("Factuur", f"{year}-00001", "Stichting Nieuw Geluid", "KvK 12345678", SELLER_BTW,
                     "Klantcontact Centraal BV", "Postbus 42", "1000 AA Amsterdam", BUYER_VAT, "PO-2026-117",
                     "Duoticket Hackathon Klantcontact", "€ 78,51", "Btw 21% over € 78,51", "€ 16,49",
                     "Totaal incl. btw", "€ 95,00", "Datum van levering (evenement)"):
        assert expected in text, (expected, text)
    # The organiser of the event may download it too; other members do not know it exists.
    assert (await http.get(invoice["pdf_url"], headers=shop.organiser["headers"])).status_code == 200
    missing = await http.get(invoice["pdf_url"], headers=stranger["headers"])
    assert missing.status_code == 404
    assert missing.json()["code"] == "invoice_not_found"

    # The buyer's payment mail carries the invoice; the employer's address gets its own copy; the companion
    # gets neither.
    assert await outbox.send_outbox(settings) == 3
    mails = {m.rcpt_tos[0]: m.message for m in await smtp.wait_for_messages(3)}
    assert list(_pdfs(mails[buyer["email"]])) == [f"factuur-{year}-00001.pdf"]
    assert _pdfs(mails[buyer["email"]])[f"factuur-{year}-00001.pdf"] == download.content  # the same file
    assert _pdfs(mails["kim@example.nl"]) == {}
    copy = mails["facturen@klantcontact.example.nl"]
    assert copy["Subject"] == f"Factuur {year}-00001: Hackathon Klantcontact"
    assert "PO-2026-117" in copy.get_body(("plain",)).get_content()
    assert list(_pdfs(copy)) == [f"factuur-{year}-00001.pdf"]

    # Cancelled and refunded: a credit note that refers to the invoice, with exactly the opposite amounts.
    cancelled = await http.post(f"/api/v1/orders/{order['id']}/cancel", headers=buyer["headers"])
    assert cancelled.json()["status"] == "refunded"
    listed = (await http.get(f"/api/v1/orders/{order['id']}/invoices", headers=buyer["headers"])).json()
    credit = listed[1]
    assert (credit["kind"], credit["number"], credit["credits_number"]) == ("credit_note", f"C{year}-00001",
                                                                          f"{year}-00001")
    assert (credit["total_incl_cents"], credit["total_excl_cents"], credit["total_vat_cents"]) == (-9500, -7851, -1649)
    text = pdf_text((await http.get(credit["pdf_url"], headers=buyer["headers"])).content)
    for expected in ("Creditnota", f"C{year}-00001", f"Crediteert factuur {year}-00001", "€ -78,51", "€ -16,49",
                     "€ -95,00", "Klantcontact Centraal BV"):
        assert expected in text, (expected, text)
    smtp.received.clear()
    sent = await outbox.send_outbox(settings)  # the cancellation and refund notices, and the credit notes
    credit_mails = sorted((m.rcpt_tos[0], list(_pdfs(m.message))) for m in await smtp.wait_for_messages(sent)
                          if m.message["Subject"].startswith("Creditnota"))
    assert credit_mails == sorted([(buyer["email"], [f"creditnota-C{year}-00001.pdf"]),
                                   ("facturen@klantcontact.example.nl", [f"creditnota-C{year}-00001.pdf"])])


async def test_without_company_details_the_invoice_is_a_receipt_in_the_buyers_name(
    http: httpx.AsyncClient, shop: Shop, stripe_client: stripe.StripeClient,
) -> None:
    event = await shop.event(price_cents=2500)
    await enter_seller_details(http, shop.organiser["headers"], vat_rate="9")
    (buyer,) = await quick_members(1)
    order, _ = await paid_order(http, shop, stripe_client, event["slug"], buyer)
    billing = (await http.get(f"/api/v1/orders/{order['id']}/billing", headers=buyer["headers"])).json()
    assert billing["company"] == ""
    assert billing["locked"]
    (invoice,) = (await http.get(f"/api/v1/orders/{order['id']}/invoices", headers=buyer["headers"])).json()
    assert (invoice["total_excl_cents"], invoice["total_vat_cents"]) == (2294, 206)  # 25,00 incl. 9 %
    text = pdf_text((await http.get(invoice["pdf_url"], headers=buyer["headers"])).content)
    assert "Koper 0" in text
    assert buyer["email"] in text
    assert "Btw 9% over € 22,94" in text
    assert "t.a.v." not in text


async def test_exempt_seller_free_events_and_missing_seller_details(
    http: httpx.AsyncClient, shop: Shop, stripe_client: stripe.StripeClient,
) -> None:
    from invoicing.tables import Invoice

    event = await shop.event(price_cents=4000)
    (b1, b2, b3) = await quick_members(3)
    order, _ = await paid_order(http, shop, stripe_client, event["slug"], b1)
    # No seller details yet: paying still works; no invoice can be made without them.
    assert (await http.get(f"/api/v1/orders/{order['id']}/invoices", headers=b1["headers"])).json() == []
    await enter_seller_details(http, shop.organiser["headers"], vat_rate="exempt", btw_number="",
                               exemption_text="Vrijgesteld van btw op grond van art. 11 lid 1 onder o Wet OB 1968.")
    # The order paid before the details were there gets its invoice from the background job, mailed on its own.
    from invoicing.issuing import issue_missing_invoices
    from notifications.tables import OutboxMail

    assert await issue_missing_invoices() == 1
    assert await issue_missing_invoices() == 0
    (late,) = (await http.get(f"/api/v1/orders/{order['id']}/invoices", headers=b1["headers"])).json()
    assert late["number"].endswith("-00001")
    assert await OutboxMail.exists().where((OutboxMail.kind == "invoice_copy") & (OutboxMail.to_email == b1["email"]))
    order, _ = await paid_order(http, shop, stripe_client, event["slug"], b2)
    (invoice,) = (await http.get(f"/api/v1/orders/{order['id']}/invoices", headers=b2["headers"])).json()
    assert (invoice["total_excl_cents"], invoice["total_vat_cents"]) == (4000, 0)
    text = pdf_text((await http.get(invoice["pdf_url"], headers=b2["headers"])).content)
    assert "art. 11 lid 1 onder o Wet OB 1968" in text
    assert "vrijgesteld" in text
    free = await shop.event(price_cents=0, title="Gratis meetup")
    response = await shop.order(free["slug"], b3)
    assert response.json()["status"] == "paid"
    assert await Invoice.count().where(Invoice.order_id == response.json()["id"]) == 0  # nothing was sold


@pytest.mark.parametrize(("field", "value", "code"), [
    ("vat_number", "NL123456789B01", "invalid_vat_number"),
    ("vat_number", "XX12345", "invalid_vat_number"),
    ("postcode", "12345", "invalid_postcode"),
])
async def test_bad_billing_details_are_refused_with_their_own_code(
    client: httpx.AsyncClient, shop: Shop, field: str, value: str, code: str,
) -> None:
    event = await shop.event()
    (buyer,) = await quick_members(1)
    order = await held_order(shop, event["slug"], buyer)
    response = await client.put(f"/api/v1/orders/{order['id']}/billing", json=billing_body(**{field: value}),
                                headers=buyer["headers"])
    assert response.status_code == 422
    assert response.json()["code"] == code
    assert response.json()["errors"][0]["field"] == field
    foreign = await client.put(f"/api/v1/orders/{order['id']}/billing",
                               json=billing_body(country="DE", postcode="10115", vat_number="DE136695976"),
                               headers=buyer["headers"])
    assert foreign.status_code == 200
    assert foreign.json()["vat_number"] == "DE136695976"
    cleared = await client.delete(f"/api/v1/orders/{order['id']}/billing", headers=buyer["headers"])
    assert cleared.status_code == 200
    assert cleared.json()["company"] == ""
    organiser = await client.put(f"/api/v1/orders/{order['id']}/billing", json=billing_body(),
                                 headers=shop.organiser["headers"])
    assert organiser.status_code == 403
