"""Pairing tables: theme rankings of ticket holders, and breakout plans (draft and published).

A ticket holder is a live place of a duo (`ticketing.tables.Attendee`); rankings, pins and placements
refer to that place, so a new companion on an order starts with a clean slate.

Composite uniqueness (one ranking per place, one placement / pin / published group per place and
round) lives in raw `CREATE UNIQUE INDEX` migrations: composite `Unique()` fails on SQLite.
"""

from piccolo.columns import (
    Boolean,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    SmallInt,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from events.tables import Event
from members.tables import Member
from pairing.states import PlanStatus
from ticketing.tables import Attendee


class ThemeRanking(Table, tablename="theme_ranking"):
    """One ticket holder's ranking of the event's themes, most preferred first (a JSON list of keys)."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    attendee = ForeignKey(references=Attendee, on_delete=OnDelete.cascade, unique=True)
    themes = Text(default="[]")
    updated_at = Timestamptz()


class BreakoutPlan(Table, tablename="breakout_plan"):
    """The breakout plan of one event: the settings it was generated with and its publication state."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, unique=True)
    rounds = SmallInt()
    min_size = SmallInt(default=4)
    max_size = SmallInt(default=6)
    duo_policy = Varchar(length=10, default="apart")  # apart | together | either
    preference_mode = Varchar(length=10, default="rotate")  # rotate | stay
    seed = Integer(default=0)
    # Why some hard rule cannot hold at all (JSON list of sentences from the engine), as of the last generate.
    infeasibility = Text(default="[]")
    status = Varchar(length=12, default=PlanStatus.DRAFT.value, choices=PlanStatus)
    # The draft differs from what attendees see (a move, swap, room or regenerate after publishing).
    changed_since_publish = Boolean(default=False)
    generated_by = ForeignKey(references=Member, on_delete=OnDelete.set_null, null=True, default=None)
    generated_at = Timestamptz()
    updated_at = Timestamptz()
    published_at = Timestamptz(null=True, default=None)
    publish_count = Integer(default=0)


class BreakoutGroup(Table, tablename="breakout_group"):
    """A group of the draft plan. Its id is its identity: kept through moves, regenerations (matched by
    member overlap) and publications. Rows are never deleted while the plan lives (`active` goes false),
    so an id is never reused for another group."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker
    plan = ForeignKey(references=BreakoutPlan, on_delete=OnDelete.cascade, index=True)
    round_number = SmallInt()  # 1-based, as in the agenda
    theme_key = Varchar(length=40)
    number = SmallInt()  # 1-based within (round, theme)
    room = Varchar(length=120, default="")
    active = Boolean(default=True)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class BreakoutPlacement(Table, tablename="breakout_placement"):
    """Draft: which group a ticket holder is in for one round (unique per plan, place and round)."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker
    plan = ForeignKey(references=BreakoutPlan, on_delete=OnDelete.cascade, index=True)
    attendee = ForeignKey(references=Attendee, on_delete=OnDelete.cascade, index=True)
    round_number = SmallInt()
    breakout_group = ForeignKey(references=BreakoutGroup, on_delete=OnDelete.cascade, index=True)


class BreakoutPin(Table, tablename="breakout_pin"):
    """A facilitator's decision that a ticket holder is in a theme (and group) in one round."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker
    plan = ForeignKey(references=BreakoutPlan, on_delete=OnDelete.cascade, index=True)
    attendee = ForeignKey(references=Attendee, on_delete=OnDelete.cascade, index=True)
    round_number = SmallInt()
    theme_key = Varchar(length=40)
    group_number = SmallInt(null=True, default=None)
    created_by = ForeignKey(references=Member, on_delete=OnDelete.set_null, null=True, default=None)
    created_at = Timestamptz()


class PublishedBreakout(Table, tablename="published_breakout"):
    """What one ticket holder sees for one round: a snapshot taken at publication.

    `sequence` and `updated_at` move only when this person's group, theme, number or room changes on a
    re-publish, so calendar items stay byte-stable across renders and change exactly when they should.
    """

    id: Serial  # the primary key Piccolo adds, declared for the type checker
    plan = ForeignKey(references=BreakoutPlan, on_delete=OnDelete.cascade, index=True)
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    attendee = ForeignKey(references=Attendee, on_delete=OnDelete.cascade, index=True)
    round_number = SmallInt()
    group_id = Integer()  # BreakoutGroup.id (the group's stable identity)
    theme_key = Varchar(length=40)
    theme_title = Varchar(length=120)
    group_number = SmallInt()
    room = Varchar(length=120, default="")
    sequence = Integer(default=0)
    updated_at = Timestamptz()
