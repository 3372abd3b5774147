"""The buyer's side of an invoice: "op factuur van mijn werkgever" (company, address, BTW number, reference,
invoice e-mail) for an order, or nothing — then the invoice is a receipt in the buyer's own name.

Set at checkout (the order page) or later until the invoice is issued; from then on what the invoice says is
fixed (`billing_locked`): a correction is a credit note and a new invoice, which the organiser arranges.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.db import utcnow, write_transaction
from core.errors import Forbidden
from core.i18n import lazy_gettext as _l
from core.principal import Principal
from invoicing import rules
from invoicing.errors import BillingLocked, InvalidInvoiceDetails
from invoicing.schemas import BillingIn, BillingOut
from invoicing.tables import BillingDetails, Invoice
from ticketing import access


def checked_billing(data: BillingIn) -> dict[str, Any]:
    """The columns to store, checked and compacted (InvalidInvoiceDetails with the rule's code and field)."""
    try:
        values = {
            "company": " ".join(data.company.split()), "address": " ".join(data.address.split()),
            "postcode": rules.normalise_postcode(data.postcode, data.country), "town": " ".join(data.town.split()),
            "country": data.country,
            "vat_number": rules.normalise_eu_vat_number(data.vat_number) if data.vat_number.strip() else "",
            "reference": data.reference.strip(), "invoice_email": data.invoice_email.strip().lower(),
        }
    except rules.InvalidNumber as exc:
        raise InvalidInvoiceDetails.from_rule(exc) from exc
    for name in ("company", "address", "town"):
        if not values[name]:
            raise InvalidInvoiceDetails(_l("Vul dit veld in."), field=name)
    return values


def _out(order_id: int, row: dict[str, Any] | None, locked: bool) -> BillingOut:
    if row is None:
        return BillingOut(order_id=order_id, locked=locked)
    return BillingOut(order_id=order_id, company=row["company"], address=row["address"], postcode=row["postcode"],
                      town=row["town"], country=row["country"], vat_number=row["vat_number"],
                      reference=row["reference"], invoice_email=row["invoice_email"], locked=locked)


async def _invoiced(order_id: int) -> bool:
    return await Invoice.exists().where(
        (Invoice.order_id == order_id) & (Invoice.kind == rules.InvoiceKind.INVOICE.value))


async def get_billing(actor: Principal, order_id: int) -> BillingOut:
    """The order's billing details, for its buyer and the event's organiser (empty: a receipt in the buyer's name)."""
    await access.visible_order(actor, order_id)
    row = await BillingDetails.select().where(BillingDetails.order == order_id).first()
    return _out(order_id, row, await _invoiced(order_id))


async def _buyer_order(actor: Principal, order_id: int) -> None:
    _, is_buyer = await access.visible_order(actor, order_id)
    if not is_buyer:
        raise Forbidden(_l("Alleen de koper kan de factuurgegevens van deze bestelling wijzigen."))
    if await _invoiced(order_id):
        raise BillingLocked(_l("De factuur is al gemaakt; de gegevens erop kunnen niet meer veranderen."))


async def save_billing(actor: Principal, order_id: int, data: BillingIn, now: datetime | None = None) -> BillingOut:
    """Address the order's invoice to a company (the buyer's employer)."""
    now = now or utcnow()
    values = checked_billing(data)
    await _buyer_order(actor, order_id)
    async with write_transaction():
        updated = await BillingDetails.update({**{getattr(BillingDetails, k): v for k, v in values.items()},
                                               BillingDetails.updated_at: now}).where(
            BillingDetails.order == order_id).returning(BillingDetails.id)
        if not updated:
            await BillingDetails.insert(BillingDetails(order=order_id, created_at=now, updated_at=now, **values))
    return await get_billing(actor, order_id)


async def clear_billing(actor: Principal, order_id: int) -> BillingOut:
    """No company after all: the invoice becomes a receipt in the buyer's own name."""
    await _buyer_order(actor, order_id)
    await BillingDetails.delete().where(BillingDetails.order == order_id)
    return await get_billing(actor, order_id)


async def billing_row(order_id: int) -> dict[str, Any] | None:
    return await BillingDetails.select().where(BillingDetails.order == order_id).first()
