"""One person's ticket as a PDF (issue 15): their name, the event, when and where, their code and its QR code,
drawn with fpdf2. Pure: a frozen dataclass in, bytes out; no I/O, no clock (the PDF's creation date is the
ticket's issue time, so the same ticket always gives the same bytes).

Each PDF holds ONE person's code: the buyer's and the companion's are separate documents, as their mails are.
The QR code is the same PNG as in the mail and on the page (`ticketing.mail.qr_png`), placed 70 mm wide: a door
scanner reads it from paper and from a phone screen alike. fpdf2's built-in Helvetica (windows-1252) needs no
font file; a character outside it loses its accent (or becomes "?") rather than failing the download.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from core.pdf import ENCODING, fit
from notifications.layout import Language, format_when
from ticketing.mail import qr_png

QR_MM = 70

_TEXTS: dict[Language, dict[str, str]] = {
    "nl": {"title": "Ticket", "for": "Ticket van", "when": "Wanneer", "where": "Waar", "code": "Ticketcode",
           "scan": "Laat deze QR-code bij de ingang zien. Deze code is alleen van jou: deel hem niet.",
           "invited": "Uitgenodigd door {name}"},
    "en": {"title": "Ticket", "for": "Ticket for", "when": "When", "where": "Where", "code": "Ticket code",
           "scan": "Show this QR code at the entrance. This code is yours alone: do not share it.",
           "invited": "Invited by {name}"},
}


@dataclass(frozen=True, slots=True)
class TicketPdf:
    """What one person's ticket shows. Times are timezone-aware UTC; `tz` is the event's zone."""

    holder_name: str
    ticket_code: str
    event_title: str
    starts_at: datetime
    ends_at: datetime
    tz: str
    venue: str  # lines joined by newlines
    issued_at: datetime
    invited_by: str = ""  # for a companion: the buyer's name
    language: Language = "nl"
    organisation: str = "Nieuw Geluid"


def _line(value: str) -> str:
    return fit(value, one_line=True)


def filename(ticket: TicketPdf) -> str:
    return f"ticket-{ticket.ticket_code}.pdf"


def render_ticket_pdf(ticket: TicketPdf) -> bytes:
    from fpdf import FPDF  # here, not at the top: fpdf and fontTools are a sixth of importing the app (~145 ms
    # of every process start: workers, CLI commands), and only a PDF needs them

    texts = _TEXTS[ticket.language]
    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = ENCODING
    pdf.set_creation_date(ticket.issued_at)
    pdf.set_title(_line(f"{texts['title']} {ticket.event_title} - {ticket.holder_name}"))
    pdf.set_author(_line(ticket.organisation))
    pdf.set_producer("Nieuw Geluid (fpdf2)")
    pdf.set_auto_page_break(auto=False)
    pdf.add_page()
    width = pdf.epw

    def line(value: str, size: float = 11, style: str = "", align: str = "L") -> None:
        pdf.set_font("helvetica", style=style, size=size)
        pdf.multi_cell(w=width, h=size * 0.5 + 1.5, text=_line(value), align=align, new_x="LMARGIN", new_y="NEXT")

    line(ticket.organisation, 10, "B")
    pdf.ln(4)
    line(ticket.event_title, 20, "B")
    pdf.ln(2)
    line(f"{texts['for']} {ticket.holder_name}", 14)
    if ticket.invited_by:
        line(texts["invited"].format(name=ticket.invited_by), 10)
    pdf.ln(4)
    line(f"{texts['when']}: {format_when(ticket.starts_at, ticket.ends_at, ticket.tz, ticket.language)}")
    venue = [part.strip() for part in ticket.venue.splitlines() if part.strip()]
    if venue:
        line(f"{texts['where']}: {', '.join(venue)}")
    pdf.ln(6)
    x = pdf.l_margin + (width - QR_MM) / 2
    pdf.image(io.BytesIO(qr_png(ticket.ticket_code)), x=x, y=pdf.get_y(), w=QR_MM, h=QR_MM)
    pdf.set_y(pdf.get_y() + QR_MM + 4)
    line(f"{texts['code']}: {ticket.ticket_code}", 14, "B", align="C")
    pdf.ln(2)
    line(texts["scan"], 10, align="C")
    return bytes(pdf.output())
