"""Ideas tables: the organiser's settings per event, ideas with their authors and every version, votes, and the two
tables of a secret ballot that nothing relates to each other.

The secret ballot (docs/ideas-and-voting.md has the whole design and its limits):

- `VoteParticipation` says *who has voted* in a vote: (vote, ticket place), unique. No time, no ballot reference.
- `Ballot` holds *what was voted*: a random id (its primary key: no serial number that counts in casting order), the
  vote, the choices and the SHA-256 of the receipt's secret. No person, no time.

Both rows are written in one transaction (so there is exactly one ballot per participation), and nothing in either
row (no column, no key, no timestamp) refers to the other: no join can pair them. At closing, both tables' rows of the
vote are written again in an order that carries no information (ballots by their random id, participations by place
id), so the rows left afterwards do not keep the casting order in their physical position either.

Composite uniqueness lives in raw `CREATE UNIQUE INDEX` migrations: composite `Unique()` fails on SQLite.
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
from ideas.rules import VoteStatus
from members.tables import Member
from ticketing.tables import Attendee


class IdeaSettings(Table, tablename="idea_settings"):
    """The organiser's choices for an event's ideas (a missing row means every default)."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, unique=True)
    opens_at = Timestamptz(null=True, default=None)  # None: the start of the first breakout round
    closes_at = Timestamptz(null=True, default=None)  # None: the pitches (ideas.rules.default_window)
    wall = Varchar(length=12, default="public")  # ideas.rules.WallVisibility: public | attendees
    authors_may_vote_own = Boolean(default=False)
    # The jury: criteria (JSON list of {key, title, weight, description}) and its share of the final score (%).
    criteria = Text(default="[]")
    jury_weight = SmallInt(default=0)
    updated_by = ForeignKey(references=Member, on_delete=OnDelete.set_null, null=True, default=None)
    updated_at = Timestamptz()


class Idea(Table, tablename="idea"):
    id: Serial  # the primary key Piccolo adds, declared for the type checker
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    theme_key = Varchar(length=40)
    title = Varchar(length=120)
    pitch = Text(default="")  # plain text with line breaks (ideas.rules.normalise_pitch)
    link = Varchar(length=500, default="")
    version = Integer(default=1)  # the number of the current version (IdeaVersion)
    created_by = ForeignKey(references=Member, on_delete=OnDelete.set_null, null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class IdeaAuthor(Table, tablename="idea_author"):
    """A ticket holder behind an idea (unique per idea and place). Authors may edit the idea."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker
    idea = ForeignKey(references=Idea, on_delete=OnDelete.cascade, index=True)
    attendee = ForeignKey(references=Attendee, on_delete=OnDelete.cascade, index=True)
    position = SmallInt(default=0)


class IdeaVersion(Table, tablename="idea_version"):
    """Every version of an idea as it was saved, with who saved it and when (unique per idea and number)."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker
    idea = ForeignKey(references=Idea, on_delete=OnDelete.cascade, index=True)
    version = Integer()
    theme_key = Varchar(length=40)
    title = Varchar(length=120)
    pitch = Text(default="")
    link = Varchar(length=500, default="")
    authors = Text(default="[]")  # JSON list of the authors' names at the time
    edited_by = ForeignKey(references=Member, on_delete=OnDelete.set_null, null=True, default=None)
    edited_by_name = Varchar(length=160, default="")
    edited_at = Timestamptz()


class IdeaVote(Table, tablename="idea_vote"):
    """A vote on the ideas of one theme (`theme_key`) or of all themes (""), with its method, fixed at opening."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    theme_key = Varchar(length=40, default="")
    method = Varchar(length=12)  # ideas.rules.Method: approval | borda
    choices = SmallInt(default=3)  # N: approvals per ballot, or places ranked
    authors_may_vote_own = Boolean(default=False)
    ideas = Text(default="[]")  # JSON list of the idea ids on the ballot paper, fixed at opening
    status = Varchar(length=8, default=VoteStatus.OPEN.value, index=True, choices=VoteStatus)
    opened_by = ForeignKey(references=Member, on_delete=OnDelete.set_null, null=True, default=None)
    opened_at = Timestamptz()
    closed_by = ForeignKey(references=Member, on_delete=OnDelete.set_null, null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)
    # Recorded at closing: the eligible voters then, the number of ballots and the totals (JSON {idea id: points}).
    eligible = Integer(null=True, default=None)
    ballots = Integer(null=True, default=None)
    totals = Text(default="")


class VoteParticipation(Table, tablename="idea_vote_participation"):
    """Who has voted in a vote: one row per ticket place (unique), nothing else. Deliberately no time and no
    reference to the ballot."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker
    vote = ForeignKey(references=IdeaVote, on_delete=OnDelete.cascade, index=True)
    # set null, not cascade: a place erased later still counts as having voted, so ballots = participations.
    attendee = ForeignKey(references=Attendee, on_delete=OnDelete.set_null, null=True, default=None)


class Ballot(Table, tablename="idea_ballot"):
    """What was voted: keyed by a random id (the voter's receipt starts with it), with the choices in the voter's
    order (JSON list of idea ids) and the SHA-256 of the receipt's secret. Deliberately no person and no time."""

    id = Varchar(length=8, primary_key=True)
    vote = ForeignKey(references=IdeaVote, on_delete=OnDelete.cascade, index=True)
    choices = Text(default="[]")
    secret_hash = Varchar(length=64)


class Juror(Table, tablename="idea_juror"):
    """A member on the event's jury (unique per event and member); their scores are shown by name."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    member = ForeignKey(references=Member, on_delete=OnDelete.cascade, index=True)
    name = Varchar(length=160)
    added_by = ForeignKey(references=Member, on_delete=OnDelete.set_null, null=True, default=None)
    added_at = Timestamptz()


class JuryScore(Table, tablename="idea_jury_score"):
    """One juror's score for one criterion of one idea (unique per juror, idea and criterion)."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker
    juror = ForeignKey(references=Juror, on_delete=OnDelete.cascade, index=True)
    idea = ForeignKey(references=Idea, on_delete=OnDelete.cascade, index=True)
    criterion = Varchar(length=40)
    score = SmallInt()
    updated_at = Timestamptz()
