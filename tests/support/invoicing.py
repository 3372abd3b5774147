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
