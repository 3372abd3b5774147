"""Invoicing helpers for tests: valid seller and billing details (real check digits), and entering them."""

from __future__ import annotations

from typing import Any

import httpx

# Real-format numbers with valid check digits (python-stdnum accepts them); not anyone's real numbers.
SELLER_BTW = "NL004495445B01"
BUYER_VAT = "NL123456782B90"


def seller_body(**overrides: Any) -> dict[str, Any]:
    body = {"legal_name": "Stichting Nieuw Geluid", "address": "Kanaalweg 14", "postcode": "3526KL",
            "town": "Utrecht", "kvk_number": "12345678", "btw_number": SELLER_BTW, "iban": "NL91 ABNA 0417 1643 00",
            "vat_rate": "21"}
    body.update(overrides)
    return body


def billing_body(**overrides: Any) -> dict[str, Any]:
    body = {"company": "Klantcontact Centraal BV", "address": "Postbus 42", "postcode": "1000AA",
            "town": "Amsterdam", "country": "NL", "vat_number": BUYER_VAT, "reference": "PO-2026-117",
            "invoice_email": "facturen@klantcontact.example.nl"}
    body.update(overrides)
    return body


async def enter_seller_details(client: httpx.AsyncClient, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    response = await client.put("/api/v1/me/seller-details", json=seller_body(**overrides), headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def pdf_text(content: bytes) -> str:
    """The text of a PDF as pypdf reads it back (an independent reader: what a bookkeeper's software sees)."""
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


async def invoice_as_if_paid(organiser_id: int, order_id: int, amount_cents: int = 9500) -> int:
    """An issued invoice for an order of a free event, as if it had cost `amount_cents` (the authorisation matrix's
    events are free, so nothing is ever paid there): the organiser's seller details, then the same `issue_invoice`
    a payment runs, in a write transaction."""
    import msgspec

    from core.db import utcnow, write_transaction
    from invoicing.issuing import issue_invoice
    from invoicing.schemas import SellerIn
    from invoicing.sellers import checked_seller
    from invoicing.tables import SellerProfile
    from ticketing.tables import TicketOrder

    now = utcnow()
    if not await SellerProfile.exists().where(SellerProfile.organiser == organiser_id):
        values = checked_seller(msgspec.convert(seller_body(), SellerIn))
        await SellerProfile.insert(SellerProfile(organiser=organiser_id, updated_at=now, **values))
    async with write_transaction():
        await TicketOrder.update({TicketOrder.amount_cents: amount_cents}).where(TicketOrder.id == order_id)
        invoice_id = await issue_invoice(order_id, now)
    assert invoice_id is not None
    return invoice_id
