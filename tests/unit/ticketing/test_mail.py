"""The ticket confirmation: composed correctly (pure), and delivered to a real SMTP server."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path
from typing import cast

import icalendar
import pytest

from notifications.mailer import SmtpSettings, send_message, write_to_maildir
from tests.support.smtp import smtp_sink
from ticketing.mail import Attendee, TicketMailData, build_ticket_confirmation, format_when, qr_png

SENDER = Address("Nieuw Geluid", "tickets", "nieuwgeluid.example")
BUYER = Attendee("Anna de Vries", "anna@example.nl", "NG-7K3Q-ANNA")
COMPANION = Attendee("Bram Öztürk", "bram@example.nl", "NG-9X2M-BRAM")


def make_ics() -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Nieuw Geluid//tests//NL")
    calendar.add("version", "2.0")
    event = icalendar.Event()
    event.add("uid", "event-1@nieuwgeluid.example")
    event.add("dtstamp", datetime(2027, 1, 1, tzinfo=UTC))
    event.add("dtstart", datetime(2027, 3, 13, 12, 0, tzinfo=UTC))
    event.add("dtend", datetime(2027, 3, 13, 20, 0, tzinfo=UTC))
    event.add("summary", "Hackathon Klantcontact 2027")
    calendar.add_component(event)
    return calendar.to_ical()


def mail_data(**changes: object) -> TicketMailData:
    values: dict[str, object] = {
        "event_title": "Hackathon Klantcontact 2027",
        "starts_at": datetime(2027, 3, 13, 12, 0, tzinfo=UTC),
        "ends_at": datetime(2027, 3, 13, 20, 0, tzinfo=UTC),
        "venue": "De Fabriek\nFabrieksstraat 1\nUtrecht",
        "buyer": BUYER,
        "companion": COMPANION,
        "recipient": "buyer",
        "manage_url": "https://nieuwgeluid.example/tickets/abc",
    }
    values.update(changes)
    return TicketMailData(**values)  # type: ignore[arg-type]


def build(data: TicketMailData) -> EmailMessage:
    return build_ticket_confirmation(
        data, sender=SENDER, message_id_domain="nieuwgeluid.example", ics=make_ics()
    )


def reparse(message: EmailMessage) -> EmailMessage:
    # What a mail client sees: the serialised bytes, parsed again.
    return cast(EmailMessage, email.message_from_bytes(message.as_bytes(), policy=email.policy.default))


def parts(message: EmailMessage) -> dict[str, list[EmailMessage]]:
    found: dict[str, list[EmailMessage]] = {}
    for part in message.walk():
        found.setdefault(part.get_content_type(), []).append(cast(EmailMessage, part))
    return found


def test_dutch_confirmation_for_the_buyer() -> None:
    message = reparse(build(mail_data()))
    assert message["Subject"] == "Je duoticket voor Hackathon Klantcontact 2027"
    assert message["To"].addresses[0].addr_spec == "anna@example.nl"
    assert message["To"].addresses[0].display_name == "Anna de Vries"
    assert message["From"].addresses[0].addr_spec == "tickets@nieuwgeluid.example"
    assert message["Message-ID"].endswith("@nieuwgeluid.example>")
    assert message["Content-Language"] == "nl"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/mixed"

    by_type = parts(message)
    text = by_type["text/plain"][0].get_content()
    html = by_type["text/html"][0].get_content()
    for body in (text, html):
        assert "Anna de Vries" in body
        assert "Bram Öztürk" in body
        assert "NG-7K3Q-ANNA" in body
        # 12:00 UTC on 13 March 2027 is 13:00 in Amsterdam (CET).
        assert "zaterdag 13 maart 2027, 13:00–21:00" in body
        assert "Fabrieksstraat 1" in body
    assert "Je ticket: NG-7K3Q-ANNA" in text
    assert "https://nieuwgeluid.example/tickets/abc" in text
    assert 'href="https://nieuwgeluid.example/tickets/abc"' in html


@pytest.mark.parametrize(("recipient", "own", "other"), [("buyer", "NG-7K3Q-ANNA", "NG-9X2M-BRAM"),
                                                         ("companion", "NG-9X2M-BRAM", "NG-7K3Q-ANNA")])
def test_each_person_gets_only_their_own_code_and_qr(recipient: str, own: str, other: str) -> None:
    """Issue 15: the door code is a bearer secret of one person; the partner's code never travels in a mail."""
    message = reparse(build(mail_data(recipient=recipient)))
    assert other not in message.as_string()
    by_type = parts(message)
    [image] = by_type["image/png"]
    assert image.get_content_disposition() == "inline"
    assert image.get_content() == qr_png(own)
    assert f'src="cid:{image["Content-ID"].strip("<>")}"' in by_type["text/html"][0].get_content()
    assert own in by_type["text/plain"][0].get_content()


def test_ics_attachment_parses() -> None:
    message = reparse(build(mail_data()))
    attachments = list(message.iter_attachments())
    assert [a.get_content_type() for a in attachments] == ["text/calendar"]
    attachment = attachments[0]
    assert attachment.get_filename() == "evenement.ics"
    assert attachment.get_param("method") == "PUBLISH"
    raw = attachment.get_payload(decode=True)
    assert b"\r\n" in raw  # iCalendar's CRLF line endings survive the transfer encoding
    calendar = icalendar.Calendar.from_ical(raw)
    [event] = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Hackathon Klantcontact 2027"
    assert event.decoded("DTSTART") == datetime(2027, 3, 13, 12, 0, tzinfo=UTC)


def test_companion_gets_their_own_copy() -> None:
    message = reparse(build(mail_data(recipient="companion")))
    assert message["To"].addresses[0].addr_spec == "bram@example.nl"
    assert message["Subject"] == "Anna de Vries neemt je mee naar Hackathon Klantcontact 2027"
    text = parts(message)["text/plain"][0].get_content()
    assert text.startswith("Hallo Bram Öztürk,")
    assert "Je ticket: NG-9X2M-BRAM" in text
    assert "Anna de Vries" in text


def test_english_when_preferred() -> None:
    message = reparse(build(mail_data(language="en", recipient="companion")))
    assert message["Subject"] == "Anna de Vries is taking you to Hackathon Klantcontact 2027"
    assert message["Content-Language"] == "en"
    text = parts(message)["text/plain"][0].get_content()
    assert "Saturday 13 March 2027, 13:00–21:00" in text
    assert next(message.iter_attachments()).get_filename() == "event.ics"


def test_user_text_is_escaped_and_kept_on_one_header_line() -> None:
    hostile = Attendee("Eve <script>alert(1)</script>\nBcc: x@evil.example", "eve@example.nl", "NG-EVE")
    message = reparse(build(mail_data(buyer=hostile, event_title="Hack & Learn\r\nBcc: y@evil.example")))
    assert message["Bcc"] is None
    assert message["Subject"] == "Je duoticket voor Hack & Learn Bcc: y@evil.example"
    html = parts(message)["text/html"][0].get_content()
    # A name with markup never reaches the mail at all (issue 11: a stand-in instead); the rest is escaped.
    assert "<script>" not in html
    assert "alert(1)" not in html
    assert "script" not in message.as_string()
    assert "Hack &amp; Learn" in html
    quoted = reparse(build(mail_data(companion=Attendee("Zoë O'Brien", "zoe@example.nl", "NG-ZOE"))))
    assert "Zoë O&#x27;Brien" in parts(quoted)["text/html"][0].get_content()


def test_when_spans_midnight_and_summer_time() -> None:
    start = datetime(2027, 7, 2, 16, 0, tzinfo=UTC)  # 18:00 CEST
    end = datetime(2027, 7, 3, 8, 0, tzinfo=UTC)  # 10:00 CEST next day
    expected = "vrijdag 2 juli 2027, 18:00 – zaterdag 3 juli 2027, 10:00"
    assert format_when(start, end, "Europe/Amsterdam", "nl") == expected


def test_message_id_can_be_fixed_for_resends() -> None:
    message = build_ticket_confirmation(
        mail_data(), sender="tickets@nieuwgeluid.example", message_id_domain="nieuwgeluid.example",
        ics=make_ics(), message_id="<order-42-buyer@nieuwgeluid.example>",
    )
    assert message["Message-ID"] == "<order-42-buyer@nieuwgeluid.example>"
    assert message["Date"] is None  # the composer reads no clock; the mailer dates it on sending


@pytest.mark.anyio
async def test_sending_reaches_a_real_smtp_server() -> None:
    messages = [build(mail_data()), build(mail_data(recipient="companion"))]
    async with smtp_sink() as sink:
        settings = SmtpSettings(host=sink.host, port=sink.port, start_tls=False, timeout=5)
        for message in messages:
            await send_message(message, settings)
        received = await sink.wait_for_messages(2)

    assert [mail.rcpt_tos for mail in received] == [["anna@example.nl"], ["bram@example.nl"]]
    assert all(mail.mail_from == "tickets@nieuwgeluid.example" for mail in received)
    delivered = received[0].message
    assert delivered["Message-ID"] == messages[0]["Message-ID"]
    assert delivered["Date"] is not None
    assert len(parts(delivered)["image/png"]) == 1
    calendar = icalendar.Calendar.from_ical(next(delivered.iter_attachments()).get_payload(decode=True))
    assert str(calendar.walk("VEVENT")[0]["SUMMARY"]) == "Hackathon Klantcontact 2027"


def test_write_to_maildir(tmp_path: Path) -> None:
    path = write_to_maildir(build(mail_data()), tmp_path / "mail")
    assert path.suffix == ".eml"
    assert path.parent == tmp_path / "mail"
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left behind
    again = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert again["Subject"] == "Je duoticket voor Hackathon Klantcontact 2027"
    assert again["Date"] is not None


def test_smtp_password_is_not_in_repr() -> None:
    assert "s3cret" not in repr(SmtpSettings(username="u", password="s3cret"))


def test_a_name_that_could_carry_a_link_never_reaches_a_mail() -> None:
    """Names are refused when typed (members.rules.name_problem); one stored before that check is replaced by a
    stand-in in every mail to someone who did not choose it (issue 11)."""
    from ticketing.mail import build_notice

    phishy = Attendee("Lees dit: http://phish.example", "bram@example.nl", "NG-9X2M-BRAM")
    buyer = Attendee("Klik op www.phish.example", "anna@example.nl", "NG-7K3Q-ANNA")
    for recipient in ("buyer", "companion"):
        message = build_ticket_confirmation(mail_data(buyer=buyer, companion=phishy, recipient=recipient),
                                            sender=SENDER, message_id_domain="nieuwgeluid.example", ics=make_ics())
        assert "phish" not in message.as_string()
    companion_mail = build_ticket_confirmation(mail_data(buyer=buyer, companion=phishy, recipient="companion"),
                                               sender=SENDER, message_id_domain="nieuwgeluid.example", ics=make_ics())
    assert str(companion_mail["Subject"]).startswith("Een deelnemer neemt je mee")
    notice = build_notice("ticket_voided", to_name=phishy.name, to_email=phishy.email, event_title="Hackathon",
                          buyer_name=buyer.name, sender=SENDER, message_id="<x@nieuwgeluid.example>")
    text = notice.get_content()
    assert "phish" not in notice.as_string()
    assert text.startswith("Hallo,\n")
    assert "Een deelnemer heeft" in text
