"""Form parsing for the pages: prices as people type them, the event form, and where service errors go."""

from __future__ import annotations

from datetime import datetime

import pytest

from frontend.forms import (
    FormError,
    blank_event_form,
    event_error_field,
    event_form_from_post,
    event_form_from_view,
    format_price_input,
    parse_event_form,
    parse_price_cents,
    parse_time,
)
from tests.support.event_views import details, event_out, session


@pytest.mark.parametrize(
    ("typed", "cents"),
    [("95", 9500), ("95,00", 9500), ("95,5", 9550), ("95.50", 9550), ("€ 95,00", 9500), ("€\u00a095", 9500),
     ("1.250,00", 125000), ("1.250", 125000), ("1250", 125000), ("0", 0), ("", 0), ("12,-", 1200),
     ("0,01", 1)],
)
def test_prices_as_people_type_them(typed: str, cents: int) -> None:
    assert parse_price_cents(typed) == cents


@pytest.mark.parametrize("typed", ["abc", "-5", "9,999", "1e3x", "NaN"])
def test_prices_that_are_not_prices(typed: str) -> None:
    with pytest.raises(FormError):
        parse_price_cents(typed)


def test_price_round_trip() -> None:
    assert format_price_input(9500) == "95,00"
    assert parse_price_cents(format_price_input(123456)) == 123456


@pytest.mark.parametrize(("typed", "expected"), [("13:00", "13:00"), ("9:05", "09:05"), ("13.30", "13:30"),
                                                 ("1330", "13:30")])
def test_times(typed: str, expected: str) -> None:
    assert parse_time(typed).strftime("%H:%M") == expected


POSTED = {
    "title": "Hackathon", "description": "", "date": "2027-03-10", "end_date": "", "start_time": "13:00",
    "end_time": "21:00", "venue_name": "Zaal", "address": "", "online_url": "", "capacity_duos": "40",
    "price": "95", "_csrf_token": "x",
    "themes-0-key": "keurmerk", "themes-0-title": "Keurmerk", "themes-0-description": "Kwaliteit",
    "themes-a1-key": "", "themes-a1-title": "Chatbots", "themes-a1-description": "",
    "themes-a2-key": "", "themes-a2-title": "", "themes-a2-description": "",
    "agenda-0-id": "7", "agenda-0-day": "0", "agenda-0-title": "Ronde 1", "agenda-0-start": "14:00",
    "agenda-0-end": "15:30", "agenda-0-room": "", "agenda-0-breakout": "1",
    "agenda-1-id": "", "agenda-1-day": "0", "agenda-1-title": "", "agenda-1-start": "", "agenda-1-end": "",
    "agenda-1-room": "",
    "agenda-ff-id": "", "agenda-ff-day": "0", "agenda-ff-title": "Aftrap", "agenda-ff-start": "13:00",
    "agenda-ff-end": "13:30", "agenda-ff-room": "Foyer",
}


def test_event_form_to_service_input() -> None:
    parsed, errors = parse_event_form(event_form_from_post(POSTED))
    assert errors == {}
    assert parsed is not None
    data = parsed.data
    assert data["starts_at"] == datetime(2027, 3, 10, 13)
    assert data["ends_at"] == datetime(2027, 3, 10, 21)
    assert data["price_cents"] == 9500
    assert data["capacity_duos"] == 40
    assert [t["key"] for t in data["themes"]] == ["keurmerk", "chatbots"]  # empty rows skipped, keys kept
    assert [(s["title"], s.get("id"), s["is_breakout_round"]) for s in data["agenda"]] == [
        ("Ronde 1", 7, True), ("Aftrap", None, False)]
    assert parsed.agenda_rows == ["0", "ff"]
    # The service names agenda[i] in the order it was given: that maps back to the form row.
    assert event_error_field("agenda[1].ends_at", parsed.agenda_rows) == "agenda-ff-end"
    assert event_error_field("ends_at", parsed.agenda_rows) == "end_time"
    assert event_error_field("price_cents", parsed.agenda_rows) == "price"
    assert event_error_field("timezone", parsed.agenda_rows) == ""


def test_event_form_errors_name_the_fields() -> None:
    posted = {**POSTED, "title": "", "end_time": "laat", "price": "veel", "agenda-ff-title": "",
              "themes-a2-description": "zonder titel"}
    parsed, errors = parse_event_form(event_form_from_post(posted))
    assert parsed is None
    assert set(errors) == {"title", "end_time", "price", "agenda-ff-title", "themes-a2-title"}


def test_new_form_has_the_default_themes_and_the_edit_form_keeps_ids_and_days() -> None:
    form = blank_event_form()
    assert [t.title for t in form.themes] == ["Keurmerk", "Imago", "De mens in klantcontact"]
    assert all(t.description for t in form.themes)
    view = details(event_out(
        title="Twee dagen", description="", starts_at_local="2027-03-10T13:00:00+01:00",
        ends_at_local="2027-03-11T17:00:00+01:00", venue_name="", address="", online_url="",
        capacity_duos=10, price_cents=0, themes=[],
        agenda=[session(id=3, title="Dag 2", starts_at_local="2027-03-11T09:00:00+01:00",
                        ends_at_local="2027-03-11T10:00:00+01:00", room="", is_breakout_round=True)],
    ))
    edit = event_form_from_view(view)
    assert (edit.end_date, edit.price) == ("2027-03-11", "0,00")
    assert (edit.agenda[0].id, edit.agenda[0].day, edit.agenda[0].start) == ("3", 1, "09:00")
    parsed, _ = parse_event_form(edit)
    assert parsed is not None
    assert parsed.data["agenda"][0]["starts_at"] == datetime(2027, 3, 11, 9)
