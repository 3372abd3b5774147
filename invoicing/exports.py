"""The organiser's bookkeeping export of an event: every invoice and credit note as a CSV (one row per document and
BTW rate) and as a ZIP with every PDF and that CSV.

The CSV is what Dutch Excel opens as columns without an import dialogue: UTF-8 with a byte-order mark, `;` between
cells, amounts with a decimal comma and no thousands separator; text cells go through core.spreadsheet's formula
neutralisation (a company name is typed by a buyer). The ZIP's entries carry their invoice's date, so the same
invoices give the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from core.principal import Principal
from core.spreadsheet import CommaAmount, csv_text
from invoicing.documents import invoice_out
from invoicing.issuing import document_of
from invoicing.pdf import filename, render_pdf
from invoicing.rules import InvoiceKind
from invoicing.schemas import InvoiceOut
from invoicing.tables import Invoice
from ticketing import access

CSV_COLUMNS = ("Soort", "Nummer", "Datum", "Crediteert factuur", "Bestelling", "Klant", "Btw-nummer klant",
               "Referentie", "E-mail", "Leverdatum", "Omschrijving", "Btw-tarief", "Bedrag excl. btw", "Btw",
               "Bedrag incl. btw")


async def _rows(actor: Principal, slug: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    event = await access.managed_event(actor, slug)
    rows = await Invoice.select().where(Invoice.event_id == event["id"]).order_by(
        Invoice.series, ascending=False).order_by(Invoice.year, Invoice.sequence)  # F(actuur) before C(redit)
    return event, rows


async def event_invoices(actor: Principal, slug: str) -> list[InvoiceOut]:
    """Every invoice and credit note of the event (its organiser), invoices first, in number order."""
    _, rows = await _rows(actor, slug)
    return [invoice_out(r) for r in rows]


def _csv(rows: list[dict[str, Any]]) -> str:
    lines = []
    for row in rows:
        doc = document_of(row)
        kind = "Factuur" if doc.kind is InvoiceKind.INVOICE else "Creditnota"
        description = "; ".join(line.description for line in doc.lines)
        for per in doc.totals.per_rate:
            lines.append([kind, doc.number, doc.issued_on.isoformat(), doc.credits_number, doc.order_id,
                          doc.buyer.company or doc.buyer.name, doc.buyer.vat_number, doc.buyer.reference,
                          doc.buyer.email, doc.supply_date.isoformat(), description, per.rate.label_nl,
                          CommaAmount(per.excl_cents), CommaAmount(per.vat_cents), CommaAmount(per.incl_cents)])
    return csv_text(CSV_COLUMNS, lines)  # with the BOM and `;` Dutch Excel wants


async def invoices_csv(actor: Principal, slug: str) -> str:
    """The event's invoices and credit notes for the bookkeeping (see the module docstring)."""
    _, rows = await _rows(actor, slug)
    return _csv(rows)


async def invoices_zip(actor: Principal, slug: str) -> bytes:
    """Every PDF of the event, and `facturen.csv` beside them."""
    event, rows = await _rows(actor, slug)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        latest = (1980, 1, 1, 0, 0, 0)
        for row in rows:
            doc = document_of(row)
            stamp = (doc.issued_on.year, doc.issued_on.month, doc.issued_on.day, 12, 0, 0)
            latest = max(latest, stamp)
            archive.writestr(zipfile.ZipInfo(filename(doc), date_time=stamp), render_pdf(doc))
        archive.writestr(zipfile.ZipInfo(f"facturen-{event['slug']}.csv", date_time=latest),
                         _csv(rows).encode("utf-8"))
    return out.getvalue()
