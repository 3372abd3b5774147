"""Issuing invoices and credit notes, inside ticketing's transaction (through ticketing.hooks):

- an order paid → its invoice (`issue_invoice`), in the transaction that marks it paid;
- a paid order refunded → the credit note that cancels that invoice (`issue_credit_note`), in the transaction
  that marks it refunded.

Numbers are consecutive per organiser, series and year without gaps, whatever the number of workers: the next
number is taken by ONE conditional `UPDATE invoice_counter SET last_number = last_number + 1 … RETURNING` in the
same transaction that inserts the invoice. On PostgreSQL that UPDATE locks the counter row until COMMIT, so a
concurrent payment of the same organiser waits and then sees the committed number; on SQLite the write
transaction (BEGIN IMMEDIATE) serialises writers. A transaction that fails after taking a number rolls the
counter back with it: no number is burnt. (A sequence, by contrast, is not transactional and leaves gaps.)
`tests/load/test_invoice_numbers.py` pays 100 orders at once with two workers and finds 1..100.

Idempotent: an order has at most one invoice and one credit note (unique index on order and kind), and each
function returns the existing one when called again.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from core.db import as_utc
from events.tables import Event
from invoicing import rules, sellers
from invoicing.billing import billing_row
from invoicing.rules import Buyer, InvoiceDocument, InvoiceKind, InvoiceLine
from invoicing.tables import Invoice, InvoiceCounter
from members.tables import Member
from ticketing import state
from ticketing.rules import OrderStatus
from ticketing.tables import TicketOrder

log = logging.getLogger("nieuw_geluid.invoicing")

INVOICE_MAIL = "invoice_copy"  # the invoice, to the address the buyer gave for invoices
CREDIT_NOTE_MAIL = "credit_note"  # the credit note, to the buyer (and that address)


def _local_date(moment: datetime, timezone: str) -> date:
    try:
        zone = ZoneInfo(timezone)
    except (KeyError, ValueError):
        zone = ZoneInfo("Europe/Amsterdam")
    utc = as_utc(moment)
    assert utc is not None
    return utc.astimezone(zone).date()


async def next_number(organiser_id: int, kind: InvoiceKind, year: int) -> int:
    """The next number of the series, taken inside the caller's transaction (see the module docstring)."""
    await InvoiceCounter.insert(
        InvoiceCounter(organiser_id=organiser_id, series=kind.series, year=year, last_number=0)
    ).on_conflict(target=(InvoiceCounter.organiser_id, InvoiceCounter.series, InvoiceCounter.year),
                  action="DO NOTHING")
    taken = await InvoiceCounter.update({InvoiceCounter.last_number: InvoiceCounter.last_number + 1}).where(
        (InvoiceCounter.organiser_id == organiser_id) & (InvoiceCounter.series == kind.series)
        & (InvoiceCounter.year == year)
    ).returning(InvoiceCounter.last_number)
    return int(taken[0]["last_number"])


def document_of(row: dict[str, Any]) -> InvoiceDocument:
    """The frozen document of an invoice row (JSON text on both engines; a dict if a driver decoded it)."""
    raw = row["document"]
    text = raw if isinstance(raw, str | bytes) else msgspec.json.encode(raw)
    return msgspec.json.decode(text, type=InvoiceDocument)


async def _buyer(order: dict[str, Any]) -> Buyer:
    member = await Member.select(Member.name, Member.email).where(Member.id == order["buyer"]).first()
    name, email = (member["name"], member["email"]) if member else ("", "")
    billing = await billing_row(order["id"])
    if billing is None:
        return Buyer(name=name, email=email)
    return Buyer(name=name, email=billing["invoice_email"] or email, company=billing["company"],
                  address=billing["address"], postcode=billing["postcode"], town=billing["town"],
                  country=billing["country"], vat_number=billing["vat_number"], reference=billing["reference"])


async def _insert(doc: InvoiceDocument, *, organiser_id: int, order: dict[str, Any], sequence: int,
                  credits_invoice_id: int | None, now: datetime) -> int:
    totals = doc.totals
    rows = await Invoice.insert(Invoice(
        organiser_id=organiser_id, order_id=order["id"], event_id=order["event"], buyer_id=order["buyer"],
        kind=doc.kind.value, series=doc.kind.series, year=doc.issued_on.year, sequence=sequence, number=doc.number,
        issued_on=doc.issued_on, credits_invoice_id=credits_invoice_id, total_excl_cents=totals.excl_cents,
        total_vat_cents=totals.vat_cents, total_incl_cents=totals.incl_cents,
        document=msgspec.json.decode(msgspec.json.encode(doc)), created_at=now,
    )).returning(Invoice.id)
    return int(rows[0]["id"])


async def issue_invoice(order_id: int, now: datetime, *, mail_buyer: bool = False) -> int | None:
    """The invoice of a paid order (in the caller's transaction): its id, or None when there is nothing to invoice
    (a free order) or the organiser has entered no seller details yet (logged; `issue_missing_invoices` issues it
    once they have)."""
    existing = await Invoice.select(Invoice.id).where(
        (Invoice.order_id == order_id) & (Invoice.kind == InvoiceKind.INVOICE.value)).first()
    if existing is not None:
        return int(existing["id"])
    order = await TicketOrder.select().where(TicketOrder.id == order_id).first()
    if order is None or order["amount_cents"] <= 0:
        return None
    event = await Event.select().where(Event.id == order["event"]).first()
    assert event is not None
    seller = await sellers.seller_of(event["organiser"])
    if seller is None:
        log.warning("No invoice for order %s: the organiser of %s has no seller details", order_id, event["slug"])
        return None
    issued_on = _local_date(now, event["timezone"])
    buyer = await _buyer(order)
    line = InvoiceLine(description=f"Duoticket {event['title']} (2 personen)", quantity=1,
                       unit_incl_cents=order["amount_cents"], rate=seller.vat_rate)
    draft = InvoiceDocument(
        kind=InvoiceKind.INVOICE, number="?", issued_on=issued_on,
        supply_date=_local_date(event["starts_at"], event["timezone"]), seller=seller, buyer=buyer, lines=(line,),
        event_title=event["title"], order_id=order_id,
    )
    missing = [m for m in rules.missing_legal_content(draft) if m != "number"]
    if missing:
        log.error("No invoice for order %s: missing %s", order_id, ", ".join(missing))
        return None
    sequence = await next_number(event["organiser"], InvoiceKind.INVOICE, issued_on.year)
    doc = msgspec.structs.replace(draft, number=rules.invoice_number(InvoiceKind.INVOICE, issued_on.year, sequence))
    invoice_id = await _insert(doc, organiser_id=event["organiser"], order=order, sequence=sequence,
                               credits_invoice_id=None, now=now)
    addresses = [buyer.email] if buyer.is_business and buyer.email else []
    if mail_buyer:  # issued after the payment mail went out: the buyer gets it on its own
        member = await Member.select(Member.email).where(Member.id == order["buyer"]).first()
        addresses += [member["email"]] if member and member["email"] not in addresses else []
    for address in addresses:
        await state.enqueue_mail(INVOICE_MAIL, order_id, None, address, f"invoice:{invoice_id}:{address}", now)
    return invoice_id


async def issue_credit_note(order_id: int, now: datetime) -> int | None:
    """The credit note that cancels the order's invoice in full (in the caller's transaction), mailed to the buyer
    and the invoice address: its id, or None when the order had no invoice."""
    invoice = await Invoice.select().where(
        (Invoice.order_id == order_id) & (Invoice.kind == InvoiceKind.INVOICE.value)).first()
    if invoice is None:
        return None
    existing = await Invoice.select(Invoice.id).where(
        (Invoice.order_id == order_id) & (Invoice.kind == InvoiceKind.CREDIT_NOTE.value)).first()
    if existing is not None:
        return int(existing["id"])
    order = await TicketOrder.select().where(TicketOrder.id == order_id).first()
    assert order is not None
    original = document_of(invoice)
    event = await Event.select(Event.timezone).where(Event.id == invoice["event_id"]).first()
    issued_on = _local_date(now, event["timezone"] if event else "Europe/Amsterdam")
    sequence = await next_number(invoice["organiser_id"], InvoiceKind.CREDIT_NOTE, issued_on.year)
    doc = rules.credit_note_of(original, rules.invoice_number(InvoiceKind.CREDIT_NOTE, issued_on.year, sequence),
                               issued_on)
    credit_id = await _insert(doc, organiser_id=invoice["organiser_id"], order=order, sequence=sequence,
                              credits_invoice_id=invoice["id"], now=now)
    member = await Member.select(Member.email).where(Member.id == order["buyer"]).first()
    for address in {a for a in ((member or {}).get("email", ""), original.buyer.email) if a}:
        await state.enqueue_mail(CREDIT_NOTE_MAIL, order_id, None, address, f"credit:{credit_id}:{address}", now)
    return credit_id


async def issue_missing_invoices(now: datetime | None = None, limit: int = 50) -> int:
    """Invoices for paid orders that have none because their organiser had no seller details when they were paid:
    issued (and mailed to the buyer and the invoice address) once the details are there. A background job in every
    worker: two workers issuing the same order's invoice meet at the unique index on (order, kind), and the loser's
    transaction, counter included, rolls back, so no number is burnt."""
    from core.db import unique_violation_raises, utcnow, write_transaction
    from invoicing.tables import SellerProfile

    now = now or utcnow()
    due = await TicketOrder.select(TicketOrder.id).where(
        (TicketOrder.status == OrderStatus.PAID) & (TicketOrder.amount_cents > 0)
        & TicketOrder.id.not_in(Invoice.select(Invoice.order_id).where(Invoice.kind == InvoiceKind.INVOICE.value))
        & TicketOrder.event._.organiser.is_in(SellerProfile.select(SellerProfile.organiser))
    ).order_by(TicketOrder.id).limit(limit)
    issued = 0
    for row in due:
        try:
            with unique_violation_raises(_AlreadyIssued()):
                async with write_transaction():
                    if await issue_invoice(row["id"], now, mail_buyer=True) is not None:
                        issued += 1
        except _AlreadyIssued:
            continue  # another worker issued it meanwhile
    return issued


class _AlreadyIssued(Exception):
    pass
