"""The facilitator's board and the organiser's sales partial, without a database: form parsing, and the templates
rendered in Dutch and English with a plan that breaks rules (red counts with explanations, green zeros)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import msgspec
import pytest
from litestar import Litestar, get
from litestar.params import FromPath
from litestar.response import Template
from litestar.testing import TestClient

from frontend.assets import TEMPLATE_DIR, create_template_config
from frontend.pages.board import (
    RULES,
    explain_infeasibility,
    generate_settings,
    plan_context,
    rooms_from_form,
    violations_by_group,
)
from frontend.pages.board_parts import room_default_field, room_field, room_rows
from pairing.schemas import PlanOut
from tests.support.event_views import event_out, theme
from tests.support.page_routes import page_dependencies, page_routes


def member(i: int, level: int = 2, industry: str = "retail") -> dict[str, Any]:
    return {"id": i, "name": f"Persoon {i}", "role": "buyer", "experience_level": level, "industry": industry,
            "organisation": "Org", "duo_partner": None, "has_ticket": True}


def plan() -> PlanOut:
    """A plan as pairing.board.plan_view returns it."""
    groups = [
        {"id": 1, "theme": "keurmerk", "theme_title": "Keurmerk", "number": 1, "room": "Zaal 1", "size": 2,
         "members": [member(1, 4), member(2, 0, "healthcare")]},
        {"id": 2, "theme": "imago", "theme_title": "Imago", "number": 1, "room": "", "size": 1,
         "members": [member(3)]},
    ]
    return msgspec.convert({
        "event": "e", "status": "draft", "changed_since_publish": False, "generated_at": None, "updated_at": None,
        "published_at": None,
        "settings": {"rounds": 1, "min_size": 2, "max_size": 4, "duo_policy": "apart", "mode": "rotate", "seed": 0},
        "ticket_holders": 3, "unplaced": [],
        "rounds": [{"round": 1, "starts_at": datetime(2027, 3, 10, 13, tzinfo=UTC),
                    "ends_at": datetime(2027, 3, 10, 14, 30, tzinfo=UTC), "session_id": 1, "groups": groups}],
        "pins": [{"attendee": 1, "round": 1, "theme": "keurmerk", "group": 1}],
        "report": {
            "hard_violations": 2, "violation_counts": {"group_size": 1, "duo_apart": 1},
            "violations": [
                {"rule": "group_size", "explanation": "…", "round": 1, "theme": "imago", "group": 1,
                 "attendees": [{"id": 3, "name": "Persoon 3"}]},
                {"rule": "duo_apart", "explanation": "…", "round": 1, "theme": "keurmerk", "group": 1,
                 "attendees": [{"id": 1, "name": "Persoon 1"}, {"id": 2, "name": "Persoon 2"}]},
            ],
            "preferences": [{"round": 1, "first": 2, "second": 0, "third": 0, "other": 0, "neutral": 1,
                             "as_planned": 1}],
            "diversity": 10.25, "diversity_bound": 12.5, "gap_percent": 18.0, "infeasibility": [],
            "bound_without_rules": 14.0, "bound_with_sizes": 13.0, "bound_method": "per_round", "optimal": False,
        },
    }, PlanOut)


def test_generate_settings_reads_numbers_and_names_the_fields_that_are_not() -> None:
    settings, errors = generate_settings({"rounds": "2", "min_size": "3", "max_size": "5", "duo_policy": "either",
                                          "mode": "stay", "seed": "42"})
    assert errors == {}
    assert settings is not None
    assert (settings.rounds, settings.min_size, settings.max_size, settings.duo_policy, settings.mode,
            settings.seed) == (2, 3, 5, "either", "stay", 42)
    defaults, _ = generate_settings({})
    assert defaults is not None
    assert defaults.rounds is None
    assert (defaults.min_size, defaults.max_size) == (4, 6)
    assert generate_settings({"rounds": "drie", "seed": "1.5"}) == (None, {"rounds": "Enter a whole number.",
                                                                           "seed": "Enter a whole number."})


def test_rooms_from_form_keeps_only_changed_rooms() -> None:
    form = {room_field(1, 1, "keurmerk"): "Zaal 1", room_field(1, 1, "imago"): "  De  Studio ",
            room_field(9, 1, "onbekend"): "x"}
    changed = rooms_from_form(form, plan())
    assert [(r.theme, r.group, r.round, r.room) for r in changed] == [("imago", 1, 1, "De  Studio")]


def two_rounds(rooms: tuple[str, str] = ("Zaal 1", "Zaal 1")) -> PlanOut:
    """Keurmerk group 1 in two rounds (rooms as given) with persons 1 and 2 in both: they meet twice."""
    base = plan()
    first = base.rounds[0]
    second = msgspec.structs.replace(first, round=2, groups=[
        msgspec.structs.replace(first.groups[0], id=3, room=rooms[1]),
        msgspec.structs.replace(first.groups[1], id=4)])
    first = msgspec.structs.replace(first, groups=[msgspec.structs.replace(first.groups[0], room=rooms[0]),
                                                   first.groups[1]])
    met = msgspec.convert({"rule": "met_before", "explanation": "…", "round": None, "theme": None, "group": None,
                           "attendees": [{"id": 1, "name": "Persoon 1"}, {"id": 2, "name": "Persoon 2"}]},
                          type(base.report.violations[0]))
    report = msgspec.structs.replace(base.report, violations=[*base.report.violations, met])
    return msgspec.structs.replace(base, rounds=[first, second], report=report,
                                   settings=msgspec.structs.replace(base.settings, rounds=2))


def test_a_room_is_typed_once_for_every_round_and_a_round_may_differ() -> None:
    same, mixed = room_rows(two_rounds()), room_rows(two_rounds(("Zaal 1", "Zaal 2")))
    assert [(r.theme, r.number, r.room, r.mixed) for r in same] == [
        ("keurmerk", 1, "Zaal 1", False), ("imago", 1, "", False)]
    assert (mixed[0].room, mixed[0].mixed, [r.room for r in mixed[0].rounds]) == ("", True,
                                                                                               ["Zaal 1", "Zaal 2"])
    # The field for every round wins where it changed; a round typed apart is applied after it.
    form = {room_default_field(1, "imago"): "De Studio", room_default_field(1, "keurmerk"): "Zaal 1",
            room_field(1, 1, "imago"): "", room_field(2, 1, "imago"): "Kelder", room_field(1, 1, "keurmerk"): "Zaal 1"}
    changed = rooms_from_form(form, two_rounds())
    assert [(r.theme, r.group, r.round, r.room) for r in changed] == [("imago", 1, None, "De Studio"),
                                                                      ("imago", 1, 2, "Kelder")]


def test_each_broken_rule_is_shown_at_the_groups_it_concerns() -> None:
    broken = violations_by_group(two_rounds())
    assert [v.rule for v in broken[1]] == ["duo_apart", "met_before"]  # round 1's Keurmerk group
    assert [v.rule for v in broken[3]] == ["met_before"]  # where they meet again, in round 2
    assert [v.rule for v in broken[2]] == ["group_size"]


@pytest.fixture
def client() -> TestClient[Litestar]:
    @get("/area/{lang:str}", sync_to_thread=False)
    def area_page(lang: FromPath[str]) -> Template:
        return area(lang)

    def area(lang: str, shown: PlanOut | None = None) -> Template:
        event = event_out(slug="e", timezone="Europe/Amsterdam", themes=[
            theme(key="keurmerk", title="Keurmerk"), theme(key="imago", title="Imago", position=1)])
        shown = shown or plan()
        return Template("board/_area.html", context={
            "lang": lang, "plan": shown, "csrf_input": "", "event": event,
            "levels": {0: "Starter", 1: "Junior", 2: "Medior", 3: "Senior", 4: "Expert"},
            "industries": {"retail": "Retail en groothandel", "healthcare": "Zorg en welzijn"},
            "pinned": {(1, 1)}, "rules": RULES, **plan_context(event, shown, None, lang, board_path="/begeleiden/e"),
        })

    @get("/edit", sync_to_thread=False)
    def edit() -> Template:
        context = area("nl").context
        return Template("board/_edit.html", context={**context, "round": context["plan"].rounds[0],
                                                     "board_message": "Persoon 3 is verplaatst."})

    @get("/sales", sync_to_thread=False)
    def sales() -> Template:
        return Template("organiser/_sales.html", context={"sales": {
            "event": {"slug": "e", "price_cents": 2500}, "capacity_duos": 10, "held_duos": 1, "paid_duos": 2,
            "free_duos": 7, "paid_cents": 5000, "cancelled_duos": 1,
            "refunds": {"in_progress": 1, "succeeded": 0, "failed": 0, "refunded_cents": 0,
                        "in_progress_cents": 2500},
            "daily": [{"day": date(2027, 1, 5), "reserved": 2, "paid": 1}, {"day": date(2027, 1, 6), "reserved": 2,
                                                                            "paid": 2}]}})

    @get("/explained/{lang:str}/{variant:str}", sync_to_thread=False)
    def explained(lang: FromPath[str], variant: FromPath[str]) -> Template:
        context = area(lang).context
        changes: dict[str, Any] = {"hard_violations": 0, "violation_counts": {}, "violations": []}
        if variant == "linked":  # the bound of the event: 1,341 without rules, 1,190 with them
            changes.update(diversity=1165.0, diversity_bound=1190.0, gap_percent=2.1, bound_without_rules=1341.0,
                           bound_with_sizes=1301.0, bound_method="linked", optimal=False)
        else:
            changes.update(diversity=445.0, diversity_bound=445.0, gap_percent=0.0, bound_without_rules=445.0,
                           bound_with_sizes=445.0, bound_method="sizes", optimal=True)
        report = msgspec.structs.replace(context["plan"].report, **changes)
        return area(lang, msgspec.structs.replace(context["plan"], report=report))

    app = Litestar(route_handlers=[area_page, edit, sales, explained, *page_routes()],
                   dependencies=page_dependencies(),
                   template_config=create_template_config([TEMPLATE_DIR]))
    with TestClient(app) as test_client:
        yield test_client


def test_the_report_shows_broken_rules_in_red_with_explanations_and_zeros_in_green(client: TestClient[Litestar]
                                                                                   ) -> None:
    html = client.get("/area/nl").text
    assert html.count("badge--danger") == 2
    assert html.count("badge--success") == 5
    assert "Duopartners Persoon 1, Persoon 2 zitten samen in ronde 1, Keurmerk groep 1." in html
    size = "Imago groep 1 in ronde 1 heeft 1 persoon; groepen zijn 2 tot 4 mensen."
    assert html.count(size) == 2  # in the report, and at the group itself
    assert html.count("Duopartners Persoon 1, Persoon 2 zitten samen in ronde 1, Keurmerk groep 1.") == 2
    assert html.count("board__group--broken") == 2
    assert 'href="#groep-2">Naar de groep</a>' in html
    assert "10,2" in html
    assert "12,5" in html
    assert "18,0" in html
    assert "50&nbsp;%" in html  # 1 of 2 who ranked got the planned theme, said in words:
    assert "Ronde 1: 1e keus" in html
    assert "1 van de 2 die de thema's rangschikten kregen hun 1e keus" in html
    assert html.count('class="board__card"') == 3
    assert ">vast<" in html
    assert html.count('<span class="board__org">Org</span>') == 3  # two people with one name told apart
    # Rooms: one field per theme group for every round, the rounds folded away behind it.
    assert 'name="room-all:1:keurmerk" value="Zaal 1"' in html
    assert 'name="room:1:1:keurmerk" value="Zaal 1"' in html
    assert "Zaal: Zaal 1" in html
    assert "Nog geen zaal" in html
    assert "14:00–15:30" in html  # the round's times in the event's zone


def test_the_report_explains_its_gap_in_words_or_says_proven_optimal(client: TestClient[Litestar]) -> None:
    html = client.get("/explained/nl/linked").text
    assert "Afstand tot de grens: 2,1 %" in html
    assert "hoogstens 2,1 % meer te winnen" in html
    # 1,341 − 1,165 = 176 = 13.1 % of 1,341: 3.0 % from the colleagues' group sizes, 8.3 % from no-repeat.
    assert "Zonder regels zou de grens 1341,0 zijn, 13,1 % boven deze indeling." in html
    assert "Daarvan komt 3,0 % door de groepsgroottes" in html
    assert "en 8,3 % door de regel" in html
    assert "Optimaal bewezen" not in html
    english = client.get("/explained/en/linked").text
    assert "Without the rules the bound would be 1341.0, 13.1 % above this plan." in english
    optimal = client.get("/explained/nl/optimal").text
    assert "Optimaal bewezen." in optimal
    assert "Afstand tot de grens" not in optimal
    assert "Zonder regels" not in optimal
    # A plan that breaks a rule is compared with the bound without rules, and the board says so.
    assert "wordt de diversiteit vergeleken met de grens die de regels negeert" in client.get("/area/nl").text


def test_the_board_area_in_english(client: TestClient[Litestar]) -> None:
    html = client.get("/area/en").text
    assert "Quality report" in html
    assert "Duo partners Persoon 1, Persoon 2 share round 1, Keurmerk group 1." in html
    assert "10.2" in html
    assert "Move here" in html


def test_an_edit_answers_with_its_round_and_the_report_and_status_out_of_band(client: TestClient[Litestar]
                                                                              ) -> None:
    html = client.get("/edit").text
    assert html.lstrip().startswith('<section class="board__round" id="round-1"')
    assert '<section class="card report" id="report" aria-labelledby="report-title" hx-swap-oob="true">' in html
    assert 'id="board-status" class="board-status" data-board-message hx-swap-oob="true"><p class="alert' in html
    assert "Persoon 3 is verplaatst." in html
    assert 'id="board-area"' not in html


def test_the_sales_chart_writes_every_number_out(client: TestClient[Litestar]) -> None:
    html = client.get("/sales").text
    assert "Betaalde duo&#39;s per dag" in html or "Betaalde duo's per dag" in html
    assert "5 januari 2027" in html
    assert "6 januari 2027" in html
    assert html.count("bar-chart__value") == 2
    assert "w-100" in html
    assert "w-50" in html
    assert "1 terugbetaling bij Stripe aangevraagd" in html
    assert "€\u00a025,00" in html


def test_why_a_rule_cannot_hold_is_said_with_names_and_titles_in_the_page_language() -> None:
    names, titles = {12: "Sanne de Vries", 13: "Lotte Bakker"}, {"imago": "Imago"}
    pinned = ("attendee 12 is pinned to group 5 of imago in round 2, but its 12 people make at most 3 groups of 4 "
              "or more")
    assert explain_infeasibility(pinned, "nl", names, titles) == (
        "Sanne de Vries is vastgezet in Imago groep 5 in ronde 2, maar de 12 mensen van dat thema vormen hoogstens "
        "3 groepen van 4 of meer.")
    assert explain_infeasibility(pinned, "en", names, titles).startswith("Sanne de Vries is pinned to Imago group 5")
    colleagues = "organisation Bank West has 9 people in theme imago in round 1 and only 6 groups fit there"
    assert explain_infeasibility(colleagues, "nl", names, titles) == (
        "Bank West heeft 9 mensen in Imago in ronde 1, en daar passen maar 6 groepen.")
    duo = "duo partners 12 and 13 are both in theme imago in round 3, which has room for one group only"
    assert "Sanne de Vries en Lotte Bakker" in explain_infeasibility(duo, "nl", names, titles)
    assert explain_infeasibility("the event has no themes", "nl", names, titles) == "the event has no themes"
