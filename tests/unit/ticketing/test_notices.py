"""Mails that say what happened (issue 15): each situation's subject and key sentences, in Dutch and English, as
plain text and HTML with a viewport, and the calendar part parsed by icalendar and the strict `ical` parser."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from typing import cast

import icalendar
import pytest
from ical.calendar_stream import IcsCalendarStream

from events.calendar import CalendarEvent, event_uid, render_event_ics, scheduling_message
from ticketing.notices import NoticeData, Situation, build_situation_mail

HOST = "nieuwgeluid.example"
EVENT = CalendarEvent(id=7, slug="hackathon", title="Hackathon Klantcontact 2027",
                      start_utc=datetime(2027, 3, 13, 12, tzinfo=UTC), end_utc=datetime(2027, 3, 13, 20, tzinfo=UTC),
                      updated_at=datetime(2027, 1, 2, tzinfo=UTC), venue_name="De Fabriek",
                      venue_address="Fabrieksstraat 1, Utrecht", sequence=3)


def data(situation: Situation, **changes: object) -> NoticeData:
    values: dict[str, object] = dict(
        situation=situation, to_name="Kim Koper", to_email="kim@example.nl", is_buyer=True,
        event_title=EVENT.title, starts_at=EVENT.start_utc, ends_at=EVENT.end_utc,
        venue="De Fabriek\nFabrieksstraat 1, Utrecht", tz="Europe/Amsterdam", buyer_name="Kim Koper",
        companion_name="Sam Jong", former_companion_name="Noor Oud", amount_cents=9500, refund_pending=True,
        manage_url="https://nieuwgeluid.example/mijn/tickets")
    values.update(changes)
    return NoticeData(**values)  # type: ignore[arg-type]


def mail(notice: NoticeData) -> email.message.EmailMessage:
    method = {"REQUEST": "REQUEST", "CANCEL": "CANCEL"}
    from ticketing.notices import CALENDAR_METHOD

    chosen = CALENDAR_METHOD[notice.situation]
    calendar = None
    if chosen is not None:
        calendar = scheduling_message(render_event_ics(EVENT, HOST), event_uid(EVENT.id, HOST), method=method[chosen],
                                      organizer="tickets@nieuwgeluid.example", attendee=notice.to_email,
                                      sequence_bump=1 if chosen == "CANCEL" else 0)
    built = build_situation_mail(notice, sender="Nieuw Geluid <tickets@nieuwgeluid.example>",
                                 message_id="<m@nieuwgeluid.example>", calendar=calendar)
    return cast(email.message.EmailMessage,
                email.message_from_bytes(built.as_bytes(), policy=email.policy.default))


CASES = [
    # situation, to the buyer?, language, subject, key sentences
    (Situation.COMPANION_CHANGED, True, "nl", "Je partner voor Hackathon Klantcontact 2027 is gewijzigd",
     ["Je hebt Noor Oud vervangen door Sam Jong", "Je eigen ticket blijft hetzelfde."]),
    (Situation.COMPANION_CHANGED, True, "en", "Your companion for Hackathon Klantcontact 2027 has changed",
     ["You replaced Noor Oud with Sam Jong", "Your own ticket stays the same."]),
    (Situation.TICKET_VOIDED, False, "nl", "Je ticket voor Hackathon Klantcontact 2027 werkt niet meer",
     ["Kim Koper heeft een andere partner gekozen", "De bijlage haalt het evenement uit je agenda."]),
    (Situation.CANCELLED_BY_BUYER, True, "nl", "Je duoticket voor Hackathon Klantcontact 2027 is geannuleerd",
     ["Je hebt je duoticket voor Hackathon Klantcontact 2027 geannuleerd.", "We betalen €\u00a095,00 terug",
      "binnen 5 tot 10 werkdagen"]),
    (Situation.CANCELLED_BY_BUYER, False, "nl", "Je duoticket voor Hackathon Klantcontact 2027 is geannuleerd",
     ["Kim Koper heeft het duoticket voor Hackathon Klantcontact 2027 geannuleerd."]),
    (Situation.CANCELLED_BY_ORGANISER, True, "en",
     "The organiser has cancelled your duo ticket for Hackathon Klantcontact 2027",
     ["The organiser has cancelled your duo ticket", "We refund €95.00", "within 5 to 10 working days"]),
    (Situation.CANCELLED_BY_ORGANISER, False, "nl",
     "De organisator heeft je duoticket voor Hackathon Klantcontact 2027 geannuleerd",
     ["De organisator heeft het duoticket van Kim Koper"]),
    (Situation.CANCELLED_WITH_EVENT, True, "nl", "Hackathon Klantcontact 2027 gaat niet door",
     ["is door de organisator geannuleerd, en daarmee je duoticket", "De organisator schrijft: De zaal is dicht.",
      "We betalen €\u00a095,00 terug"]),
    (Situation.CANCELLED_WITH_EVENT, False, "en", "Hackathon Klantcontact 2027 is cancelled",
     ["and the duo ticket of Kim Koper with it"]),
    (Situation.REFUND_COMPLETED, True, "nl", "€\u00a095,00 voor Hackathon Klantcontact 2027 is teruggestort",
     ["We hebben €\u00a095,00 teruggestort", "binnen 5 tot 10 werkdagen"]),
    (Situation.EVENT_MOVED, False, "nl", "Hackathon Klantcontact 2027 is verplaatst",
     ["De tijd of plaats van Hackathon Klantcontact 2027 is gewijzigd", "zaterdag 13 maart 2027, 13:00–21:00",
      "De Fabriek, Fabrieksstraat 1, Utrecht"]),
]


@pytest.mark.parametrize(("situation", "to_buyer", "language", "subject", "sentences"), CASES,
                         ids=[f"{c[0].value}-{'buyer' if c[1] else 'companion'}-{c[2]}" for c in CASES])
def test_each_situation_says_what_happened(situation: Situation, to_buyer: bool, language: str, subject: str,
                                           sentences: list[str]) -> None:
    message = mail(data(situation, is_buyer=to_buyer, language=language, cancel_reason="De zaal is dicht."))
    assert str(message["Subject"]).strip() == subject
    assert message["Content-Language"] == language
    text = message.get_body(("plain",)).get_content()
    page = message.get_body(("html",)).get_content()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    for sentence in sentences:
        assert sentence in text, (sentence, text)
        assert sentence.replace("'", "&#x27;") in page.replace("\n", " ") or sentence in page, sentence
    if not to_buyer:  # the companion paid nothing: no amount in their mails
        assert "95" not in text


def test_a_cancelled_hold_says_nothing_was_charged() -> None:
    message = mail(data(Situation.CANCELLED_BY_BUYER, amount_cents=0, refund_pending=False))
    assert "Er was nog niets betaald" in message.get_body(("plain",)).get_content()


@pytest.mark.parametrize(("situation", "method"), [(Situation.EVENT_MOVED, "REQUEST"),
                                                    (Situation.COMPANION_CHANGED, "REQUEST"),
                                                    (Situation.TICKET_VOIDED, "CANCEL"),
                                                    (Situation.CANCELLED_WITH_EVENT, "CANCEL")])
def test_the_calendar_part_updates_or_cancels_the_imported_copy(situation: Situation, method: str) -> None:
    message = mail(data(situation))
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == method
    raw = part.get_payload(decode=True)
    parsed = icalendar.Calendar.from_ical(raw)
    assert str(parsed["METHOD"]) == method
    [vevent] = parsed.walk("VEVENT")
    assert str(vevent["UID"]) == "event-7@nieuwgeluid.example"  # the feeds' UID
    assert int(vevent["SEQUENCE"]) == (3 if method == "REQUEST" else 4)
    assert (str(vevent.get("STATUS")) == "CANCELLED") == (method == "CANCEL")
    [strict] = IcsCalendarStream.calendar_from_ics(raw.decode()).events
    assert strict.uid == "event-7@nieuwgeluid.example"


def test_the_refund_mail_has_no_calendar_part() -> None:
    message = mail(data(Situation.REFUND_COMPLETED))
    assert not [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
