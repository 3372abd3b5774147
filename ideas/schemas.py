"""Request and response bodies for ideas, votes and the jury (msgspec Structs validated at the edge).

Responses are frozen: the use cases return them, the API serves them as they are and pages render them.

Privacy: an idea shows its authors by name (they put their names to it); a vote never shows who voted, only how
many. The results list every ballot by its random id and its choices, and nothing else.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

ThemeKey = Annotated[str, msgspec.Meta(min_length=1, max_length=40, examples=["keurmerk"])]
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200, examples=["Een keurmerk dat klanten zien"])]
Pitch = Annotated[str, msgspec.Meta(max_length=4000, description="Plain text; line breaks are kept")]
Link = Annotated[str, msgspec.Meta(max_length=500, examples=["https://example.nl/ons-plan"])]
Email = Annotated[str, msgspec.Meta(min_length=3, max_length=254, examples=["collega@example.nl"])]
IdeaId = Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]
Receipt = Annotated[str, msgspec.Meta(min_length=1, max_length=64, examples=["K7QF-93XM-ABCD-EFGH-JKMN-PQRS"],
                                      description="The receipt shown when the ballot was cast")]


# --------------------------------------------------------------------------- ideas


class IdeaIn(msgspec.Struct, forbid_unknown_fields=True):
    """A new idea. You are its first author; `co_authors` are the e-mail addresses of other ticket holders of the
    event (their tickets' addresses)."""

    theme: ThemeKey
    title: Title
    pitch: Pitch = ""
    link: Link | None = None
    co_authors: Annotated[list[Email], msgspec.Meta(max_length=11)] = msgspec.field(default_factory=list)


class IdeaPatch(msgspec.Struct, forbid_unknown_fields=True):
    """Only the fields given change; `link: ""` removes the link; `co_authors` replaces the other authors."""

    theme: ThemeKey | None = None
    title: Title | None = None
    pitch: Pitch | None = None
    link: Link | None = None
    co_authors: Annotated[list[Email], msgspec.Meta(max_length=11)] | None = None


class IdeaOut(msgspec.Struct, frozen=True):
    id: int
    theme: str
    theme_title: str
    title: str
    pitch: str
    link: str
    authors: list[str]  # names, first author first
    version: int
    created_at: datetime
    updated_at: datetime
    in_vote: bool  # on the ballot paper of a vote: no longer editable
    mine: bool  # you are one of its authors


class IdeaVersionOut(msgspec.Struct, frozen=True):
    version: int
    theme: str
    title: str
    pitch: str
    link: str
    authors: list[str]
    edited_by: str
    edited_at: datetime


class IdeaHistoryOut(msgspec.Struct, frozen=True):
    idea: int
    versions: list[IdeaVersionOut]  # oldest first


class WindowOut(msgspec.Struct, frozen=True):
    opens_at: datetime
    closes_at: datetime
    state: Literal["not_yet", "open", "closed"]
    opens_by_default: bool  # the start of the first breakout round
    closes_by_default: bool  # the pitches (the first session after the last breakout round), or the event's end


class ThemeIdeasOut(msgspec.Struct, frozen=True):
    key: str
    title: str
    ideas: list[IdeaOut]


class WallOut(msgspec.Struct, frozen=True):
    event: str
    event_title: str
    wall: Literal["public", "attendees"]
    window: WindowOut
    count: int
    themes: list[ThemeIdeasOut]


# --------------------------------------------------------------------------- settings and the jury's criteria


class CriterionIn(msgspec.Struct, forbid_unknown_fields=True):
    key: Annotated[str, msgspec.Meta(min_length=1, max_length=40, pattern="^[a-z0-9]+(-[a-z0-9]+)*$",
                                     examples=["impact"])]
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=80)]
    weight: Annotated[int, msgspec.Meta(ge=1, le=100)]
    description: Annotated[str, msgspec.Meta(max_length=300)] = ""


class CriterionOut(msgspec.Struct, frozen=True):
    key: str
    title: str
    weight: int
    description: str


class IdeaSettingsIn(msgspec.Struct, forbid_unknown_fields=True):
    """The whole of the organiser's choices (fields left out take their default). Times without a zone are the
    event's local time; `null` follows the agenda (from the first breakout round until the pitches)."""

    opens_at: datetime | None = None
    closes_at: datetime | None = None
    wall: Literal["public", "attendees"] = "public"
    authors_may_vote_own: bool = False
    criteria: Annotated[list[CriterionIn], msgspec.Meta(max_length=8)] = msgspec.field(default_factory=list)
    jury_weight: Annotated[int, msgspec.Meta(ge=0, le=100, description="The jury's share of the final score, %")] = 0


class IdeaSettingsOut(msgspec.Struct, frozen=True):
    event: str
    window: WindowOut
    wall: Literal["public", "attendees"]
    authors_may_vote_own: bool
    criteria: list[CriterionOut]
    jury_weight: int
    jury_locked: bool  # criteria and weights no longer change (a vote opened or a juror scored)
    updated_at: datetime | None


# --------------------------------------------------------------------------- votes


Method = Literal["approval", "borda"]
Choices = Annotated[list[IdeaId], msgspec.Meta(max_length=20, description="Idea ids; for Borda in your order")]


class VoteIn(msgspec.Struct, forbid_unknown_fields=True):
    """Open a vote on the submitted ideas of one theme, or of all themes (`theme` left out)."""

    method: Method
    theme: ThemeKey | None = None
    choices: Annotated[int, msgspec.Meta(ge=1, le=20, description="Approvals per ballot, or places ranked")] = 3


class VoteIdeaOut(msgspec.Struct, frozen=True):
    id: int
    title: str
    theme: str
    authors: list[str]
    yours: bool  # you are one of its authors


class VoteOut(msgspec.Struct, frozen=True):
    id: int
    event: str
    theme: str | None  # None: every theme
    theme_title: str | None
    method: Method
    choices: int
    authors_may_vote_own: bool
    status: Literal["open", "closed"]
    opened_at: datetime
    closed_at: datetime | None
    ideas: list[VoteIdeaOut]
    ballots: int  # cast so far (who cast them is never shown)
    eligible: int | None  # recorded at closing
    you_may_vote: bool
    you_voted: bool


class VotesOut(msgspec.Struct, frozen=True):
    event: str
    votes: list[VoteOut]


class BallotIn(msgspec.Struct, forbid_unknown_fields=True):
    choices: Choices


class BallotChangeIn(msgspec.Struct, forbid_unknown_fields=True):
    receipt: Receipt
    choices: Choices


class ReceiptIn(msgspec.Struct, forbid_unknown_fields=True):
    receipt: Receipt


class CastOut(msgspec.Struct, frozen=True):
    """Shown once: keep the receipt. Its first two groups are the ballot id published with the results; the rest is
    the secret that lets you change your ballot until the vote closes (never stored, never shown again)."""

    vote: int
    ballot_id: str
    receipt: str
    choices: list[int]


class BallotOut(msgspec.Struct, frozen=True):
    vote: int
    ballot_id: str
    choices: list[int]
    vote_status: Literal["open", "closed"]


class StandingOut(msgspec.Struct, frozen=True):
    place: int
    idea: int
    title: str
    theme: str
    authors: list[str]
    points: int


class PublishedBallotOut(msgspec.Struct, frozen=True):
    ballot_id: str
    choices: list[int]


class JurorScoresOut(msgspec.Struct, frozen=True):
    juror: str
    scores: dict[str, dict[str, int]]  # idea id → criterion key → score


class FinalStandingOut(msgspec.Struct, frozen=True):
    place: int
    idea: int
    title: str
    points: int
    public_share: float
    jury_score: float | None
    final_score: float


class ResultsOut(msgspec.Struct, frozen=True):
    """Everything needed to check the result by hand: the method (on `vote`), every ballot by its random id with its
    choices, the totals they give, the eligible voters and the turnout; the jury's scores by name and the final
    ranking. Approval: each chosen idea 1 point. Borda: with N places, the first choice N points, the second N − 1,
    …. Final score = (100 − J)% × points / the most points + J% × the jury's score (0–1), J the jury's weight."""

    vote: VoteOut
    eligible: int
    ballots: int
    turnout_percent: float
    standings: list[StandingOut]
    published_ballots: list[PublishedBallotOut]
    recount_matches: bool  # a recount of `published_ballots` gives the totals recorded at closing
    criteria: list[CriterionOut]
    jury_weight: int
    jurors: list[JurorScoresOut]
    final: list[FinalStandingOut]  # the public vote's share and the jury's score combined (ideas.rules)


# --------------------------------------------------------------------------- the jury


class JurorIn(msgspec.Struct, forbid_unknown_fields=True):
    email: Email


class JurorOut(msgspec.Struct, frozen=True):
    id: int
    name: str


class JuryOut(msgspec.Struct, frozen=True):
    """The jury as published in advance: criteria with weights, the jury's share of the final score, the jurors."""

    event: str
    criteria: list[CriterionOut]
    jury_weight: int
    score_max: int
    jurors: list[JurorOut]
    you_are_juror: bool


class ScoreIn(msgspec.Struct, forbid_unknown_fields=True):
    idea: IdeaId
    criterion: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    score: Annotated[int, msgspec.Meta(ge=0, le=10)]


class ScoresIn(msgspec.Struct, forbid_unknown_fields=True):
    scores: Annotated[list[ScoreIn], msgspec.Meta(min_length=1, max_length=2000)]


class ScoreOut(msgspec.Struct, frozen=True):
    idea: int
    criterion: str
    score: int


class MyScoresOut(msgspec.Struct, frozen=True):
    juror: str
    scores: list[ScoreOut]
    closed_ideas: list[int]  # on the ballot paper of a closed vote: their scores are published and stay
