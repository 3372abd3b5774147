"""Invoicing's mails and attachments, registered at start-up with the outbox (notifications.outbox) and ticketing's
hooks (ticketing.hooks):

- the invoice PDF on the buyer's payment mail (the ticket confirmation);
- `invoice_copy`: the invoice to the address the buyer gave for invoices (their employer's accounts payable);
- `credit_note`: the credit note to the buyer and that address, once the refund went through.

Composed when the outbox sends them, from the stored invoice, like every other mail.
"""

from __future__ import annotations

from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from typing import Any

from invoicing.issuing import CREDIT_NOTE_MAIL, INVOICE_MAIL, document_of, issue_credit_note, issue_invoice
from invoicing.pdf import filename, render_pdf
from invoicing.rules import InvoiceDocument, InvoiceKind, format_euro
from invoicing.tables import Invoice
from members.tables import Member
from notifications import outbox
from ticketing import hooks
from ticketing.hooks import Attachment
from ticketing.tables import TicketOrder


async def _stored(order_id: int, kind: InvoiceKind) -> InvoiceDocument | None:
    row = await Invoice.select().where((Invoice.order_id == order_id) & (Invoice.kind == kind.value)).first()
    return document_of(row) if row else None


def pdf_attachment(doc: InvoiceDocument) -> Attachment:
    return Attachment(filename=filename(doc), content=render_pdf(doc), maintype="application", subtype="pdf")


async def invoice_on_payment_mail(kind: str, order_id: int, role: str) -> list[Attachment]:
    """The invoice PDF on the buyer's ticket confirmation (never on the companion's)."""
    if kind != "ticket_confirmation" or role != "buyer":
        return []
    doc = await _stored(order_id, InvoiceKind.INVOICE)
    return [pdf_attachment(doc)] if doc else []


_TEXTS = {
    "nl": {
        INVOICE_MAIL: ("Factuur {number}: {title}",
                       "Hierbij de factuur {number} voor een duoticket voor {title}, besteld door {buyer}"
                       "{reference}. Het bedrag van {amount} is al betaald; u hoeft niets over te maken."),
        CREDIT_NOTE_MAIL: ("Creditnota {number}: {title}",
                           "Het duoticket voor {title} is geannuleerd en {amount} is terugbetaald. Hierbij de "
                           "creditnota {number}, die factuur {credits} crediteert{reference}."),
    },
    "en": {
        INVOICE_MAIL: ("Invoice {number}: {title}",
                       "Please find attached invoice {number} for a duo ticket for {title}, ordered by {buyer}"
                       "{reference}. The amount of {amount} has been paid; nothing is due."),
        CREDIT_NOTE_MAIL: ("Credit note {number}: {title}",
                           "The duo ticket for {title} has been cancelled and {amount} refunded. Please find "
                           "attached credit note {number}, which credits invoice {credits}{reference}."),
    },
}


async def compose(mail: dict[str, Any], settings: Any) -> EmailMessage | None:
    """An `invoice_copy` or `credit_note` outbox row as a message with its PDF (None when there is none)."""
    kind = InvoiceKind.INVOICE if mail["kind"] == INVOICE_MAIL else InvoiceKind.CREDIT_NOTE
    doc = await _stored(mail["order"], kind)
    order = await TicketOrder.select(TicketOrder.buyer).where(TicketOrder.id == mail["order"]).first()
    if doc is None or order is None:
        return None
    member = await Member.select(Member.email, Member.language).where(Member.id == order["buyer"]).first()
    to_buyer = member is not None and member["email"] == mail["to_email"]
    language = "en" if to_buyer and member and member["language"] == "en" else "nl"
    subject, body = _TEXTS[language][mail["kind"]]
    reference = ""
    if doc.buyer.reference:
        reference = f" (uw referentie {doc.buyer.reference})" if language == "nl" \
            else f" (your reference {doc.buyer.reference})"
    values = {"number": doc.number, "title": doc.event_title, "buyer": doc.buyer.name, "reference": reference,
              "amount": format_euro(abs(doc.totals.incl_cents)), "credits": doc.credits_number}
    message = EmailMessage()
    message["Subject"] = subject.format(**values)
    message["From"] = settings.mail_from
    message["To"] = Address(addr_spec=mail["to_email"])
    message["Message-ID"] = mail["message_id"]
    message["Auto-Submitted"] = "auto-generated"
    greeting = "Goedendag," if language == "nl" else "Hello,"
    message.set_content(f"{greeting}\n\n{body.format(**values)}\n\n{doc.seller.legal_name}\n")
    extra = pdf_attachment(doc)
    message.add_attachment(extra.content, maintype=extra.maintype, subtype=extra.subtype, filename=extra.filename)
    message["Content-Language"] = language
    return message


async def _issue_invoice(order_id: int, now: datetime) -> None:
    await issue_invoice(order_id, now)


async def _issue_credit_note(order_id: int, now: datetime) -> None:
    await issue_credit_note(order_id, now)


def install() -> None:
    """Register invoicing with ticketing (idempotent): issue on payment and refund, attach, compose."""
    hooks.on_order_paid(_issue_invoice)
    hooks.on_order_refunded(_issue_credit_note)
    hooks.on_mail_attachments(invoice_on_payment_mail)
    outbox.register_composer(INVOICE_MAIL, compose)
    outbox.register_composer(CREDIT_NOTE_MAIL, compose)
