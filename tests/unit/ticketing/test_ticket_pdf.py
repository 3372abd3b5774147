"""One person's ticket as a PDF: read back with pypdf, its QR code decoded with zxing-cpp (issue 15)."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.support.pages import read_ticket_pdf
from ticketing.ticket_pdf import TicketPdf, filename, render_ticket_pdf

TICKET = TicketPdf(holder_name="Bram Öztürk", ticket_code="NG-9X2M-BRAM-7K3Q-ANNA",
                   event_title="Hackathon Klantcontact 2027",
                   starts_at=datetime(2027, 3, 13, 12, tzinfo=UTC), ends_at=datetime(2027, 3, 13, 20, tzinfo=UTC),
                   tz="Europe/Amsterdam", venue="De Fabriek\nFabrieksstraat 1, Utrecht",
                   issued_at=datetime(2027, 1, 5, 9, tzinfo=UTC), invited_by="Anna de Vries")


def test_the_pdf_holds_the_persons_own_code_as_text_and_as_a_scannable_qr_code() -> None:
    content = render_ticket_pdf(TICKET)
    assert content.startswith(b"%PDF-")
    text, codes = read_ticket_pdf(content)
    assert codes == ["NG-9X2M-BRAM-7K3Q-ANNA"]
    for expected in ("Hackathon Klantcontact 2027", "Bram Öztürk", "Uitgenodigd door Anna de Vries",
                     "zaterdag 13 maart 2027, 13:00", "Fabrieksstraat 1", "NG-9X2M-BRAM-7K3Q-ANNA"):
        assert expected in text, (expected, text)
    assert filename(TICKET) == "ticket-NG-9X2M-BRAM-7K3Q-ANNA.pdf"
    assert render_ticket_pdf(TICKET) == content  # the same ticket gives the same bytes


def test_english_and_a_name_outside_the_font() -> None:
    from dataclasses import replace

    text, codes = read_ticket_pdf(render_ticket_pdf(replace(TICKET, language="en", holder_name="Łukasz Ğül")))
    assert "Ticket for Lukasz Gül" in text
    assert "Saturday 13 March 2027" in text
    assert codes == [TICKET.ticket_code]
