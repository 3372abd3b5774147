"""The attendee pages' pure parts: the companion form, friendly messages from problem codes, Stripe.js origin."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from core.errors import DomainError
from frontend.pages.tickets import FRIENDLY, companion_error, companion_from_form, friendly, stripe_js_url
from settings import Settings
from ticketing.companion_rule import Rejection
from ticketing.errors import CompanionRefused, DuplicateAttendee, SoldOut


def test_a_complete_companion_form_gives_a_companion() -> None:
    companion, form, errors = companion_from_form(
        {"name": " Jan  Jansen ", "email": "jan@example.nl", "industry": "healthcare", "birth_date": "1999-05-01",
         "organisation": "Zorggroep"}, "nl")
    assert errors == {}
    assert companion is not None
    assert companion.birth_date == date(1999, 5, 1)
    assert companion.industry == "healthcare"
    assert form["name"] == "Jan  Jansen"


def test_missing_fields_are_explained_in_the_page_language() -> None:
    companion, _form, errors = companion_from_form({"name": "", "email": "jan", "industry": "", "birth_date": "31-02"},
                                                  "nl")
    assert companion is None
    assert errors == {
        "name": "Vul de naam van je partner in.",
        "email": "Vul het e-mailadres van je partner in, zoals naam@voorbeeld.nl.",
        "industry": "Kies de sector waarin je partner werkt.",
        "birth_date": "Vul een datum in (dag, maand en jaar).",
    }
    _, _, english = companion_from_form({"name": "", "email": "x@y.nl", "industry": "retail"}, "en")
    assert english == {"name": "Enter your companion's name."}


def test_a_refusal_by_the_rule_uses_its_own_reason_next_to_the_birth_date() -> None:
    exc = CompanionRefused(Rejection("companion_not_eligible",
                                     "Je partner is op de dag van het evenement 30 jaar en werkt in klantcontact.",
                                     "Your companion is 30 on the day of the event and works in customer contact."))
    assert companion_error(exc, "nl") == {
        "birth_date": "Je partner is op de dag van het evenement 30 jaar en werkt in klantcontact."}
    assert companion_error(exc, "en")["birth_date"].startswith("Your companion is 30")


@pytest.mark.parametrize(("exc", "field", "dutch"), [
    (SoldOut("x"), "form", "Uitverkocht: alle duoplekken zijn intussen vergeven."),
    (DuplicateAttendee("x", field="companion.email"), "email", "Jij of je partner heeft al een plek"),
])
def test_problem_codes_become_friendly_messages_next_to_their_field(exc: DomainError, field: str, dutch: str) -> None:
    errors = companion_error(exc, "nl")
    assert list(errors) == [field]
    assert errors[field].startswith(dutch)


def test_an_unknown_code_falls_back_to_the_service_message() -> None:
    assert friendly(DomainError("Iets anders."), "nl") == "Iets anders."
    assert "sold_out" in FRIENDLY


def test_stripe_js_comes_from_stripe_or_from_the_local_server() -> None:
    local = replace(Settings(), stripe_api_base="http://127.0.0.1:8420/")
    assert stripe_js_url(local) == "http://127.0.0.1:8420/js.stripe.com/v3/"
    assert stripe_js_url(replace(Settings(), stripe_api_base=None)) == "https://js.stripe.com/v3/"
