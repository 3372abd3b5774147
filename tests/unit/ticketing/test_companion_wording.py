"""The organiser reads why a companion may come about the companion, by name (issue 20), not addressed to the
buyer: ticketing.views.about_the_companion over every reason the rule writes."""

from __future__ import annotations

from datetime import date

import pytest

from ticketing.companion_rule import CompanionFacts, CompanionRule, companion_is_eligible
from ticketing.views import OVERRIDE_EN, OVERRIDE_NL, about_the_companion

DAY = date(2027, 3, 10)


@pytest.mark.parametrize("facts", [
    CompanionFacts("customer_contact", date(2001, 1, 1)),  # younger than 30
    CompanionFacts("finance"),  # another industry, no birth date
    CompanionFacts("finance", date(1980, 1, 1)),  # older, another industry
    CompanionFacts("customer_contact", date(1980, 1, 1)),  # refused (an exception admits them)
    CompanionFacts("customer_contact"),  # birth date asked for
])
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_reason_is_about_the_companion(facts: CompanionFacts, lang: str) -> None:
    result = companion_is_eligible(facts, CompanionRule(), DAY, DAY)
    reason = result.reason_nl if lang == "nl" else result.reason_en
    text = about_the_companion(reason, "Lotte  Bakker", lang)
    assert "Lotte Bakker" in text
    for addressed in ("Je partner", "je partner", "Your companion", "your companion"):
        assert addressed not in text


def test_the_buyers_line_about_an_exception_is_left_out() -> None:
    assert about_the_companion(f"Je partner is 31 en werkt in klantcontact. {OVERRIDE_NL}", "Sam", "nl") == (
        "Sam is 31 en werkt in klantcontact.")
    assert about_the_companion(f"Your companion is 31. {OVERRIDE_EN}", "Sam", "en") == "Sam is 31."
    assert about_the_companion("Je partner is 25 jaar.", "", "nl") == "De partner is 25 jaar."
