"""The event form's new fields (issue 20), the share preview of the event page and what the preview before
publishing says is missing: pure functions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from events.schemas import EventOut
from frontend.forms import FormError, event_form_from_post, event_form_from_view, parse_event_form, parse_moment
from frontend.pages.organiser import missing_before_publishing
from frontend.pages.public import share_preview
from tests.support.event_views import details, event_out, session

BASIC = {"title": "Hackathon", "date": "2027-03-10", "start_time": "13:00", "end_time": "21:00",
         "capacity_duos": "40", "price": "95"}


@pytest.mark.parametrize(("typed", "expected"), [
    ("2027-03-12T18:00", datetime(2027, 3, 12, 18)),  # what a datetime-local input sends
    ("2027-03-12 18.30", datetime(2027, 3, 12, 18, 30)),
    ("12-03-2027 9:05", datetime(2027, 3, 12, 9, 5)),  # typed where the browser shows a text box
    ("", None),
])
def test_a_moment_as_people_type_it(typed: str, expected: datetime | None) -> None:
    assert parse_moment(typed) == expected


@pytest.mark.parametrize("typed", ["morgen", "2027-02-30T10:00", "12-03-2027", "2027-03-12T25:00"])
def test_a_moment_that_is_none(typed: str) -> None:
    with pytest.raises(FormError):
        parse_moment(typed)


def test_the_new_fields_reach_the_service_and_come_back() -> None:
    posted = {**BASIC, "sales_end": "2027-03-08T18:00", "refund_deadline": "", "age_limit": "27",
              "contact_email": " vragen@example.nl ", "title_en": "Hackathon (EN)", "description_en": "In English."}
    parsed, errors = parse_event_form(event_form_from_post(posted))
    assert errors == {}
    assert parsed is not None
    data = parsed.data
    assert data["sales_end"] == datetime(2027, 3, 8, 18)
    assert data["refund_deadline"] is None
    assert data["sales_start"] is None
    assert data["change_deadline"] is None
    assert (data["age_limit"], data["contact_email"], data["title_en"]) == (27, "vragen@example.nl",
                                                                           "Hackathon (EN)")
    _, wrong = parse_event_form(event_form_from_post({**BASIC, "age_limit": "200", "sales_start": "gisteren"}))
    assert set(wrong) == {"age_limit", "sales_start"}

    view = details(event_out(price_cents=9500, sales_start=None, sales_end=datetime(2027, 3, 8, 17, tzinfo=UTC),
                             age_limit=27, contact_email="vragen@example.nl", title_en="Hackathon (EN)"),
                   own_change_deadline=None, own_refund_deadline=datetime(2027, 3, 1, 11, tzinfo=UTC))
    form = event_form_from_view(view)
    assert (form.sales_end, form.refund_deadline, form.change_deadline) == ("2027-03-08T18:00", "2027-03-01T12:00",
                                                                            "")
    assert form.age_limit == "27"
    assert form.title_en == "Hackathon (EN)"


def event(**values: Any) -> EventOut:
    return event_out(**{"slug": "hackathon", "title": "Hackathon", "description": "Samen bouwen.\n\nMet duo's.",
                        "title_en": "", "description_en": "", "share_image_url": "", "image_url": "",
                        "venue_name": "Hal", "address": "", "online_url": "", "agenda": [session(id=1)],
                        "contact_email": "", **values})


def test_the_share_preview_in_the_page_language() -> None:
    dutch = share_preview(event(title_en="Hackathon EN", share_image_url="/media/e/hackathon/abc.jpg"),
                          "https://nieuwgeluid.nl", "nl", path="/e/hackathon")
    assert dutch == {"title": "Hackathon", "description": "Samen bouwen. Met duo's.",
                     "url": "https://nieuwgeluid.nl/e/hackathon",
                     "image": "https://nieuwgeluid.nl/media/e/hackathon/abc.jpg", "locale": "nl_NL"}
    english = share_preview(event(title_en="Hackathon EN"), "https://nieuwgeluid.nl", "en", path="/e/hackathon")
    assert english["title"] == "Hackathon EN"
    assert english["description"] == "Samen bouwen. Met duo's."
    assert english["image"] == ""
    assert english["locale"] == "en_GB"
    long = share_preview(event(description="woord " * 100), "https://x.nl", "nl", path="/e/x")["description"]
    assert len(long) <= 200
    assert long.endswith("…")


def test_what_is_missing_before_publishing() -> None:
    assert len(missing_before_publishing(event())) == 3  # contact address, image, English text
    complete = event(contact_email="a@b.nl", image_url="/x.webp", title_en="EN")
    assert missing_before_publishing(complete) == []
    assert len(missing_before_publishing(event(description="", venue_name="", agenda=[]))) == 6
