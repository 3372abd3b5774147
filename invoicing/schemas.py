"""Request and response bodies for invoicing (msgspec Structs validated at the edge)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec

from invoicing.rules import VatRate

Country = Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{2}$", examples=["NL"],
                                      description="ISO 3166-1 alpha-2 country code")]
Line = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Short = Annotated[str, msgspec.Meta(max_length=40)]
Email = Annotated[str, msgspec.Meta(max_length=254, pattern=r"^([^@\s]+@[^@\s]+\.[^@\s]+)?$",
                                    examples=["facturen@bedrijf.nl"])]


class SellerIn(msgspec.Struct, forbid_unknown_fields=True):
    """An organiser's seller details. Numbers are checked by their own rules (python-stdnum): `invalid_btw_number`,
    `invalid_kvk_number`, `invalid_iban`, `invalid_postcode` (422). `btw_number` may be empty only when
    `vat_rate` is `exempt`; `exemption_text` is the legal ground printed on exempt invoices."""

    legal_name: Annotated[str, msgspec.Meta(min_length=1, max_length=160, examples=["Stichting Nieuw Geluid"])]
    address: Line
    postcode: Annotated[str, msgspec.Meta(min_length=1, max_length=20, examples=["3511 AB"])]
    town: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    kvk_number: Annotated[str, msgspec.Meta(min_length=1, max_length=20, examples=["12345678"])]
    country: Country = "NL"
    btw_number: Annotated[str, msgspec.Meta(max_length=30, examples=["NL004495445B01"])] = ""
    iban: Annotated[str, msgspec.Meta(max_length=42)] = ""
    vat_rate: VatRate = VatRate.STANDARD
    exemption_text: Annotated[str, msgspec.Meta(max_length=500)] = ""


class SellerOut(msgspec.Struct, frozen=True):
    legal_name: str
    address: str
    postcode: str
    town: str
    country: str
    kvk_number: str
    btw_number: str
    iban: str
    vat_rate: VatRate
    exemption_text: str
    updated_at: datetime


class BillingIn(msgspec.Struct, forbid_unknown_fields=True):
    """"Op factuur van mijn werkgever": the company the invoice is addressed to. `vat_number` (optional) is an EU
    VAT number with its country prefix (`invalid_vat_number`, 422); a Dutch postcode is checked
    (`invalid_postcode`). `invoice_email` also receives the invoice and any credit note."""

    company: Annotated[str, msgspec.Meta(min_length=1, max_length=160, examples=["Klantcontact BV"])]
    address: Line
    postcode: Annotated[str, msgspec.Meta(min_length=1, max_length=20)]
    town: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    country: Country = "NL"
    vat_number: Annotated[str, msgspec.Meta(max_length=30)] = ""
    reference: Annotated[str, msgspec.Meta(max_length=80, examples=["PO-2026-117"])] = ""
    invoice_email: Email = ""


class BillingOut(msgspec.Struct, frozen=True):
    """The order's billing details; `company` empty: a receipt in the buyer's own name."""

    order_id: int
    company: str = ""
    address: str = ""
    postcode: str = ""
    town: str = ""
    country: str = ""
    vat_number: str = ""
    reference: str = ""
    invoice_email: str = ""
    locked: bool = False


class InvoiceOut(msgspec.Struct, frozen=True):
    id: int
    kind: str  # invoice | credit_note
    number: str
    issued_on: date
    order_id: int
    event_id: int
    buyer: str
    total_excl_cents: int
    total_vat_cents: int
    total_incl_cents: int
    credits_number: str
    pdf_url: str
