"""The companion rule: age arithmetic (property-based) and the rule's edge cases."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from members.rules import INDUSTRIES, industry_label, normalise_email
from ticketing.companion_rule import (
    CODE_BIRTH_DATE_INVALID,
    CODE_BIRTH_DATE_REQUIRED,
    CODE_COMPANION_IS_BUYER,
    CODE_INDUSTRY_UNKNOWN,
    CODE_NOT_ELIGIBLE,
    CompanionFacts,
    CompanionRejected,
    CompanionRule,
    age_on,
    check_not_self,
    companion_is_eligible,
    event_local_date,
)

# Keep clear of date.min/date.max so "the day after" and year + k always exist.
dates = st.dates(min_value=date(1800, 1, 1), max_value=date(2300, 12, 31))
RULE = CompanionRule()
EVENT_DAY = date(2027, 3, 13)


def naive_age(birth: date, on: date) -> int:
    """Reference: count anniversaries one by one, a 29 February one falling on 1 March when needed."""

    def anniversary(k: int) -> date:
        year = birth.year + k
        if birth.month == 2 and birth.day == 29 and not calendar.isleap(year):
            return date(year, 3, 1)
        return date(year, birth.month, birth.day)

    years = 0
    while anniversary(years + 1) <= on:
        years += 1
    return years


def birth_date_turning(age: int, on: date) -> date:
    """The birth date of someone who turns `age` exactly on `on` (not for 29 February)."""
    return on.replace(year=on.year - age)


# --- age arithmetic -----------------------------------------------------------------------------


@given(dates, dates)
def test_age_agrees_with_naive_reference(a: date, b: date) -> None:
    birth, on = min(a, b), max(a, b)
    assert age_on(birth, on) == naive_age(birth, on)


@given(st.dates(min_value=date(1800, 1, 1), max_value=date(2150, 12, 31)), st.integers(1, 150))
def test_age_increases_by_exactly_one_on_the_birthday(birth: date, years: int) -> None:
    year = birth.year + years
    birthday = (
        date(year, 3, 1)
        if (birth.month, birth.day) == (2, 29) and not calendar.isleap(year)
        else date(year, birth.month, birth.day)
    )
    assert age_on(birth, birthday) == years
    assert age_on(birth, birthday - timedelta(days=1)) == years - 1


@given(dates, dates, dates)
def test_age_is_monotone_in_the_date(x: date, y: date, z: date) -> None:
    # Sorting instead of assume(): filtering 5 of 6 orderings trips Hypothesis' health check.
    birth, a, b = sorted((x, y, z))
    assert age_on(birth, a) <= age_on(birth, b)


@given(dates, st.integers(min_value=0, max_value=4000))
def test_age_changes_by_at_most_one_per_day(birth: date, offset: int) -> None:
    on = birth + timedelta(days=offset)
    assume(on < date(2300, 12, 31))
    assert age_on(birth, on + timedelta(days=1)) - age_on(birth, on) in (0, 1)


@given(st.integers(min_value=1801, max_value=2299).filter(calendar.isleap), st.integers(1, 100))
def test_leap_day_birthday_in_leap_and_non_leap_years(birth_year: int, years: int) -> None:
    birth = date(birth_year, 2, 29)
    year = birth_year + years
    if calendar.isleap(year):
        assert age_on(birth, date(year, 2, 28)) == years - 1
        assert age_on(birth, date(year, 2, 29)) == years
    else:
        # NL/UK convention: in a non-leap year the birthday is 1 March; 28 February is the day before.
        assert age_on(birth, date(year, 2, 28)) == years - 1
        assert age_on(birth, date(year, 3, 1)) == years


def test_leap_day_examples() -> None:
    birth = date(1996, 2, 29)
    assert age_on(birth, date(2026, 2, 28)) == 29
    assert age_on(birth, date(2026, 3, 1)) == 30
    assert age_on(birth, date(2024, 2, 29)) == 28
    assert age_on(birth, birth) == 0


def test_age_before_birth_is_refused() -> None:
    with pytest.raises(ValueError, match="before the birth date"):
        age_on(date(2000, 1, 2), date(2000, 1, 1))


# --- the event's local date --------------------------------------------------------------------


def test_event_date_is_the_local_date_in_amsterdam() -> None:
    # 23:30 UTC is already the next day in Amsterdam (00:30 CET in winter, 01:30 CEST in summer).
    ams = "Europe/Amsterdam"
    assert event_local_date(datetime(2027, 1, 14, 23, 30, tzinfo=UTC), ams) == date(2027, 1, 15)
    assert event_local_date(datetime(2027, 7, 14, 23, 30, tzinfo=UTC), ams) == date(2027, 7, 15)
    assert event_local_date(datetime(2027, 7, 14, 21, 59, tzinfo=UTC), ams) == date(2027, 7, 14)


def test_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        event_local_date(datetime(2027, 1, 14, 23, 30), "Europe/Amsterdam")


def test_age_is_counted_on_the_local_date_of_a_late_utc_start() -> None:
    start = datetime(2027, 1, 14, 23, 30, tzinfo=UTC)
    companion = CompanionFacts(industry="customer_contact", birth_date=date(1997, 1, 15))
    # On the UTC date the companion is still 29; on Amsterdam's date they turn 30: not eligible.
    assert companion_is_eligible(companion, RULE, start.date()).eligible
    result = companion_is_eligible(companion, RULE, event_local_date(start, "Europe/Amsterdam"))
    assert not result.eligible
    assert result.age == 30
    assert result.code == CODE_NOT_ELIGIBLE


# --- the rule ---------------------------------------------------------------------------------


def test_turning_30_on_the_event_day_is_not_eligible_in_customer_contact() -> None:
    companion = CompanionFacts(industry="customer_contact", birth_date=birth_date_turning(30, EVENT_DAY))
    result = companion_is_eligible(companion, RULE, EVENT_DAY)
    assert (result.eligible, result.passed, result.age, result.code) == (False, None, 30, CODE_NOT_ELIGIBLE)
    assert result.reason_nl == "Je partner is op de dag van het evenement 30 jaar en werkt in klantcontact."
    assert result.reason_en == "Your companion is 30 on the day of the event and works in customer contact."
    assert result.rejection() is not None
    assert not result.is_validation_error


def test_turning_30_the_day_after_the_event_is_eligible() -> None:
    birth = birth_date_turning(30, EVENT_DAY + timedelta(days=1))
    result = companion_is_eligible(CompanionFacts("customer_contact", birth), RULE, EVENT_DAY)
    assert (result.eligible, result.passed, result.age, result.code) == (True, "age", 29, None)
    assert result.reason_nl == "Je partner is op de dag van het evenement 29 jaar: jonger dan 30."
    assert result.reason_en == "Your companion is 29 on the day of the event: younger than 30."
    assert result.rejection() is None


def test_leap_day_companion_at_an_event_on_28_february_of_a_non_leap_year() -> None:
    # Born 29 Feb 1996: on 28 Feb 2026 still 29 (birthday is 1 March), on 1 March 2026 30.
    companion = CompanionFacts("customer_contact", date(1996, 2, 29))
    assert companion_is_eligible(companion, RULE, date(2026, 2, 28)).eligible
    assert not companion_is_eligible(companion, RULE, date(2026, 3, 1)).eligible


def test_other_industry_is_eligible_at_any_age() -> None:
    result = companion_is_eligible(CompanionFacts("healthcare", date(1960, 5, 1)), RULE, EVENT_DAY)
    assert (result.eligible, result.passed, result.age, result.code) == (True, "industry", 66, None)
    assert "zorg en welzijn" in result.reason_nl
    assert "klantcontact" in result.reason_nl
    assert "healthcare and welfare" in result.reason_en


def test_other_industry_without_birth_date_is_eligible() -> None:
    result = companion_is_eligible(CompanionFacts("it_telecom"), RULE, EVENT_DAY)
    assert (result.eligible, result.passed, result.age) == (True, "industry", None)
    # Acronyms keep their capitals mid-sentence.
    assert result.reason_nl == "Je partner werkt in een andere sector (IT en telecom) dan klantcontact."


def test_when_both_conditions_pass_age_is_recorded() -> None:
    companion = CompanionFacts("student", birth_date_turning(21, EVENT_DAY))
    result = companion_is_eligible(companion, RULE, EVENT_DAY)
    assert (result.eligible, result.passed, result.age) == (True, "age", 21)


def test_missing_birth_date_in_the_home_industry_asks_for_it() -> None:
    result = companion_is_eligible(CompanionFacts("customer_contact"), RULE, EVENT_DAY)
    assert (result.eligible, result.code, result.age) == (False, CODE_BIRTH_DATE_REQUIRED, None)
    assert "geboortedatum" in result.reason_nl
    assert "birth date" in result.reason_en
    assert result.is_validation_error


@pytest.mark.parametrize("birth", [EVENT_DAY + timedelta(days=1), date(1900, 1, 1)])
def test_future_or_absurd_birth_date_is_a_validation_error(birth: date) -> None:
    # Even on the industry path: a wrong birth date is bad data, not a reason to let it pass silently.
    for industry in ("customer_contact", "finance"):
        result = companion_is_eligible(CompanionFacts(industry, birth), RULE, EVENT_DAY)
        assert (result.eligible, result.code) == (False, CODE_BIRTH_DATE_INVALID)
        assert result.is_validation_error


def test_age_120_is_still_plausible() -> None:
    companion = CompanionFacts("finance", birth_date_turning(120, EVENT_DAY))
    result = companion_is_eligible(companion, RULE, EVENT_DAY)
    assert result.eligible
    assert result.age == 120


def test_unknown_industry_is_a_validation_error() -> None:
    result = companion_is_eligible(CompanionFacts("astronaut", date(2000, 1, 1)), RULE, EVENT_DAY)
    assert (result.eligible, result.code) == (False, CODE_INDUSTRY_UNKNOWN)


def test_rule_parameters_are_respected() -> None:
    rule = CompanionRule(age_limit=26, home_industry="finance")
    birth = birth_date_turning(26, EVENT_DAY)
    other = companion_is_eligible(CompanionFacts("customer_contact", birth), rule, EVENT_DAY)
    assert other.passed == "industry"
    result = companion_is_eligible(CompanionFacts("finance", birth), rule, EVENT_DAY)
    assert not result.eligible
    assert result.reason_nl == (
        "Je partner is op de dag van het evenement 26 jaar en werkt in financiële dienstverlening."
    )


@given(
    st.dates(min_value=date(1910, 6, 1), max_value=date(2030, 6, 1)),
    st.sampled_from([i.code for i in INDUSTRIES]),
    st.integers(18, 40),
)
def test_rule_matches_its_definition(birth: date, industry: str, limit: int) -> None:
    event_day = date(2030, 6, 1)  # birth dates above are the plausible ones (age 0..120) for this day
    result = companion_is_eligible(CompanionFacts(industry, birth), CompanionRule(age_limit=limit), event_day)
    expected = age_on(birth, event_day) < limit or industry != "customer_contact"
    assert result.eligible == expected
    assert (result.code is None) == expected
    assert result.reason_nl
    assert result.reason_en


# --- industries and order checks ----------------------------------------------------------------


def test_industry_list_is_fixed_and_labelled() -> None:
    codes = [i.code for i in INDUSTRIES]
    assert codes[0] == "customer_contact"
    assert codes[-1] == "other"
    assert len(codes) == len(set(codes)) == 13
    assert industry_label("customer_contact", "nl") == "Klantcontact"
    assert industry_label("customer_contact", "en") == "Customer contact"
    assert all(i.label_nl and i.label_en for i in INDUSTRIES)


def test_normalise_email() -> None:
    assert normalise_email("  Anna.de.Vries@Example.NL \n") == "anna.de.vries@example.nl"


def test_companion_cannot_be_the_buyer() -> None:
    rejection = check_not_self("anna@example.nl", " ANNA@example.nl ")
    assert rejection is not None
    assert rejection.code == CODE_COMPANION_IS_BUYER
    assert rejection.reason("en").startswith("Your companion must be someone other")
    error = CompanionRejected(rejection)
    assert error.code == CODE_COMPANION_IS_BUYER
    assert check_not_self("anna@example.nl", "bram@example.nl") is None
