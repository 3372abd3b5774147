"""Pure rules of ideas and votes: the submission window, the two counting methods, the published ballot list, the
jury's criteria and the final ranking. No I/O, no clock reads (`now` is passed in), no randomness (ballot ids and
receipt secrets are drawn by `ideas/ballots.py` and only parsed and formatted here).

Counting, in one place, so that the page that explains it and the code that does it cannot drift apart:

- **Approval** (`Method.APPROVAL`, "goedkeuring"): a ballot names up to N different ideas; each named idea gets one
  point. N is the organiser's choice (3 by default).
- **Ranked, Borda** (`Method.BORDA`, "rangorde"): a ballot puts up to N different ideas in order; the first gets N
  points, the second N − 1, …, the N-th 1 point; ideas left off get nothing. With N equal to the number of ideas
  this is the classic Borda count (shifted by one point per ranked idea, which changes no order).

A blank ballot (no choices) is valid: it counts for turnout and gives nobody a point. Totals are exact integers, so a
recount from the published ballots gives the same figures on any machine.

The final ranking (`final_standings`), when the organiser adds a jury:

    public share  = the idea's points / the highest number of points in the vote   (0 when nobody got a point)
    jury score    = the mean, over the jurors who scored every criterion of the idea, of
                    Σ weight × score / (Σ weight × SCORE_MAX)                       (between 0 and 1)
    final score   = (100 − J)% × public share + J% × jury score                     (J: the jury's weight, 0–100)

Without a jury (J = 0, or no juror scored an idea of the vote) the final ranking is the public vote's. Scores are
compared as exact fractions: equal scores share a place ("1, 1, 3").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from fractions import Fraction
from typing import Final
from urllib.parse import urlsplit

__all__ = [
    "BALLOT_ID_LENGTH",
    "DEFAULT_CHOICES",
    "MAX_CHOICES",
    "RECEIPT_SECRET_LENGTH",
    "SCORE_MAX",
    "BallotProblem",
    "BallotRejected",
    "CriteriaProblem",
    "CriteriaRejected",
    "Criterion",
    "FinalStanding",
    "IdeaProblem",
    "IdeaRejected",
    "Method",
    "PublishedBallot",
    "Session",
    "Standing",
    "VoteStatus",
    "WallVisibility",
    "Window",
    "WindowState",
    "check_ballot",
    "check_criteria",
    "check_link",
    "default_window",
    "eligible_places",
    "final_standings",
    "format_ballot_id",
    "format_receipt",
    "jury_scores",
    "normalise_pitch",
    "normalise_title",
    "parse_ballot_id",
    "parse_receipt",
    "points_for",
    "publish_ballots",
    "slug_key",
    "standings",
    "tally",
    "turnout_percent",
    "window_state",
]

DEFAULT_CHOICES: Final = 3
MAX_CHOICES: Final = 20
SCORE_MAX: Final = 10  # a juror scores each criterion 0 … SCORE_MAX
MAX_CRITERIA: Final = 8
TITLE_MAX: Final = 120
PITCH_MAX: Final = 2000
LINK_MAX: Final = 500
# Crockford's base-32 alphabet: no I, L, O or U, so a receipt read aloud or typed from a screenshot survives.
ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BALLOT_ID_LENGTH: Final = 8  # 40 bits: published after closing, next to the ballot's choices
RECEIPT_SECRET_LENGTH: Final = 16  # 80 bits: never stored (only its SHA-256), needed to change the ballot
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


class Method(StrEnum):
    APPROVAL = "approval"
    BORDA = "borda"


class VoteStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class WallVisibility(StrEnum):
    PUBLIC = "public"  # anyone, signed in or not
    ATTENDEES = "attendees"  # ticket holders of the event, its organiser and facilitators


class WindowState(StrEnum):
    NOT_YET = "not_yet"
    OPEN = "open"
    CLOSED = "closed"


# --------------------------------------------------------------------------- the submission window


@dataclass(frozen=True, slots=True)
class Session:
    """An agenda session as the window needs it."""

    starts_at: datetime
    ends_at: datetime
    is_breakout_round: bool


@dataclass(frozen=True, slots=True)
class Window:
    """Ideas may be submitted and edited from `opens_at` (inclusive) until `closes_at` (exclusive)."""

    opens_at: datetime
    closes_at: datetime


def default_window(event_start: datetime, event_end: datetime, sessions: Iterable[Session]) -> Window:
    """From the start of the first breakout round until the pitches: the first session that starts once the last
    breakout round has ended. Without breakout rounds: the whole event; without a session after the last round: until
    the event ends."""
    rounds = sorted((s for s in sessions if s.is_breakout_round), key=lambda s: s.starts_at)
    if not rounds:
        return Window(event_start, event_end)
    opens = rounds[0].starts_at
    last_end = max(s.ends_at for s in rounds)
    after = sorted(s.starts_at for s in sessions if not s.is_breakout_round and s.starts_at >= last_end)
    closes = after[0] if after else event_end
    return Window(opens, closes if closes > opens else max(event_end, opens))


def window_state(now: datetime, window: Window) -> WindowState:
    if now < window.opens_at:
        return WindowState.NOT_YET
    if now < window.closes_at:
        return WindowState.OPEN
    return WindowState.CLOSED


# --------------------------------------------------------------------------- an idea's text


class IdeaProblem(StrEnum):
    TITLE_EMPTY = "title_empty"
    TITLE_TOO_LONG = "title_too_long"
    PITCH_TOO_LONG = "pitch_too_long"
    LINK_INVALID = "link_invalid"


class IdeaRejected(ValueError):
    def __init__(self, problem: IdeaProblem, field: str) -> None:
        super().__init__(problem.value)
        self.problem = problem
        self.field = field


def _clean_line(line: str) -> str:
    # Control characters (a pasted vertical tab, a zero-width joiner is fine) never reach a projector.
    return "".join(c for c in line if c == "\t" or unicodedata.category(c) != "Cc").rstrip()


def normalise_title(title: str) -> str:
    text = " ".join(_clean_line(title).split())
    if not text:
        raise IdeaRejected(IdeaProblem.TITLE_EMPTY, "title")
    if len(text) > TITLE_MAX:
        raise IdeaRejected(IdeaProblem.TITLE_TOO_LONG, "title")
    return text


def normalise_pitch(pitch: str) -> str:
    """Plain text with line breaks: CR LF and CR become LF, trailing spaces go, at most one empty line in a row, no
    empty lines at the start or end. Nothing is interpreted (no HTML, no Markdown): pages escape it and keep the
    breaks."""
    lines = [_clean_line(line) for line in pitch.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    out: list[str] = []
    for line in lines:
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    while out and not out[-1]:
        out.pop()
    text = "\n".join(out)
    if len(text) > PITCH_MAX:
        raise IdeaRejected(IdeaProblem.PITCH_TOO_LONG, "pitch")
    return text


def check_link(link: str | None) -> str:
    """An optional http(s) link with a host; "" for none. Anything else (javascript:, data:, a bare word) is
    refused: the link is shown to everyone on the wall."""
    text = (link or "").strip()
    if not text:
        return ""
    if len(text) > LINK_MAX or any(c.isspace() or unicodedata.category(c) == "Cc" for c in text):
        raise IdeaRejected(IdeaProblem.LINK_INVALID, "link")
    try:
        parts = urlsplit(text)
    except ValueError as exc:
        raise IdeaRejected(IdeaProblem.LINK_INVALID, "link") from exc
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        raise IdeaRejected(IdeaProblem.LINK_INVALID, "link")
    return text


# --------------------------------------------------------------------------- who may vote


def eligible_places(holders: Iterable[int], checked_in: frozenset[int] | None) -> frozenset[int]:
    """The ticket holders (place ids) who may vote: all of them when the event does not use check-in (`checked_in`
    None), else those who are checked in. (Check-in counts as used once anybody of the event has been checked in:
    ideas/eligibility.py.)"""
    places = frozenset(holders)
    if checked_in is None:
        return places
    return places & checked_in


def turnout_percent(ballots: int, eligible: int) -> float:
    """Ballots as a share of the eligible voters, in percent with one decimal (0 when nobody was eligible)."""
    if eligible <= 0:
        return 0.0
    return round(100 * ballots / eligible, 1)


# --------------------------------------------------------------------------- ballots


class BallotProblem(StrEnum):
    UNKNOWN_IDEA = "unknown_idea"  # not on this vote's ballot paper
    DUPLICATE = "duplicate_choice"  # the same idea twice
    TOO_MANY = "too_many_choices"  # more than N
    OWN_IDEA = "own_idea"  # an author votes for their own idea, and the organiser does not allow it


class BallotRejected(ValueError):
    def __init__(self, problem: BallotProblem, index: int | None = None) -> None:
        super().__init__(problem.value)
        self.problem = problem
        self.index = index


def check_ballot(choices: Sequence[int], ideas: Sequence[int], allowed: int, *, own_ideas: Iterable[int] = (),
                 authors_may_vote_own: bool = True) -> tuple[int, ...]:
    """The choices as they will be stored: ideas of this vote, each at most once, at most `allowed` of them, in the
    voter's order (which matters for Borda). `own_ideas` are the ideas the voter is an author of."""
    known = set(ideas)
    own = frozenset(own_ideas)
    seen: set[int] = set()
    for index, idea in enumerate(choices):
        if idea not in known:
            raise BallotRejected(BallotProblem.UNKNOWN_IDEA, index)
        if idea in seen:
            raise BallotRejected(BallotProblem.DUPLICATE, index)
        if not authors_may_vote_own and idea in own:
            raise BallotRejected(BallotProblem.OWN_IDEA, index)
        seen.add(idea)
    if len(choices) > allowed:
        raise BallotRejected(BallotProblem.TOO_MANY, allowed)
    return tuple(choices)


def points_for(method: Method, allowed: int, position: int) -> int:
    """The points a choice at `position` (0-based) of a ballot gives."""
    if method is Method.APPROVAL:
        return 1
    return max(0, allowed - position)


def tally(method: Method, allowed: int, ideas: Iterable[int], ballots: Iterable[Sequence[int]]) -> dict[int, int]:
    """Points per idea of the vote (every idea present, 0 when nobody chose it)."""
    totals = dict.fromkeys(ideas, 0)
    for choices in ballots:
        for position, idea in enumerate(choices):
            totals[idea] += points_for(method, allowed, position)
    return totals


@dataclass(frozen=True, slots=True)
class Standing:
    place: int  # 1-based; equal points share a place and the next place is skipped ("1, 1, 3")
    idea: int
    points: int


def standings(totals: Mapping[int, int]) -> list[Standing]:
    """Most points first; within a tie, by idea id (the order ideas were submitted), sharing the place."""
    ordered = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    out: list[Standing] = []
    for index, (idea, points) in enumerate(ordered):
        place = out[-1].place if out and out[-1].points == points else index + 1
        out.append(Standing(place, idea, points))
    return out


@dataclass(frozen=True, slots=True, order=True)
class PublishedBallot:
    """What the results page shows of one ballot: its random id and its choices. Nothing else exists to show."""

    ballot_id: str
    choices: tuple[int, ...]


def publish_ballots(ballots: Iterable[tuple[str, Sequence[int]]]) -> list[PublishedBallot]:
    """The published list: sorted by ballot id. Ids are random and the list carries nothing else, so its order and
    content depend only on the ballots, never on who cast them or when."""
    return sorted(PublishedBallot(ballot_id, tuple(choices)) for ballot_id, choices in ballots)


# --------------------------------------------------------------------------- receipts


def _normalise_code(text: str) -> str:
    return "".join(c for c in text.upper() if c not in "- \t").translate(_CONFUSABLE)


def format_ballot_id(ballot_id: str) -> str:
    """`K7QF93XM` → `K7QF-93XM` (as shown; stored without the dash)."""
    return f"{ballot_id[:4]}-{ballot_id[4:]}"


def format_receipt(ballot_id: str, secret: str) -> str:
    """The receipt a voter keeps: the ballot id (the first two groups, published after closing) followed by the
    secret that proves the ballot is theirs to change (never published, never stored)."""
    whole = ballot_id + secret
    return "-".join(whole[i:i + 4] for i in range(0, len(whole), 4))


def parse_receipt(text: str) -> tuple[str, str] | None:
    """(ballot id, secret) from a receipt as typed (any case, with or without dashes or spaces, O for 0 and I or L
    for 1); None when it cannot be one."""
    code = _normalise_code(text)
    if len(code) != BALLOT_ID_LENGTH + RECEIPT_SECRET_LENGTH or any(c not in ALPHABET for c in code):
        return None
    return code[:BALLOT_ID_LENGTH], code[BALLOT_ID_LENGTH:]


def parse_ballot_id(text: str) -> str | None:
    code = _normalise_code(text)
    if len(code) != BALLOT_ID_LENGTH or any(c not in ALPHABET for c in code):
        return None
    return code


# --------------------------------------------------------------------------- the jury


@dataclass(frozen=True, slots=True)
class Criterion:
    key: str
    title: str
    weight: int  # 1 … 100, relative to the other criteria
    description: str = ""


class CriteriaProblem(StrEnum):
    TOO_MANY = "too_many_criteria"
    DUPLICATE_KEY = "duplicate_criterion"
    BAD_KEY = "criterion_key_invalid"
    BAD_WEIGHT = "criterion_weight_invalid"
    BAD_JURY_WEIGHT = "jury_weight_invalid"


class CriteriaRejected(ValueError):
    def __init__(self, problem: CriteriaProblem, index: int | None = None) -> None:
        super().__init__(problem.value)
        self.problem = problem
        self.index = index


_KEY = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def slug_key(text: str) -> str:
    """A criterion's key from what an organiser typed: "Haalbaarheid & impact" → "haalbaarheid-impact"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:40].strip("-")


def check_criteria(criteria: Sequence[Criterion], jury_weight: int) -> tuple[Criterion, ...]:
    """Up to MAX_CRITERIA criteria with their own short keys and weights 1–100; the jury's share of the final score
    0–100 %. (No criteria with a jury weight above 0 is allowed: the jury then has nothing to score and the public
    vote decides alone.)"""
    if not 0 <= jury_weight <= 100:
        raise CriteriaRejected(CriteriaProblem.BAD_JURY_WEIGHT)
    if len(criteria) > MAX_CRITERIA:
        raise CriteriaRejected(CriteriaProblem.TOO_MANY)
    seen: set[str] = set()
    for index, criterion in enumerate(criteria):
        if not _KEY.match(criterion.key) or len(criterion.key) > 40:
            raise CriteriaRejected(CriteriaProblem.BAD_KEY, index)
        if criterion.key in seen:
            raise CriteriaRejected(CriteriaProblem.DUPLICATE_KEY, index)
        if not 1 <= criterion.weight <= 100:
            raise CriteriaRejected(CriteriaProblem.BAD_WEIGHT, index)
        seen.add(criterion.key)
    return tuple(criteria)


def jury_scores(criteria: Sequence[Criterion],
                scores: Mapping[tuple[int, int, str], int]) -> dict[int, Fraction]:
    """Idea → the jury's score between 0 and 1: per juror Σ weight × score / (Σ weight × SCORE_MAX), then the mean
    over the jurors who scored every criterion of that idea (a juror who left one out is left out for that idea).
    `scores` maps (juror, idea, criterion key) → 0 … SCORE_MAX. Ideas nobody fully scored are absent."""
    if not criteria:
        return {}
    weights = {c.key: c.weight for c in criteria}
    denominator = sum(weights.values()) * SCORE_MAX
    per: dict[tuple[int, int], dict[str, int]] = {}
    for (juror, idea, key), score in scores.items():
        if key in weights:
            per.setdefault((juror, idea), {})[key] = score
    by_idea: dict[int, list[Fraction]] = {}
    for (_, idea), given in per.items():
        if len(given) == len(weights):
            by_idea.setdefault(idea, []).append(
                Fraction(sum(weights[k] * s for k, s in given.items()), denominator))
    return {idea: sum(values, Fraction(0)) / len(values) for idea, values in by_idea.items()}


@dataclass(frozen=True, slots=True)
class FinalStanding:
    place: int
    idea: int
    points: int  # the public vote's points
    public_share: Fraction  # points / the most points in the vote
    jury: Fraction | None  # the jury's score, None when no juror scored the idea completely
    score: Fraction  # the final score the place comes from


def final_standings(totals: Mapping[int, int], jury: Mapping[int, Fraction], jury_weight: int) -> list[FinalStanding]:
    """The final ranking (see the module docstring). Equal final scores share a place; the list shows them by public
    points, then idea id."""
    top = max(totals.values(), default=0)
    with_jury = jury_weight > 0 and any(idea in jury for idea in totals)
    w = Fraction(jury_weight, 100) if with_jury else Fraction(0)
    rows = []
    for idea, points in totals.items():
        share = Fraction(points, top) if top else Fraction(0)
        judged = jury.get(idea) if with_jury else None
        score = (1 - w) * share + w * (judged or Fraction(0))
        rows.append((score, points, idea, share, judged))
    rows.sort(key=lambda r: (-r[0], -r[1], r[2]))
    out: list[FinalStanding] = []
    for index, (score, points, idea, share, judged) in enumerate(rows):
        place = out[-1].place if out and out[-1].score == score else index + 1
        out.append(FinalStanding(place, idea, points, share, judged, score))
    return out
