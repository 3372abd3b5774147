"""Which part of a plan the board page shows (frontend.pages.board.board_view): pure, no I/O."""

from __future__ import annotations

from frontend.pages.board_parts import CARDS_PER_PAGE, board_view, view_query
from pairing.schemas import GroupMemberOut, GroupOut, PlanOut, PlanSettingsOut, ReportOut, RoundOut


def person(i: int) -> GroupMemberOut:
    return GroupMemberOut(id=i, name=f"Persoon {i}", role="buyer", experience_level=2, industry="retail",
                          organisation="Org", duo_partner=None, has_ticket=True)


def plan(rounds: int, themes: dict[str, int], group_size: int = 5) -> PlanOut:
    """A plan as pairing.board.plan_view returns it: per round, per theme, groups of ``group_size`` people."""
    out = []
    for r in range(1, rounds + 1):
        groups = []
        for theme, people in themes.items():
            for number in range(1, people // group_size + 1):
                groups.append(GroupOut(id=len(groups) + 1, theme=theme, theme_title=theme.title(), number=number,
                                       room="", size=group_size, members=[person(k) for k in range(group_size)]))
        out.append(RoundOut(round=r, starts_at=None, ends_at=None, session_id=None, groups=groups))
    report = ReportOut(hard_violations=0, violation_counts={}, violations=[], preferences=[], diversity=0.0,
                       diversity_bound=0.0, gap_percent=0.0, bound_without_rules=0.0, bound_with_sizes=0.0,
                       bound_method="sizes", optimal=True, infeasibility=[])
    return PlanOut(event="e", status="draft", changed_since_publish=False, generated_at=None, updated_at=None,
                   published_at=None, settings=PlanSettingsOut(rounds=rounds, min_size=4, max_size=6,
                                                               duo_policy="apart", mode="rotate", seed=0),
                   ticket_holders=sum(themes.values()), unplaced=[], rounds=out, pins=[], report=report)


def test_a_small_plan_shows_every_round() -> None:
    view = board_view(plan(3, {"imago": 100, "keurmerk": 100}))
    assert [r.round for r in view.rounds] == [1, 2, 3]
    assert view.round_links == ()
    assert view.theme_links == ()
    assert view_query(view) == ""


def test_a_large_plan_shows_one_round_with_links_to_the_others() -> None:
    big = plan(3, {"imago": 200, "keurmerk": 200, "mens": 200})  # 1,800 cards, 600 a round
    view = board_view(big)
    assert [r.round for r in view.rounds] == [1]
    assert view.theme is None
    assert [(link.round, link.people, link.current) for link in view.round_links] == [
        (1, 600, True), (2, 600, False), (3, 600, False)]
    assert sum(g.size for g in view.rounds[0].groups) == 600
    second = board_view(big, "2")
    assert second.rounds[0].round == 2
    assert view_query(second) == "?ronde=2"
    assert board_view(big, "9").rounds[0].round == 1  # unknown round: the first
    assert board_view(big, "x").rounds[0].round == 1


def test_a_huge_round_shows_one_theme_at_a_time() -> None:
    huge = plan(2, {"imago": 600, "keurmerk": 500, "mens klantcontact": 400})  # 1,500 cards a round
    view = board_view(huge, "2")
    assert view.round == 2
    assert view.theme == "imago"
    assert {g.theme for g in view.rounds[0].groups} == {"imago"}
    assert [(t.theme, t.people, t.current) for t in view.theme_links] == [
        ("imago", 600, True), ("keurmerk", 500, False), ("mens klantcontact", 400, False)]
    other = board_view(huge, "2", "mens klantcontact")
    assert sum(g.size for g in other.rounds[0].groups) == 400
    assert view_query(other) == "?ronde=2&thema=mens%20klantcontact"
    assert board_view(huge, "2", "nope").theme == "imago"
    for part in (view, other):  # every page stays within the card budget
        assert sum(g.size for r in part.rounds for g in r.groups) <= CARDS_PER_PAGE


def test_a_round_or_theme_asked_for_is_shown_even_on_a_small_plan() -> None:
    small = plan(2, {"imago": 20, "keurmerk": 20})
    assert [r.round for r in board_view(small, "2").rounds] == [2]
    only = board_view(small, "1", "keurmerk")
    assert {g.theme for g in only.rounds[0].groups} == {"keurmerk"}
