"""Invoicing's pure rules: BTW (Dutch VAT) on prices entered including BTW, invoice numbers, and checking the
numbers a Dutch invoice carries (BTW, KvK, IBAN, an EU VAT number) with python-stdnum.

No I/O and no clock: dates come in. Money is integer euro cents.

Prices are entered including BTW (what a buyer pays), so an invoice works backwards: for each line the BTW is
`incl × rate / (100 + rate)`, rounded half away from zero to the cent, and the amount excluding BTW is what is
left (`incl − BTW`). Rounding per line is what the Belastingdienst accepts ("afronding per factuurregel"), and
taking the excl. amount as the remainder makes every line, every rate's subtotal and the grand total add up to
the cent by construction: excl + BTW = incl, always (tests/unit/invoicing/test_rules.py checks it for any
price and rate with hypothesis, and checks the BTW against exact fractions).

A credit note is the invoice with every line negated: rounding is symmetric around zero, so a credit note's
amounts are exactly minus the invoice's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from enum import StrEnum
from fractions import Fraction

import msgspec
from stdnum import iban as stdnum_iban
from stdnum.eu import vat as stdnum_eu_vat
from stdnum.exceptions import ValidationError
from stdnum.nl import btw as stdnum_btw
from stdnum.nl import postcode as stdnum_postcode
from stdnum.util import clean

from core.i18n import LazyMessage
from core.i18n import lazy_gettext as _l

__all__ = [
    "DEFAULT_EXEMPTION_TEXT",
    "Buyer",
    "InvalidNumber",
    "InvoiceDocument",
    "InvoiceKind",
    "InvoiceLine",
    "LineSplit",
    "RateTotal",
    "Seller",
    "Totals",
    "VatRate",
    "credit_note_of",
    "format_amount",
    "format_euro",
    "invoice_number",
    "missing_legal_content",
    "normalise_btw_number",
    "normalise_eu_vat_number",
    "normalise_iban",
    "normalise_kvk_number",
    "normalise_postcode",
    "split_incl",
    "totals",
]


class VatRate(StrEnum):
    """The BTW rate an organiser's tickets carry. Admission to a cultural or sports event can be 9 %; a
    hackathon or conference is usually 21 %; an organiser without BTW liability (a foundation under the
    small-business scheme, or an exempt educational activity) invoices without BTW and says why."""

    STANDARD = "21"
    REDUCED = "9"
    ZERO = "0"
    EXEMPT = "exempt"

    @property
    def percent(self) -> int:
        return 0 if self is VatRate.EXEMPT else int(self.value)

    @property
    def label_nl(self) -> str:
        return "vrijgesteld" if self is VatRate.EXEMPT else f"{self.value}%"


DEFAULT_EXEMPTION_TEXT = "Vrijgesteld van btw op grond van artikel 11 van de Wet op de omzetbelasting 1968."


class InvoiceKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"

    @property
    def series(self) -> str:
        """Invoices and credit notes are numbered in their own series (both allowed as "een of meer
        doorlopende reeksen"), so the invoice series stays 1, 2, 3 … however many refunds there are."""
        return "F" if self is InvoiceKind.INVOICE else "C"


# ---------------------------------------------------------------------------------------------- amounts


def _round_half_away(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded to the nearest integer, halves away from zero (commercial rounding)."""
    if numerator < 0:
        return -_round_half_away(-numerator, denominator)
    return (2 * numerator + denominator) // (2 * denominator)


class LineSplit(msgspec.Struct, frozen=True):
    incl_cents: int
    excl_cents: int
    vat_cents: int


def split_incl(incl_cents: int, rate: VatRate) -> LineSplit:
    """Split an amount including BTW into excl. and BTW, rounded per line: excl + BTW = incl exactly."""
    percent = rate.percent
    vat = _round_half_away(incl_cents * percent, 100 + percent)
    return LineSplit(incl_cents=incl_cents, excl_cents=incl_cents - vat, vat_cents=vat)


class InvoiceLine(msgspec.Struct, frozen=True):
    """One line: what was supplied, how many, the unit price including BTW, and its rate."""

    description: str
    quantity: int
    unit_incl_cents: int
    rate: VatRate

    @property
    def split(self) -> LineSplit:
        return split_incl(self.quantity * self.unit_incl_cents, self.rate)

    def negated(self) -> InvoiceLine:
        return msgspec.structs.replace(self, quantity=-self.quantity)


class RateTotal(msgspec.Struct, frozen=True):
    rate: VatRate
    excl_cents: int
    vat_cents: int
    incl_cents: int


class Totals(msgspec.Struct, frozen=True):
    per_rate: tuple[RateTotal, ...]
    excl_cents: int
    vat_cents: int
    incl_cents: int


_RATE_ORDER = {VatRate.STANDARD: 0, VatRate.REDUCED: 1, VatRate.ZERO: 2, VatRate.EXEMPT: 3}


def totals(lines: Iterable[InvoiceLine]) -> Totals:
    """Per rate and overall: sums of the lines' own (already rounded) amounts, so they add up to the cent."""
    per: dict[VatRate, list[int]] = {}
    for line in lines:
        s = line.split
        acc = per.setdefault(line.rate, [0, 0, 0])
        acc[0] += s.excl_cents
        acc[1] += s.vat_cents
        acc[2] += s.incl_cents
    rates = tuple(RateTotal(rate, e, v, i) for rate, (e, v, i) in sorted(per.items(), key=lambda x: _RATE_ORDER[x[0]]))
    return Totals(per_rate=rates, excl_cents=sum(r.excl_cents for r in rates),
                  vat_cents=sum(r.vat_cents for r in rates), incl_cents=sum(r.incl_cents for r in rates))


def format_amount(cents: int, *, thousands: bool = False) -> str:
    """Cents as Dutch decimal text with a comma: 123456 → "1234,56" (or "1.234,56"), −50 → "-0,50"."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    whole_text = f"{whole:,}".replace(",", ".") if thousands else str(whole)
    return f"{sign}{whole_text},{rest:02d}"


def format_euro(cents: int) -> str:
    """"€ 1.234,56", "€ -12,10": how Dutch invoices show money."""
    return f"€ {format_amount(cents, thousands=True)}"


# ------------------------------------------------------------------------------------------ the numbers


class InvalidNumber(ValueError):
    """A BTW, KvK, IBAN or VAT number that is not one; `code` is the stable problem code, `field` the field."""

    def __init__(self, code: str, field: str, message_nl: LazyMessage) -> None:
        super().__init__(message_nl)
        self.code = code
        self.field = field
        self.message_nl = message_nl


def normalise_btw_number(value: str, field: str = "btw_number") -> str:
    """A Dutch BTW identification number (btw-id, "NL123456789B01"), checked (format and check digit) and
    compacted to upper case without spaces or dots."""
    try:
        return "NL" + stdnum_btw.validate(value)
    except ValidationError as exc:
        raise InvalidNumber("invalid_btw_number", field,
                            _l("Dit is geen geldig btw-nummer (zoals NL123456789B01).")) from exc


def normalise_kvk_number(value: str, field: str = "kvk_number") -> str:
    """A KvK (Chamber of Commerce) number: eight digits. It has no check digit (python-stdnum has no module for
    it for that reason), so the format is all there is to check; spaces and dots are dropped."""
    compact = clean(value, " .-").strip()
    if len(compact) != 8 or not compact.isdigit():
        raise InvalidNumber("invalid_kvk_number", field, _l("Dit is geen geldig KvK-nummer (acht cijfers)."))
    return compact


def normalise_postcode(value: str, country: str, field: str = "postcode") -> str:
    """A Dutch postcode checked and written as "1234 AB"; another country's postcode as typed (trimmed)."""
    if country.upper() != "NL":
        return " ".join(value.split())
    try:
        return str(stdnum_postcode.validate(value))  # "1234 AB"
    except ValidationError as exc:
        raise InvalidNumber("invalid_postcode", field, _l("Dit is geen geldige postcode (zoals 1234 AB).")) from exc


def normalise_iban(value: str, field: str = "iban") -> str:
    try:
        return stdnum_iban.validate(value)
    except ValidationError as exc:
        raise InvalidNumber("invalid_iban", field, _l("Dit is geen geldig IBAN-rekeningnummer.")) from exc


def normalise_eu_vat_number(value: str, field: str = "vat_number") -> str:
    """A buyer's VAT number from any EU country (with its country prefix, e.g. "NL…B01", "DE123456789"),
    checked by the country's own rules and compacted."""
    try:
        return stdnum_eu_vat.validate(value)
    except ValidationError as exc:
        raise InvalidNumber("invalid_vat_number", field,
                            _l("Dit is geen geldig btw-nummer (met landcode, zoals NL123456789B01).")) from exc


def invoice_number(kind: InvoiceKind, year: int, sequence: int) -> str:
    """"2026-00042" for an invoice, "C2026-00003" for a credit note: the series, the year and the number in it."""
    prefix = "" if kind is InvoiceKind.INVOICE else kind.series
    return f"{prefix}{year}-{sequence:05d}"


# ------------------------------------------------------------------------------------------ the document


class Seller(msgspec.Struct, frozen=True):
    legal_name: str
    address: str
    postcode: str
    town: str
    country: str
    kvk_number: str
    btw_number: str
    iban: str = ""
    vat_rate: VatRate = VatRate.STANDARD
    exemption_text: str = ""


class Buyer(msgspec.Struct, frozen=True):
    """Who the invoice is addressed to: a company ("op factuur van mijn werkgever") or the buyer in person
    (a receipt in their own name: name and e-mail only)."""

    name: str
    email: str
    company: str = ""
    address: str = ""
    postcode: str = ""
    town: str = ""
    country: str = ""
    vat_number: str = ""
    reference: str = ""

    @property
    def is_business(self) -> bool:
        return bool(self.company)


class InvoiceDocument(msgspec.Struct, frozen=True):
    """Everything an invoice or credit note says, frozen when it is issued (stored as JSON, rendered to PDF on
    demand), so a later change to the seller's details never rewrites an issued invoice."""

    kind: InvoiceKind
    number: str
    issued_on: date
    supply_date: date  # the date of the event (the supply of the service)
    seller: Seller
    buyer: Buyer
    lines: tuple[InvoiceLine, ...]
    event_title: str
    order_id: int
    credits_number: str = ""  # a credit note: the number of the invoice it corrects
    credits_issued_on: date | None = None

    @property
    def totals(self) -> Totals:
        return totals(self.lines)

    @property
    def exemption_text(self) -> str:
        if any(line.rate is VatRate.EXEMPT for line in self.lines):
            return self.seller.exemption_text or DEFAULT_EXEMPTION_TEXT
        return ""


def credit_note_of(invoice: InvoiceDocument, number: str, issued_on: date) -> InvoiceDocument:
    """The credit note that cancels `invoice` in full: the same parties and lines, negated, referring to it."""
    if invoice.kind is not InvoiceKind.INVOICE:
        raise ValueError("only an invoice can be credited")
    return msgspec.structs.replace(
        invoice, kind=InvoiceKind.CREDIT_NOTE, number=number, issued_on=issued_on,
        lines=tuple(line.negated() for line in invoice.lines), credits_number=invoice.number,
        credits_issued_on=invoice.issued_on,
    )


def missing_legal_content(doc: InvoiceDocument) -> list[str]:
    """What a Dutch invoice must show (Belastingdienst, "factuureisen"; Handelsregisterwet for the KvK number)
    and this one lacks: empty when complete. Checked before an invoice is issued."""
    missing = []
    required: Sequence[tuple[str, str]] = (
        ("number", doc.number), ("seller.legal_name", doc.seller.legal_name), ("seller.address", doc.seller.address),
        ("seller.postcode", doc.seller.postcode), ("seller.town", doc.seller.town),
        ("seller.kvk_number", doc.seller.kvk_number), ("buyer.name", doc.buyer.company or doc.buyer.name),
    )
    missing += [name for name, value in required if not value.strip()]
    if doc.seller.vat_rate is not VatRate.EXEMPT and not doc.seller.btw_number:
        missing.append("seller.btw_number")
    if doc.buyer.is_business and not (doc.buyer.address and doc.buyer.postcode and doc.buyer.town):
        missing.append("buyer.address")
    if not doc.lines or any(not line.description.strip() for line in doc.lines):
        missing.append("lines")
    if doc.kind is InvoiceKind.CREDIT_NOTE and not doc.credits_number:
        missing.append("credits_number")
    return missing


def exact_vat(incl_cents: int, rate: VatRate) -> Fraction:
    """The unrounded BTW in an amount including BTW (for tests and checks)."""
    return Fraction(incl_cents * rate.percent, 100 + rate.percent)
