"""The companion rule for DUO tickets, and the pure order checks around it (ticketing applies it when a duo is
ordered, a companion changed or a waiting list's offer made).

A member who buys a DUO ticket brings a companion who is *under the age limit on the event's local
date*, or who *works in another industry than the event's home industry*. Everything here is pure:
no I/O and no clock reads; the caller passes the event's local date in (see `event_local_date`).

Results are plain values with a stable `code` and a reason in Dutch and English, so that the API
(problem+json) and the pages can explain a refusal in the visitor's language without re-deriving it.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

# The industries are the members' (they answer the question at sign-up); the rule reads them.
from members.rules import INDUSTRIES_BY_CODE, Language, normalise_email

PassedCondition = Literal["age", "industry"]

DEFAULT_AGE_LIMIT = 30
DEFAULT_HOME_INDUSTRY = "customer_contact"
# Anyone "older" than this has a typo in their birth date (1924 for 1994), not a real age.
MAX_PLAUSIBLE_AGE = 120

# Stable codes: the API maps them to problem types, the pages to friendly messages.
CODE_NOT_ELIGIBLE = "companion_not_eligible"
CODE_BIRTH_DATE_REQUIRED = "companion_birth_date_required"
CODE_BIRTH_DATE_INVALID = "companion_birth_date_invalid"
CODE_INDUSTRY_UNKNOWN = "companion_industry_unknown"
CODE_COMPANION_IS_BUYER = "companion_is_buyer"

# Codes that mean "the form is incomplete or wrong" (HTTP 422) rather than "the rule says no" (409).
VALIDATION_CODES = frozenset({CODE_BIRTH_DATE_REQUIRED, CODE_BIRTH_DATE_INVALID, CODE_INDUSTRY_UNKNOWN})


@dataclass(frozen=True, slots=True)
class CompanionRule:
    age_limit: int = DEFAULT_AGE_LIMIT
    home_industry: str = DEFAULT_HOME_INDUSTRY


@dataclass(frozen=True, slots=True)
class CompanionFacts:
    """What the buyer tells us about their companion. `birth_date` may be missing: it is only needed
    when the industry alone does not make the companion eligible."""

    industry: str
    birth_date: date | None = None


@dataclass(frozen=True, slots=True)
class Rejection:
    """A failed pure check: a stable code and a reason in both languages."""

    code: str
    reason_nl: str
    reason_en: str

    def reason(self, language: Language) -> str:
        return self.reason_nl if language == "nl" else self.reason_en


class CompanionRejected(Exception):
    """Domain error for the service layer to raise with a `Rejection` (mapped once, in app.py)."""

    def __init__(self, rejection: Rejection) -> None:
        super().__init__(rejection.reason_en)
        self.rejection = rejection
        self.code = rejection.code


@dataclass(frozen=True, slots=True)
class Eligibility:
    """The outcome of `companion_is_eligible`.

    `passed` names the condition that made the companion eligible. When both pass it is "age": the age
    follows from a birth date, the industry is only self-declared, so age is the sturdier reason to show.
    `age` is filled whenever a valid birth date was given, also on the industry path.
    `code` is None when eligible.
    """

    eligible: bool
    passed: PassedCondition | None
    age: int | None
    code: str | None
    reason_nl: str
    reason_en: str

    def reason(self, language: Language) -> str:
        return self.reason_nl if language == "nl" else self.reason_en

    @property
    def is_validation_error(self) -> bool:
        return self.code in VALIDATION_CODES

    def rejection(self) -> Rejection | None:
        if self.eligible:
            return None
        assert self.code is not None
        return Rejection(self.code, self.reason_nl, self.reason_en)


def _birthday_in_year(birth_date: date, year: int) -> tuple[int, int]:
    """(month, day) on which someone born on `birth_date` has their birthday in `year`."""
    if birth_date.month == 2 and birth_date.day == 29 and not calendar.isleap(year):
        return (3, 1)
    return (birth_date.month, birth_date.day)


def age_on(birth_date: date, on: date) -> int:
    """Completed years of age on the date `on`.

    The birthday itself counts: someone who turns 30 on `on` is 30, someone who turns 30 the day after
    is 29. Someone born on 29 February has their birthday on 1 March in non-leap years (the convention in
    Dutch and English law for reaching an age), so they are still 29 on 28 February of a non-leap year
    and turn 30 on 1 March. Raises ValueError when `on` is before `birth_date`.
    """
    if on < birth_date:
        raise ValueError(f"{on.isoformat()} is before the birth date {birth_date.isoformat()}")
    years = on.year - birth_date.year
    if (on.month, on.day) < _birthday_in_year(birth_date, on.year):
        years -= 1
    return years


def event_local_date(start_utc: datetime, tz: str) -> date:
    """The calendar date of the event's start in its own time zone (ages count on this date).

    A naive datetime is refused: guessing its zone would shift late-evening events by a day.
    """
    if start_utc.tzinfo is None or start_utc.utcoffset() is None:
        raise ValueError("start_utc must be timezone-aware")
    return start_utc.astimezone(ZoneInfo(tz)).date()


def _in_sentence(label: str) -> str:
    # "Klantcontact" reads "klantcontact" mid-sentence, but an acronym such as "IT en telecom" stays.
    if label[:2].isupper():
        return label
    return label[:1].lower() + label[1:]


def companion_is_eligible(companion: CompanionFacts, rule: CompanionRule, event_date: date,
                          today: date | None = None) -> Eligibility:
    """Whether the companion may join a DUO ticket for an event on `event_date` (its local date).

    Eligible when younger than `rule.age_limit` on `event_date`, or working in an industry other than
    `rule.home_industry`. Validation comes first, so bad data is reported as such rather than as a
    refusal: an unknown industry code, and a birth date after `today` (the caller's local date; we read no
    clock) or after the event date, or implying an age above MAX_PLAUSIBLE_AGE, give their own codes: nobody
    not yet born is "0 on the day".
    A missing birth date only matters on the home-industry path, where it is asked for.
    """
    limit = rule.age_limit
    home = INDUSTRIES_BY_CODE.get(rule.home_industry)
    home_nl = _in_sentence(home.label_nl) if home else rule.home_industry
    home_en = _in_sentence(home.label_en) if home else rule.home_industry

    industry = INDUSTRIES_BY_CODE.get(companion.industry)
    if industry is None:
        return Eligibility(
            False, None, None, CODE_INDUSTRY_UNKNOWN,
            "Kies de sector waarin je partner werkt uit de lijst.",
            "Please choose your companion's industry from the list.",
        )

    age: int | None = None
    if companion.birth_date is not None:
        if companion.birth_date > (event_date if today is None else min(today, event_date)):
            return Eligibility(
                False, None, None, CODE_BIRTH_DATE_INVALID,
                "De geboortedatum van je partner ligt in de toekomst: controleer het jaartal.",
                "Your companion's birth date lies in the future: please check the year.",
            )
        age = age_on(companion.birth_date, event_date)
        if age > MAX_PLAUSIBLE_AGE:
            return Eligibility(
                False, None, None, CODE_BIRTH_DATE_INVALID,
                f"De geboortedatum van je partner klopt niet: dan zou je partner {age} jaar zijn. "
                "Controleer het jaartal.",
                f"Your companion's birth date cannot be right: it would make them {age}. "
                "Please check the year.",
            )

    if age is not None and age < limit:
        return Eligibility(
            True, "age", age, None,
            f"Je partner is op de dag van het evenement {age} jaar: jonger dan {limit}.",
            f"Your companion is {age} on the day of the event: younger than {limit}.",
        )

    if industry.code != rule.home_industry:
        other_nl = f"werkt in een andere sector ({_in_sentence(industry.label_nl)}) dan {home_nl}."
        other_en = f"works in another industry ({_in_sentence(industry.label_en)}) than {home_en}."
        if age is None:
            reason_nl, reason_en = f"Je partner {other_nl}", f"Your companion {other_en}"
        else:
            reason_nl = f"Je partner is op de dag van het evenement {age} jaar, maar {other_nl}"
            reason_en = f"Your companion is {age} on the day of the event, but {other_en}"
        return Eligibility(True, "industry", age, None, reason_nl, reason_en)

    if age is None:
        return Eligibility(
            False, None, None, CODE_BIRTH_DATE_REQUIRED,
            f"Vul de geboortedatum van je partner in: wie in {home_nl} werkt, kan alleen mee als "
            f"hij of zij op de dag van het evenement jonger is dan {limit}.",
            f"Please enter your companion's birth date: a companion who works in {home_en} can only join "
            f"if they are younger than {limit} on the day of the event.",
        )

    return Eligibility(
        False, None, age, CODE_NOT_ELIGIBLE,
        f"Je partner is op de dag van het evenement {age} jaar en werkt in {home_nl}.",
        f"Your companion is {age} on the day of the event and works in {home_en}.",
    )


def check_not_self(buyer_email: str, companion_email: str) -> Rejection | None:
    """A DUO ticket is for two people: the companion cannot be the buyer under another spelling."""
    if normalise_email(buyer_email) == normalise_email(companion_email):
        return Rejection(
            CODE_COMPANION_IS_BUYER,
            "Je partner moet iemand anders zijn dan jijzelf: vul het e-mailadres van je partner in.",
            "Your companion must be someone other than yourself: please enter your companion's e-mail.",
        )
    return None
