"""An invoice or credit note as PDF, drawn with fpdf2 from its frozen document. Pure: bytes out, no I/O.

What it shows is what Dutch law asks of an invoice (Belastingdienst, "factuureisen"): the number and date, the
supplier's name, address, KvK and BTW number, the customer's name and address (and BTW number when given), what
was supplied and when (the date of the event), per rate the amount excluding BTW, the rate and the BTW, and the
total; for an exempt supply the legal ground, for a credit note the invoice it corrects.

fpdf2's built-in Helvetica is used (no font file to ship): with windows-1252 it has €, “quotes” and Dutch,
French and German accents. A character outside it (a Polish ł, a Turkish ğ) is written without its accent, or
as "?", rather than failing the payment that issues the invoice. The bytes are stable: the PDF's creation date
is the invoice date, so rendering it again gives the same file.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

from core.pdf import ENCODING, fit
from invoicing.rules import InvoiceDocument, InvoiceKind, VatRate, format_euro

MONTHS_NL = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
             "november", "december")


def _date(value: object) -> str:
    day = value  # a date
    return f"{day.day} {MONTHS_NL[day.month - 1]} {day.year}"  # type: ignore[attr-defined]


def _rate_label(rate: VatRate) -> str:
    return "vrijgesteld" if rate is VatRate.EXEMPT else f"{rate.percent}%"


def filename(doc: InvoiceDocument) -> str:
    prefix = "factuur" if doc.kind is InvoiceKind.INVOICE else "creditnota"
    return f"{prefix}-{doc.number}.pdf"


def render_pdf(doc: InvoiceDocument) -> bytes:
    from fpdf import FPDF  # here, not at the top: fpdf and fontTools are a sixth of importing the app (~145 ms
    # of every process start: workers, CLI commands), and only a PDF needs them

    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = ENCODING
    pdf.set_creation_date(datetime.combine(doc.issued_on, time(12), tzinfo=UTC))
    title = "Factuur" if doc.kind is InvoiceKind.INVOICE else "Creditnota"
    pdf.set_title(f"{title} {doc.number}")
    pdf.set_author(fit(doc.seller.legal_name))
    pdf.set_producer("Nieuw Geluid (fpdf2)")
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    width = pdf.epw

    def text(value: str, size: float = 10, style: str = "", align: str = "L", w: float = 0, ln: bool = True) -> None:
        pdf.set_font("helvetica", style=style, size=size)
        pdf.cell(w=w or width, h=size * 0.5 + 1, text=fit(value), align=align,
                 new_x="LMARGIN" if ln else "RIGHT", new_y="NEXT" if ln else "TOP")

    seller = doc.seller
    text(seller.legal_name, 14, "B")
    text(seller.address)
    text(f"{seller.postcode} {seller.town}" + ("" if seller.country == "NL" else f", {seller.country}"))
    text(f"KvK {seller.kvk_number}" + (f"   Btw-nummer {seller.btw_number}" if seller.btw_number else ""))
    if seller.iban:
        text(f"IBAN {seller.iban}")
    pdf.ln(6)
    text(title, 18, "B")
    text(f"{title}nummer: {doc.number}")
    text(f"{title}datum: {_date(doc.issued_on)}")
    if doc.kind is InvoiceKind.CREDIT_NOTE:
        credited = f"Crediteert factuur {doc.credits_number}"
        if doc.credits_issued_on:
            credited += f" van {_date(doc.credits_issued_on)}"
        text(credited, style="B")
    text(f"Datum van levering (evenement): {_date(doc.supply_date)}")
    text(f"Bestelling: {doc.order_id}")
    pdf.ln(4)

    buyer = doc.buyer
    text("Aan", style="B")
    if buyer.is_business:
        text(buyer.company)
        text(f"t.a.v. {buyer.name}")
        text(buyer.address)
        text(f"{buyer.postcode} {buyer.town}" + ("" if buyer.country in ("", "NL") else f", {buyer.country}"))
        if buyer.vat_number:
            text(f"Btw-nummer: {buyer.vat_number}")
        if buyer.reference:
            text(f"Uw referentie: {buyer.reference}")
    else:
        text(buyer.name)
        text(buyer.email)
    pdf.ln(6)

    columns = (("Omschrijving", 0.46, "L"), ("Aantal", 0.09, "R"), ("Tarief", 0.13, "R"), ("Excl. btw", 0.16, "R"),
               ("Btw", 0.16, "R"))
    pdf.set_font("helvetica", style="B", size=10)
    for label, share, align in columns:
        pdf.cell(w=width * share, h=7, text=label, align=align, border="B")
    pdf.ln()
    pdf.set_font("helvetica", size=10)
    for line in doc.lines:
        split = line.split
        cells = (line.description, str(line.quantity), _rate_label(line.rate), format_euro(split.excl_cents),
                 format_euro(split.vat_cents))
        for (_, share, align), value in zip(columns, cells, strict=True):
            pdf.cell(w=width * share, h=7, text=fit(value), align=align)
        pdf.ln()
    pdf.ln(3)

    totals = doc.totals
    label_w, value_w = width * 0.7, width * 0.3
    for per in totals.per_rate:
        rate = _rate_label(per.rate)
        text(f"Totaal excl. btw ({rate})", w=label_w, align="R", ln=False)
        text(format_euro(per.excl_cents), w=value_w, align="R")
        if per.rate is not VatRate.EXEMPT:
            text(f"Btw {rate} over {format_euro(per.excl_cents)}", w=label_w, align="R", ln=False)
            text(format_euro(per.vat_cents), w=value_w, align="R")
    text("Totaal btw", w=label_w, align="R", ln=False)
    text(format_euro(totals.vat_cents), w=value_w, align="R")
    text("Totaal incl. btw", style="B", w=label_w, align="R", ln=False)
    text(format_euro(totals.incl_cents), style="B", w=value_w, align="R")
    pdf.ln(6)
    if doc.exemption_text:
        pdf.set_font("helvetica", size=9)
        pdf.multi_cell(w=width, h=5, text=fit(doc.exemption_text))
    pdf.set_font("helvetica", size=9)
    if doc.kind is InvoiceKind.INVOICE:
        note = "Betaald met de bestelling; u hoeft niets meer over te maken."
    else:
        note = "Het bedrag is teruggestort op de rekening waarmee is betaald."
    pdf.multi_cell(w=width, h=5, text=fit(f"{note} Evenement: {doc.event_title}."))
    return bytes(pdf.output())
