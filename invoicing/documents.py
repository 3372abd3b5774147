"""Reading issued invoices and credit notes: a buyer's own (for "Mijn tickets"), one as PDF, and every one of an
event for its organiser (invoicing.exports builds the ZIP and CSV from those).

Who may see one: the member who ordered, and the organiser who manages the event. Anyone else gets "not found",
as for orders.
"""

from __future__ import annotations

from typing import Any

from core.i18n import lazy_gettext as _l
from core.principal import Principal
from events.tables import Event
from invoicing.errors import InvoiceNotFound
from invoicing.issuing import document_of
from invoicing.pdf import filename, render_pdf
from invoicing.schemas import InvoiceOut
from invoicing.tables import Invoice
from ticketing import access


def invoice_out(row: dict[str, Any]) -> InvoiceOut:
    doc = document_of(row)
    return InvoiceOut(
        id=row["id"], kind=row["kind"], number=row["number"], issued_on=row["issued_on"], order_id=row["order_id"],
        event_id=row["event_id"], buyer=doc.buyer.company or doc.buyer.name,
        total_excl_cents=row["total_excl_cents"], total_vat_cents=row["total_vat_cents"],
        total_incl_cents=row["total_incl_cents"], credits_number=doc.credits_number,
        pdf_url=f"/api/v1/invoices/{row['id']}/pdf",
    )


async def _may_see(actor: Principal, row: dict[str, Any]) -> bool:
    if row["buyer_id"] == actor.id:
        return True
    if not actor.is_organiser:
        return False
    event = await Event.select(Event.organiser).where(Event.id == row["event_id"]).first()
    return event is not None and access.manages(actor, event)


async def invoices_of_order(actor: Principal, order_id: int) -> list[InvoiceOut]:
    """The invoice and any credit note of an order, for its buyer and the event's organiser."""
    await access.visible_order(actor, order_id)
    rows = await Invoice.select().where(Invoice.order_id == order_id).order_by(Invoice.id)
    return [invoice_out(r) for r in rows]


async def my_invoices(actor: Principal) -> dict[int, list[InvoiceOut]]:
    """Every invoice and credit note of the member's own orders, by order id."""
    rows = await Invoice.select().where(Invoice.buyer_id == actor.id).order_by(Invoice.id)
    found: dict[int, list[InvoiceOut]] = {}
    for row in rows:
        found.setdefault(row["order_id"], []).append(invoice_out(row))
    return found


async def invoice_pdf(actor: Principal, invoice_id: int) -> tuple[str, bytes]:
    """(file name, PDF bytes) of one invoice or credit note."""
    row = await Invoice.select().where(Invoice.id == invoice_id).first()
    if row is None or not await _may_see(actor, row):
        raise InvoiceNotFound(_l("Deze factuur bestaat niet."))
    doc = document_of(row)
    return filename(doc), render_pdf(doc)
