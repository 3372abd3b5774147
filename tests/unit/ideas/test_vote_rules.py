"""Ideas and votes, the pure rules: the window, ballots, both counting methods against a naive recount of the
published list, what the published list can reveal, receipts, the jury and the final ranking (property-based)."""

from __future__ import annotations

import itertools
import json
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from ideas.rules import (
    ALPHABET,
    BALLOT_ID_LENGTH,
    RECEIPT_SECRET_LENGTH,
    SCORE_MAX,
    BallotProblem,
    BallotRejected,
    CriteriaProblem,
    CriteriaRejected,
    Criterion,
    IdeaProblem,
    IdeaRejected,
    Method,
    Session,
    Window,
    WindowState,
    check_ballot,
    check_criteria,
    check_link,
    default_window,
    eligible_places,
    final_standings,
    format_ballot_id,
    format_receipt,
    jury_scores,
    normalise_pitch,
    normalise_title,
    parse_ballot_id,
    parse_receipt,
    publish_ballots,
    standings,
    tally,
    turnout_percent,
    window_state,
)

T0 = datetime(2027, 3, 13, 12, 0, tzinfo=UTC)
methods = st.sampled_from(list(Method))
codes = st.text(alphabet=ALPHABET, min_size=BALLOT_ID_LENGTH, max_size=BALLOT_ID_LENGTH)


@st.composite
def votes(draw: st.DrawFn) -> tuple[Method, int, list[int], list[tuple[str, list[int]]]]:
    """A vote: its method, N, its ideas and valid ballots with distinct random ids."""
    method = draw(methods)
    allowed = draw(st.integers(1, 6))
    ideas = draw(st.lists(st.integers(1, 10_000), min_size=1, max_size=12, unique=True))
    ids = draw(st.lists(codes, max_size=40, unique=True))
    ballots = []
    for ballot_id in ids:
        choices = draw(st.lists(st.sampled_from(ideas), max_size=allowed, unique=True))
        ballots.append((ballot_id, choices))
    return method, allowed, ideas, ballots


def naive_recount(published_json: str, method: str, allowed: int, ideas: list[int]) -> dict[int, int]:
    """What anyone can do with the results page: read the published list and count by hand."""
    totals = {idea: 0 for idea in ideas}
    for ballot in json.loads(published_json):
        for position, idea in enumerate(ballot["choices"]):
            totals[idea] += 1 if method == "approval" else allowed - position
    return totals


def as_json(published: list) -> str:
    return json.dumps([{"ballot_id": b.ballot_id, "choices": list(b.choices)} for b in published])


# --- counting -----------------------------------------------------------------------------------------------------


@given(votes())
def test_the_tally_equals_a_recount_of_the_published_ballots(vote: tuple) -> None:
    method, allowed, ideas, ballots = vote
    published = publish_ballots(ballots)
    assert tally(method, allowed, ideas, [c for _, c in ballots]) == naive_recount(
        as_json(published), method.value, allowed, ideas)
    assert len(published) == len(ballots)


@given(votes())
def test_points_add_up(vote: tuple) -> None:
    method, allowed, ideas, ballots = vote
    totals = tally(method, allowed, ideas, [c for _, c in ballots])
    assert set(totals) == set(ideas)
    if method is Method.APPROVAL:
        assert sum(totals.values()) == sum(len(c) for _, c in ballots)
    else:  # a ballot with k choices gives N + (N-1) + … + (N-k+1)
        assert sum(totals.values()) == sum(sum(allowed - p for p in range(len(c))) for _, c in ballots)


def test_borda_by_hand() -> None:
    # N = 3: first 3 points, second 2, third 1.
    ballots = [[10, 20, 30], [20, 10], [30], []]
    assert tally(Method.BORDA, 3, [10, 20, 30, 40], ballots) == {10: 3 + 2, 20: 2 + 3, 30: 1 + 3, 40: 0}
    assert tally(Method.APPROVAL, 3, [10, 20, 30, 40], ballots) == {10: 2, 20: 2, 30: 2, 40: 0}


@given(st.dictionaries(st.integers(1, 50), st.integers(0, 6), min_size=1))
def test_standings_order_and_shared_places(totals: dict[int, int]) -> None:
    rows = standings(totals)
    assert [r.idea for r in rows] == sorted(totals, key=lambda i: (-totals[i], i))
    for before, after in itertools.pairwise(rows):
        if before.points == after.points:
            assert after.place == before.place
        else:
            assert after.place == rows.index(after) + 1
    assert rows[0].place == 1


# --- a changed ballot, and a closed vote --------------------------------------------------------------------------


@given(votes(), st.data())
def test_changing_a_ballot_replaces_it_and_never_counts_twice(vote: tuple, data: st.DataObject) -> None:
    """The box keeps one ballot per id; a change replaces the choices of that id. Whatever the order of casts and
    changes, the count equals the count of the last version of each ballot, and the number of ballots is the
    number of voters."""
    method, allowed, ideas, ballots = vote
    assume(ballots)
    box: dict[str, list[int]] = {}
    history: list[tuple[str, list[int]]] = []
    for ballot_id, choices in ballots:
        box[ballot_id] = choices
        history.append((ballot_id, choices))
        for _ in range(data.draw(st.integers(0, 2))):
            changed = data.draw(st.lists(st.sampled_from(ideas), max_size=allowed, unique=True))
            target = data.draw(st.sampled_from(sorted(box)))
            box[target] = changed
            history.append((target, changed))
    latest = dict(history)  # the last version per ballot id
    assert len(box) == len(ballots)
    assert tally(method, allowed, ideas, box.values()) == tally(method, allowed, ideas, latest.values())
    assert publish_ballots(box.items()) == publish_ballots(latest.items())


# --- what the published list reveals ------------------------------------------------------------------------------


@given(votes(), st.randoms(use_true_random=False))
def test_the_published_list_depends_only_on_the_ballots(vote: tuple, rng: random.Random) -> None:
    """Whoever cast which ballot, and in whatever order they were cast, the published list is the same: it is a
    function of the set of (random id, choices) alone, so it cannot carry who voted or when."""
    _, _, _, ballots = vote
    voters = [f"voter-{i}" for i in range(len(ballots))]
    cast = list(zip(voters, ballots, strict=True))
    shuffled_voters = voters[:]
    rng.shuffle(shuffled_voters)
    recast = list(zip(shuffled_voters, ballots, strict=True))
    rng.shuffle(recast)
    first = publish_ballots(b for _, b in cast)
    second = publish_ballots(b for _, b in recast)
    assert first == second
    assert [b.ballot_id for b in first] == sorted(b.ballot_id for b in first)
    assert all(set(vars_of(b)) == {"ballot_id", "choices"} for b in first)


def vars_of(ballot: object) -> dict[str, object]:
    return {name: getattr(ballot, name) for name in ballot.__slots__}  # type: ignore[attr-defined]


# --- ballots ------------------------------------------------------------------------------------------------------


def test_ballot_problems() -> None:
    ideas = [1, 2, 3, 4]
    assert check_ballot([3, 1], ideas, 3) == (3, 1)
    assert check_ballot([], ideas, 3) == ()  # a blank ballot counts for turnout only
    cases = [
        ([5], {}, BallotProblem.UNKNOWN_IDEA, 0),
        ([1, 2, 1], {}, BallotProblem.DUPLICATE, 2),
        ([1, 2, 3, 4], {}, BallotProblem.TOO_MANY, 3),
        ([1, 2], {"own_ideas": {2}, "authors_may_vote_own": False}, BallotProblem.OWN_IDEA, 1),
    ]
    for choices, options, problem, index in cases:
        with pytest.raises(BallotRejected) as caught:
            check_ballot(choices, ideas, 3, **options)
        assert (caught.value.problem, caught.value.index) == (problem, index)
    assert check_ballot([1, 2], ideas, 3, own_ideas={2}, authors_may_vote_own=True) == (1, 2)


@given(st.lists(st.integers(1, 8), max_size=10), st.integers(1, 5), st.sets(st.integers(1, 8)), st.booleans())
def test_an_accepted_ballot_is_always_countable(choices: list[int], allowed: int, own: set[int],
                                                 may_vote_own: bool) -> None:
    ideas = [1, 2, 3, 4, 5, 6]
    try:
        kept = check_ballot(choices, ideas, allowed, own_ideas=own, authors_may_vote_own=may_vote_own)
    except BallotRejected:
        return
    assert len(kept) <= allowed
    assert len(set(kept)) == len(kept)
    assert set(kept) <= set(ideas)
    assert may_vote_own or not set(kept) & own


# --- receipts -----------------------------------------------------------------------------------------------------


@given(codes, st.text(alphabet=ALPHABET, min_size=RECEIPT_SECRET_LENGTH, max_size=RECEIPT_SECRET_LENGTH))
def test_receipts_round_trip_as_typed(ballot_id: str, secret: str) -> None:
    receipt = format_receipt(ballot_id, secret)
    assert receipt.startswith(format_ballot_id(ballot_id) + "-")
    assert parse_receipt(receipt) == (ballot_id, secret)
    typed = receipt.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert parse_receipt(typed) == (ballot_id, secret)
    assert parse_ballot_id(format_ballot_id(ballot_id).lower()) == ballot_id


def test_bad_receipts() -> None:
    assert parse_receipt("") is None
    assert parse_receipt("ABCD-EFGH") is None  # a ballot id is not a receipt
    assert parse_receipt("!" * 24) is None
    assert parse_ballot_id("ABCD-EFGH-J") is None


# --- the window ---------------------------------------------------------------------------------------------------


def test_default_window_runs_from_the_first_round_to_the_pitches() -> None:
    h = timedelta(hours=1)
    sessions = [
        Session(T0, T0 + h / 2, False),  # welcome
        Session(T0 + h, T0 + 2 * h, True),  # round 1
        Session(T0 + 3 * h, T0 + 4 * h, True),  # round 2
        Session(T0 + 5 * h, T0 + 6 * h, False),  # pitches
        Session(T0 + 7 * h, T0 + 8 * h, False),  # drinks
    ]
    assert default_window(T0, T0 + 9 * h, sessions) == Window(T0 + h, T0 + 5 * h)
    assert default_window(T0, T0 + 9 * h, sessions[:3]) == Window(T0 + h, T0 + 9 * h)  # no pitches: the end
    assert default_window(T0, T0 + 9 * h, []) == Window(T0, T0 + 9 * h)  # no rounds: the whole event


@given(st.integers(-100, 100), st.integers(1, 100))
def test_window_state(minutes: int, length: int) -> None:
    window = Window(T0, T0 + timedelta(minutes=length))
    state = window_state(T0 + timedelta(minutes=minutes), window)
    expected = (WindowState.NOT_YET if minutes < 0 else WindowState.OPEN if minutes < length
                else WindowState.CLOSED)
    assert state == expected


# --- an idea's text -----------------------------------------------------------------------------------------------


def test_pitch_keeps_line_breaks_and_nothing_else() -> None:
    assert normalise_pitch("Eerste regel  \r\nTweede\r\n\r\n\r\n\nDerde\x0b\n\n") == "Eerste regel\nTweede\n\nDerde"
    assert normalise_pitch("<b>vet</b>") == "<b>vet</b>"  # kept as text; pages escape it
    with pytest.raises(IdeaRejected) as caught:
        normalise_pitch("x" * 2001)
    assert caught.value.problem is IdeaProblem.PITCH_TOO_LONG


def test_titles_and_links() -> None:
    assert normalise_title("  Een   keurmerk\tvoor iedereen ") == "Een keurmerk voor iedereen"
    for bad in ("", "   ", "x" * 121):
        with pytest.raises(IdeaRejected):
            normalise_title(bad)
    assert check_link(None) == ""
    assert check_link("  ") == ""
    assert check_link(" https://example.nl/plan?x=1 ") == "https://example.nl/plan?x=1"
    for bad in ("javascript:alert(1)", "data:text/html,x", "example.nl", "http://", "https://a b.nl",
                "https://user:pw@example.nl", "ftp://example.nl", "https://[::1"):
        with pytest.raises(IdeaRejected) as caught:
            check_link(bad)
        assert caught.value.field == "link"


# --- who may vote -------------------------------------------------------------------------------------------------


@given(st.sets(st.integers(1, 30)), st.none() | st.frozensets(st.integers(1, 40)))
def test_eligibility_follows_check_in_once_it_is_used(holders: set[int], checked_in: frozenset[int] | None) -> None:
    eligible = eligible_places(holders, checked_in)
    assert eligible <= holders
    if checked_in is not None:  # check-in is used: only those who are in (nobody, when none of them is)
        assert eligible == holders & checked_in
    else:
        assert eligible == holders


def test_turnout() -> None:
    assert turnout_percent(0, 0) == 0.0
    assert turnout_percent(2, 3) == 66.7
    assert turnout_percent(5, 5) == 100.0


# --- the jury and the final ranking -------------------------------------------------------------------------------


CRITERIA = (Criterion("impact", "Impact", 3), Criterion("haalbaar", "Haalbaarheid", 1))


def test_criteria_problems() -> None:
    assert check_criteria(CRITERIA, 40) == CRITERIA
    cases = [
        ((), 101, CriteriaProblem.BAD_JURY_WEIGHT),
        ((Criterion("a", "A", 1),) * 2, 10, CriteriaProblem.DUPLICATE_KEY),
        ((Criterion("Niet Goed", "A", 1),), 10, CriteriaProblem.BAD_KEY),
        ((Criterion("a", "A", 0),), 10, CriteriaProblem.BAD_WEIGHT),
        (tuple(Criterion(f"c{i}", "C", 1) for i in range(9)), 10, CriteriaProblem.TOO_MANY),
    ]
    for criteria, weight, problem in cases:
        with pytest.raises(CriteriaRejected) as caught:
            check_criteria(criteria, weight)
        assert caught.value.problem is problem


def test_jury_scores_by_hand() -> None:
    scores = {
        (1, 100, "impact"): 10, (1, 100, "haalbaar"): 2,  # juror 1: (3·10 + 1·2) / 40 = 32/40
        (2, 100, "impact"): 6, (2, 100, "haalbaar"): 10,  # juror 2: (3·6 + 1·10) / 40 = 28/40
        (1, 200, "impact"): 5,  # juror 1 left a criterion out for idea 200: not counted
        (2, 200, "onbekend"): 9,  # not a criterion
    }
    assert jury_scores(CRITERIA, scores) == {100: Fraction(30, 40)}
    assert jury_scores((), scores) == {}


def test_final_ranking_by_hand() -> None:
    totals = {1: 10, 2: 8, 3: 0}
    jury = {1: Fraction(1, 5), 2: Fraction(1, 1)}
    # Jury weight 50 %: idea 1 = ½·1 + ½·⅕ = 3/5; idea 2 = ½·⅘ + ½·1 = 9/10; idea 3 = 0.
    rows = final_standings(totals, jury, 50)
    assert [(r.place, r.idea, r.score) for r in rows] == [(1, 2, Fraction(9, 10)), (2, 1, Fraction(3, 5)),
                                                          (3, 3, Fraction(0))]
    assert rows[1].public_share == 1
    assert rows[1].jury == Fraction(1, 5)
    assert rows[2].jury is None
    # Without a jury weight, or with nobody scored, the public vote alone decides.
    assert [r.idea for r in final_standings(totals, jury, 0)] == [1, 2, 3]
    assert [r.idea for r in final_standings(totals, {}, 50)] == [1, 2, 3]


@given(st.dictionaries(st.integers(1, 30), st.integers(0, 50), min_size=1),
       st.dictionaries(st.integers(1, 30), st.fractions(0, 1)), st.integers(0, 100))
def test_final_ranking_properties(totals: dict[int, int], jury: dict[int, Fraction], weight: int) -> None:
    rows = final_standings(totals, jury, weight)
    assert sorted(r.idea for r in rows) == sorted(totals)
    assert all(0 <= r.score <= 1 for r in rows)
    assert [r.score for r in rows] == sorted((r.score for r in rows), reverse=True)
    if weight == 0 or not set(jury) & set(totals):  # the public vote alone: the same order as its standings
        assert [r.idea for r in rows] == [s.idea for s in standings(totals)]
    places = Counter(r.place for r in rows)
    for row in rows:  # a place is shared by exactly the rows with that score
        assert places[row.place] == sum(1 for other in rows if other.score == row.score)


@given(st.integers(1, 8))
def test_a_full_score_is_one_and_an_empty_one_zero(jurors: int) -> None:
    full = {(j, 7, c.key): SCORE_MAX for j in range(jurors) for c in CRITERIA}
    empty = {(j, 7, c.key): 0 for j in range(jurors) for c in CRITERIA}
    assert jury_scores(CRITERIA, full) == {7: 1}
    assert jury_scores(CRITERIA, empty) == {7: 0}
