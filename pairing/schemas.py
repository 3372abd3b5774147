"""Request and response bodies for theme rankings and breakout plans (msgspec Structs validated at the edge).

The response bodies are frozen: pairing's use cases return them (`RankingOut`, `RankingFiguresOut`, `PlanOut`,
`MyBreakoutsOut`), the API serves them as they are and pages render them without changing them.

Facilitators see names, roles, experience levels, industries and organisations of the people they group;
never e-mail addresses or birth dates. Attendees see only their own group.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

ThemeKey = Annotated[str, msgspec.Meta(min_length=1, max_length=40, examples=["keurmerk"])]
RoundNumber = Annotated[int, msgspec.Meta(ge=1, le=12, description="1-based, as in the agenda")]
GroupNumber = Annotated[int, msgspec.Meta(ge=1, le=999)]
AttendeeId = Annotated[int, msgspec.Meta(ge=1, description="a ticket holder's place id (from the plan)")]
GroupSize = Annotated[int, msgspec.Meta(ge=2, le=12)]


# --------------------------------------------------------------------------- rankings


class RankingIn(msgspec.Struct, forbid_unknown_fields=True):
    """The event's theme keys, most preferred first: all of them or the first few. An empty list: no
    preference (neutral)."""

    themes: Annotated[list[ThemeKey], msgspec.Meta(max_length=12, examples=[["imago", "keurmerk"]])]


class ThemeChoice(msgspec.Struct, frozen=True):
    key: str
    title: str


class RankingOut(msgspec.Struct, frozen=True):
    event: str
    themes: list[str]
    available: list[ThemeChoice]
    updated_at: datetime | None


class ThemeFigures(msgspec.Struct, frozen=True):
    key: str
    title: str
    first: int
    second: int
    third: int
    borda: int


class RankingFiguresOut(msgspec.Struct, frozen=True):
    """Borda: a ranking gives a theme one point for every theme ranked below it (m−1 for first … 0 for
    last; themes left out of a partial ranking share the bottom with 0). `neutral` ticket holders never
    ranked: grouping treats every theme as fine for them."""

    event: str
    ticket_holders: int
    ranked: int
    neutral: int
    themes: list[ThemeFigures]


# --------------------------------------------------------------------------- breakout requests


class GenerateIn(msgspec.Struct, forbid_unknown_fields=True):
    rounds: Annotated[int, msgspec.Meta(ge=1, le=12)] | None = None  # default: breakout rounds in the agenda
    min_size: GroupSize = 4
    max_size: GroupSize = 6
    duo_policy: Literal["apart", "together", "either"] = "apart"
    mode: Literal["rotate", "stay"] = "rotate"
    seed: Annotated[int, msgspec.Meta(ge=0, lt=2**31)] = 0


class RegenerateIn(msgspec.Struct, forbid_unknown_fields=True):
    seed: Annotated[int, msgspec.Meta(ge=0, lt=2**31)] | None = None  # default: the plan's seed


class MoveIn(msgspec.Struct, forbid_unknown_fields=True):
    attendee: AttendeeId
    round: RoundNumber
    theme: ThemeKey
    group: GroupNumber


class SwapIn(msgspec.Struct, forbid_unknown_fields=True):
    attendee: AttendeeId
    other: AttendeeId
    round: RoundNumber


class PinIn(msgspec.Struct, forbid_unknown_fields=True):
    attendee: AttendeeId
    round: RoundNumber
    theme: ThemeKey
    group: GroupNumber | None = None


class RoomIn(msgspec.Struct, forbid_unknown_fields=True):
    theme: ThemeKey
    group: GroupNumber
    room: Annotated[str, msgspec.Meta(max_length=120)]
    round: RoundNumber | None = None  # none: this theme and group number in every round


class RoomsIn(msgspec.Struct, forbid_unknown_fields=True):
    rooms: Annotated[list[RoomIn], msgspec.Meta(min_length=1, max_length=2000)]


# --------------------------------------------------------------------------- breakout plan


class GroupMemberOut(msgspec.Struct, frozen=True):
    id: int
    name: str
    role: str
    experience_level: int | None
    industry: str
    organisation: str
    duo_partner: int | None
    has_ticket: bool


class GroupOut(msgspec.Struct, frozen=True):
    id: int  # the group's stable identity
    theme: str
    theme_title: str
    number: int
    room: str
    size: int
    members: list[GroupMemberOut]


class RoundOut(msgspec.Struct, frozen=True):
    round: int
    starts_at: datetime | None
    ends_at: datetime | None
    session_id: int | None
    groups: list[GroupOut]


class PinOut(msgspec.Struct, frozen=True):
    attendee: int
    round: int
    theme: str
    group: int | None


class PersonRef(msgspec.Struct, frozen=True):
    id: int
    name: str


class ViolationOut(msgspec.Struct, frozen=True):
    rule: str
    explanation: str
    round: int | None
    theme: str | None
    group: int | None
    attendees: list[PersonRef]


class RoundPreferencesOut(msgspec.Struct, frozen=True):
    round: int
    first: int
    second: int
    third: int
    other: int
    neutral: int
    as_planned: int


class ReportOut(msgspec.Struct, frozen=True):
    hard_violations: int
    violation_counts: dict[str, int]
    violations: list[ViolationOut]
    preferences: list[RoundPreferencesOut]
    diversity: float
    # The proven upper bound the gap is measured against, for these themes: "linked" (the rounds linked by
    # the rule that nobody meets twice, and the group counts colleagues force), "sizes" (the group counts
    # only: the linking did not lower it) or "per_round" (while the plan breaks a rule: the rules ignored).
    diversity_bound: float
    gap_percent: float
    bound_without_rules: float  # each (round, theme) on its own, every size profile, no rules
    bound_with_sizes: float  # plus the group counts the colleague rule forces
    bound_method: str
    optimal: bool  # diversity reaches a bound valid for every plan that keeps the rules
    infeasibility: list[str]


class PlanSettingsOut(msgspec.Struct, frozen=True):
    rounds: int
    min_size: int
    max_size: int
    duo_policy: str
    mode: str
    seed: int


class PlanOut(msgspec.Struct, frozen=True):
    event: str
    status: str
    changed_since_publish: bool
    generated_at: datetime | None
    updated_at: datetime | None
    published_at: datetime | None
    settings: PlanSettingsOut
    ticket_holders: int
    unplaced: list[GroupMemberOut]
    rounds: list[RoundOut]
    pins: list[PinOut]
    report: ReportOut


class PublishPreviewOut(msgspec.Struct, frozen=True):
    """What publishing now would do (the confirmation before it): `people` placed in the plan, `to_mail` of them get a
    mail with their groups (everyone the first time; on a re-publish those whose groups changed)."""

    event: str
    people: int
    rounds: int
    to_mail: int
    republish: bool
    changed_since_publish: bool


# --------------------------------------------------------------------------- attendee view


class MyRoundOut(msgspec.Struct, frozen=True):
    round: int
    group_id: int
    theme: str
    theme_title: str
    group_number: int
    room: str
    starts_at: datetime | None
    ends_at: datetime | None
    starts_at_local: str | None
    ends_at_local: str | None
    updated_at: datetime


class MyBreakoutsOut(msgspec.Struct, frozen=True):
    event: str
    event_title: str
    timezone: str
    published_at: datetime | None
    rounds: list[MyRoundOut]


# --------------------------------------------------------------------------- groups that follow who came


class RegroupIn(msgspec.Struct, forbid_unknown_fields=True):
    """`from_round`: the first round to update (default: the first breakout round that has not started)."""

    from_round: RoundNumber | None = None


class RegroupPublishIn(msgspec.Struct, forbid_unknown_fields=True):
    """Publish the update exactly as previewed: `fingerprint` from the preview (a change since is refused)."""

    fingerprint: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    from_round: RoundNumber | None = None


class GroupRef(msgspec.Struct, frozen=True):
    theme: str
    theme_title: str
    number: int
    room: str


class RegroupMoveOut(msgspec.Struct, frozen=True):
    """One person present who changes group in a round, and why: `late_arrival` (had no group), `fills_group` (into
    a group no-shows left too small), `group_dissolved` (their group was too small to keep)."""

    attendee: int
    name: str
    round: int
    before: GroupRef | None
    after: GroupRef
    reason: str


class RegroupOut(msgspec.Struct, frozen=True):
    """What "update the groups for who is here" would change, before it is published."""

    event: str
    from_round: int
    rounds: int
    present: int  # ticket holders checked in
    planned: int  # ticket holders in the published groups of the remaining rounds
    no_shows: list[PersonRef]  # planned, not present: out of the remaining rounds
    late_arrivals: list[PersonRef]  # present without a group: added to a group with room
    moved_people: int  # people present who had a group and change it
    moves: list[RegroupMoveOut]
    report: ReportOut  # for the people present
    edits_since_publish: bool  # the draft had unpublished edits: the update starts from what was published
    fingerprint: str
    min_size: int = 4  # the plan's group sizes, which the report's size rule refers to
    max_size: int = 6
