"""The facilitator's group board: generate breakout groups, read the quality report, move, pin, regenerate,
set rooms and publish. For facilitators (any event) and the event's own organiser (pairing.access decides).

Moves, pins and unpins are htmx posts that answer with the edited round, plus the report and the status out of
band (so a move on a board of 1,000 people does not send the other rounds again); the selection itself (a
person card, then a target group) lives in static/js/board.js. Everything else is a plain form post followed
by a redirect.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from checkin.scans import check_in_place
from core.auth import requires_facilitator
from core.errors import DomainError, Forbidden
from core.principal import Principal
from events import service as events
from events import team
from events.rules import EventRoleKind, EventStatus
from events.schemas import EventOut
from frontend.forms import _
from frontend.i18n import gettext, request_language
from frontend.pages.board_parts import (
    BoardView,
    board_view,
    part_query,
    room_default_field,
    room_field,
    room_rows,
    view_query,
)
from frontend.pages.common import FormBody, page, page_message, path_for, redirect, text
from members.rules import EXPERIENCE_LEVELS, INDUSTRIES
from pairing import board as breakouts
from pairing import plans, publish, regroup
from pairing.access import planned_event
from pairing.errors import PlanNotFound, RegroupChanged
from pairing.grouping.attendance import MoveReason
from pairing.grouping.model import Rule
from pairing.schemas import PlanOut, RegroupOut, ViolationOut

GENERATE_FIELDS = ("rounds", "min_size", "max_size", "duo_policy", "mode", "seed")
# Every hard rule, in the order the report lists them (English msgids; a zero count is shown too).
RULES: tuple[tuple[str, str], ...] = (
    (Rule.ONE_GROUP_PER_ROUND.value, _("Everyone in one group per round")),
    (Rule.GROUP_SIZE.value, _("Group sizes within the bounds")),
    (Rule.PIN.value, _("Pinned people where they are pinned")),
    (Rule.COLLEAGUES.value, _("Colleagues in different groups")),
    (Rule.DUO_APART.value, _("Duo partners apart")),
    (Rule.DUO_TOGETHER.value, _("Duo partners together")),
    (Rule.MET_BEFORE.value, _("Nobody meets the same person twice")),
    (Rule.UNKNOWN_THEME.value, _("Groups work on the event's themes")),
)
# Service fields → form fields (the API's names are the form's names).
FIELD_FOR = {f: f for f in GENERATE_FIELDS}


def is_htmx(request: Request[Any, Any, Any]) -> bool:
    return request.headers.get("hx-request") == "true"


def _number(form: dict[str, Any], name: str, errors: dict[str, str]) -> int | None:
    value = text(form, name)
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        errors[name] = _("Enter a whole number.")
        return None


def generate_settings(form: dict[str, Any]) -> tuple[plans.BreakoutSettings | None, dict[str, str]]:
    """The generate form as service settings, or the fields that are not numbers."""
    errors: dict[str, str] = {}
    rounds = _number(form, "rounds", errors)
    min_size = _number(form, "min_size", errors)
    max_size = _number(form, "max_size", errors)
    seed = _number(form, "seed", errors)
    if errors:
        return None, errors
    defaults = plans.BreakoutSettings()
    return plans.BreakoutSettings(
        rounds=rounds, min_size=min_size if min_size is not None else defaults.min_size,
        max_size=max_size if max_size is not None else defaults.max_size,
        duo_policy=text(form, "duo_policy") or defaults.duo_policy, mode=text(form, "mode") or defaults.mode,
        seed=seed if seed is not None else defaults.seed,
    ), {}


def rooms_from_form(form: dict[str, Any], plan: PlanOut) -> list[breakouts.RoomAssignment]:
    """Only the rooms that changed, so a board of hundreds of groups saves in one small transaction: first a theme
    group's room for every round, then the rooms typed for one round (which win over it)."""
    changed = []
    for row in room_rows(plan):
        name = room_default_field(row.number, row.theme)
        if name in form and " ".join(text(form, name).split()) != row.room:
            changed.append(breakouts.RoomAssignment(theme=row.theme, group=row.number, room=text(form, name)))
    for round_ in plan.rounds:
        for group in round_.groups:
            name = room_field(round_.round, group.number, group.theme)
            if name in form and " ".join(text(form, name).split()) != group.room:
                changed.append(breakouts.RoomAssignment(theme=group.theme, group=group.number,
                                                        room=text(form, name), round=round_.round))
    return changed


def violations_by_group(plan: PlanOut) -> dict[int, list[ViolationOut]]:
    """Every broken rule at the group(s) it concerns (group id → violations), so the board shows it there and not
    only in the report far above: a size, colleagues or partners sharing at that group; people who meet twice at
    each group where they meet; a pin or a split duo where the people are now. Pure."""
    at: dict[tuple[int, str, int], int] = {}
    groups_of: dict[tuple[int, int], list[int]] = {}  # (round, attendee) → group ids
    for round_ in plan.rounds:
        for group in round_.groups:
            at[(round_.round, group.theme, group.number)] = group.id
            for m in group.members:
                groups_of.setdefault((round_.round, m.id), []).append(group.id)
    out: dict[int, list[ViolationOut]] = {}
    for v in plan.report.violations:
        people = [p.id for p in v.attendees]
        if v.rule == Rule.MET_BEFORE.value and len(people) == 2:
            ids = [gid for r in plan.rounds for gid in groups_of.get((r.round, people[0]), [])
                   if gid in groups_of.get((r.round, people[1]), [])]
        elif v.rule not in (Rule.PIN.value, Rule.DUO_TOGETHER.value, Rule.ONE_GROUP_PER_ROUND.value) \
                and v.round is not None and v.theme is not None and v.group is not None:
            ids = [at[(v.round, v.theme, v.group)]] if (v.round, v.theme, v.group) in at else []
        elif v.round is not None:
            ids = [gid for p in people for gid in groups_of.get((v.round, p), [])]
        else:
            ids = []
        for gid in dict.fromkeys(ids):
            out.setdefault(gid, []).append(v)
    return out


def group_links(plan: PlanOut, view: BoardView | None, board_path: str) -> dict[int, str]:
    """Group id → the link to that group on the board (at ``board_path``, the named route ``board_page``): an
    anchor when the page shows it, else the board part that does (a large plan shows a round, or a theme of it, at a
    time)."""
    shown = {g.id for r in (view.rounds if view else plan.rounds) for g in r.groups}
    by_theme = bool(view and view.theme)
    links = {}
    for round_ in plan.rounds:
        for group in round_.groups:
            if group.id in shown:
                links[group.id] = f"#groep-{group.id}"
            else:
                part = part_query(round_.round, group.theme if by_theme else None)
                links[group.id] = f"{board_path}{part}#groep-{group.id}"
    return links


async def _plan_or_none(actor: Principal, slug: str) -> PlanOut | None:
    try:
        return await breakouts.plan_view(actor, slug)
    except PlanNotFound:
        return None


# Why a rule cannot hold, as the engine says it (pairing.grouping: English, with place ids and theme keys), in
# words for the person reading the board: names and theme titles, in the page's language. A text no pattern knows
# is shown as it is.
INFEASIBILITY: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile("^" + pattern + "$"), message) for
                                                                pattern, message in (
    (r"organisation (?P<org>.+) has (?P<size>\d+) people but at most (?P<most>\d+) groups fit in a round, so "
     r"colleagues must share a group",
     _("%(org)s has %(size)s people, but at most %(most)s groups fit in a round: colleagues will have to share a "
       "group.")),
    (r"only (?P<n>\d+) attendees: not enough for one group of (?P<min>\d+)",
     _("Only %(n)s people: not enough for one group of %(min)s.")),
    (r"(?P<n>\d+) attendees cannot be split into groups of (?P<min>\d+) to (?P<max>\d+)",
     _("%(n)s people cannot be split into groups of %(min)s to %(max)s.")),
    (r"attendee (?P<a>\d+) must meet (?P<need>\d+) new people over (?P<rounds>\d+) rounds but only (?P<others>\d+) "
     r"non-colleagues attend",
     _("%(a)s would meet %(need)s new people over %(rounds)s rounds, but only %(others)s people from other "
       "organisations come.")),
    (r"theme (?P<theme>.+) has (?P<n>\d+) people in round (?P<round>\d+), which cannot be split into groups of "
     r"(?P<min>\d+) to (?P<max>\d+)",
     _("%(theme)s has %(n)s people in round %(round)s: they cannot be split into groups of %(min)s to %(max)s.")),
    (r"organisation (?P<org>.+) has (?P<c>\d+) people in theme (?P<theme>.+) in round (?P<round>\d+) and only "
     r"(?P<most>\d+) groups fit there",
     _("%(org)s has %(c)s people in %(theme)s in round %(round)s, and only %(most)s groups fit there.")),
    (r"duo partners (?P<a>\d+) and (?P<b>\d+) are both in theme (?P<theme>.+) in round (?P<round>\d+), which has "
     r"room for one group only",
     _("Duo partners %(a)s and %(b)s are both in %(theme)s in round %(round)s, which has room for one group only.")),
    (r"attendee (?P<a>\d+) is pinned to group (?P<g>\d+) of (?P<theme>.+) in round (?P<round>\d+), but its "
     r"(?P<n>\d+) people make at most (?P<k>\d+) groups of (?P<min>\d+) or more",
     _("%(a)s is pinned to %(theme)s group %(g)s in round %(round)s, but its %(n)s people make at most %(k)s groups "
       "of %(min)s or more.")),
    (r"(?P<n>\d+) people are pinned to (?P<theme>.+) #(?P<g>\d+) in round (?P<round>\d+); at most (?P<max>\d+) fit",
     _("%(n)s people are pinned to %(theme)s group %(g)s in round %(round)s; at most %(max)s fit.")),
    (r"(?P<c>\d+) colleagues of (?P<org>.+) are pinned to (?P<theme>.+) #(?P<g>\d+) in round (?P<round>\d+)",
     _("%(c)s colleagues of %(org)s are pinned to %(theme)s group %(g)s in round %(round)s.")),
))


def explain_infeasibility(text: str, lang: str, names: dict[int, str], titles: dict[str, str]) -> str:
    """The engine's reason why a rule cannot hold, for a person: place ids as names, theme keys as titles, in the
    page's language. Pure."""
    for pattern, message in INFEASIBILITY:
        found = pattern.match(text)
        if found is None:
            continue
        values = found.groupdict()
        for key in ("a", "b"):
            if key in values:
                values[key] = names.get(int(values[key])) or values[key]
        if "theme" in values:
            values["theme"] = titles.get(values["theme"], values["theme"])
        return gettext(lang, message) % values
    return text


def plan_context(event: EventOut, plan: PlanOut | None, view: BoardView | None,
                 lang: str = "nl", *, board_path: str) -> dict[str, Any]:
    """What the board's templates show besides the plan itself: the rooms form, each broken rule at its group and
    the report's link to it, the theme titles, the next arrangement number. Pure (``board_path``: the board's
    path, ``path_for(request, "board_page", slug=…)``)."""
    group_broken = violations_by_group(plan) if plan else {}
    links = group_links(plan, view, board_path) if plan else {}
    titles = {t.key: t.title for t in event.themes}
    names = {m.id: m.name for r in (plan.rounds if plan else []) for g in r.groups for m in g.members if m.name}
    names.update({m.id: m.name for m in (plan.unplaced if plan else []) if m.name})
    violation_links: dict[int, str] = {}  # id(violation) → the first group it concerns
    for gid, found in group_broken.items():
        for v in found:
            violation_links.setdefault(id(v), links.get(gid, ""))
    return {
        "room_field": room_field, "room_default_field": room_default_field,
        "rooms": room_rows(plan, view) if plan else [],
        "group_broken": group_broken, "group_links": links,
        "violation_link": lambda v: violation_links.get(id(v), ""),
        "theme_titles": titles,
        "size_bounds": (plan.settings.min_size, plan.settings.max_size) if plan else (0, 0),
        "infeasibility": lambda text: explain_infeasibility(text, lang, names, titles),
        "next_seed": (plan.settings.seed + 1) % 2**31 if plan else 1,
    }


def board_context(request: Request[Any, Any, Any], event: EventOut, plan: PlanOut | None,
                  **extra: Any) -> dict[str, Any]:
    lang = request_language(request)
    if plan is not None:
        settings = msgspec.structs.asdict(plan.settings)
    else:  # the generate form before the first plan: the agenda's rounds and the service's defaults
        agenda_rounds = sum(1 for s in event.agenda if s.is_breakout_round)
        defaults = plans.BreakoutSettings()
        settings = {"rounds": agenda_rounds or 3, "min_size": defaults.min_size, "max_size": defaults.max_size,
                    "duo_policy": defaults.duo_policy, "mode": defaults.mode, "seed": defaults.seed}
    query = request.query_params
    view = extra.pop("view", None) or (board_view(plan, query.get("ronde", ""), query.get("thema", "")) if plan
                                       else None)
    return {
        "event": event, "plan": plan, "view": view,
        "form": {k: str(v) for k, v in settings.items()} | extra.pop("form", {}),
        "errors": extra.pop("errors", {}),
        "levels": {level: (nl if lang == "nl" else en) for level, (_code, nl, en) in EXPERIENCE_LEVELS.items()},
        "industries": {i.code: i.label(lang) for i in INDUSTRIES},  # type: ignore[arg-type]
        "pinned": {(p.attendee, p.round) for p in plan.pins} if plan else set(),
        "rules": RULES,
        **plan_context(event, plan, view, lang, board_path=path_for(request, "board_page", slug=event.slug)),
        "active_nav": "board", "tab": "board",
        **extra,
    }


# Why someone present changes group (pairing.grouping.MoveReason), for people.
MOVE_REASONS = {
    MoveReason.FILLS_GROUP: _("fills a group that no-shows left too small"),
    MoveReason.GROUP_DISSOLVED: _("their group was too small to keep: spread over the theme's other groups"),
    MoveReason.LATE_ARRIVAL: _("came in without a group: joins one with room"),
}


def _regroup_labels(event: EventOut, preview: RegroupOut | None = None) -> dict[str, Any]:
    """What board/regroup.html needs besides the preview: the reasons and rules in words, the theme titles and the
    group sizes (a broken rule is explained as on the board, not in the engine's own English)."""
    return {"reasons": MOVE_REASONS, "rules": RULES,
            "theme_titles": {t.key: t.title for t in event.themes},
            "size_bounds": (preview.min_size, preview.max_size) if preview else (0, 0)}


def _round_param(value: str) -> int | None:
    return int(value) if value.isdigit() and 1 <= int(value) <= 12 else None


def _person_name(plan: PlanOut, attendee: int) -> str:
    for round_ in plan.rounds:
        for group in round_.groups:
            for member in group.members:
                if member.id == attendee:
                    return member.name
    return ""


class BoardPages(Controller):
    path = "/begeleiden"
    include_in_schema = False
    guards = [requires_facilitator]

    @get("/", name="board_events")
    async def board_events(self, request: Request[Any, Any, Any], member: NamedDependency[Principal]) -> Template:
        # The events whose groups this person plans: those they facilitate, and their own (not every event).
        facilitated = await team.events_with_role(member.id, EventRoleKind.FACILITATOR)
        listed = {e.slug: e for e in await events.events_by_ids(facilitated) if e.status != EventStatus.CANCELLED}
        if member.is_organiser:
            listed.update({e.slug: e for e in await events.list_managed(member) if e.status != EventStatus.DRAFT})
        planned = set(listed)
        # The door role plans nothing but checks people in: its events are listed with the scanner only.
        doors = await team.events_with_role(member.id, EventRoleKind.DOOR)
        listed.update({e.slug: e for e in await events.events_by_ids(doors)
                       if e.status != EventStatus.CANCELLED and e.slug not in listed})
        rows = sorted(listed.values(), key=lambda e: e.starts_at)
        return page(request, "board/events.html", events=rows, planned=planned, active_nav="board")

    @get("/{slug:str}", name="board_page")
    async def board(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                    slug: FromPath[str]) -> Template:
        event = await events.get_event(slug, member)
        await planned_event(member, slug)  # the one check of who may plan breakouts
        plan = await _plan_or_none(member, slug)
        return page(request, "board/board.html", **board_context(request, event, plan))

    @post("/{slug:str}/genereren", name="board_generate")
    async def generate(self, request: Request[Any, Any, Any], member: NamedDependency[Principal], slug: FromPath[str],
                       data: FormBody) -> Template | Redirect:
        settings, errors = generate_settings(data)
        if settings is not None:
            try:
                await plans.generate_plan(member, slug, settings)
            except DomainError as exc:
                target = exc.field if exc.field in FIELD_FOR else "form"
                errors = {target: page_message(exc, request_language(request))}
            else:
                return redirect(path_for(request, "board_page", slug=slug), "gegenereerd")
        event = await events.get_event(slug, member)
        form = {k: text(data, k) for k in GENERATE_FIELDS}
        return page(request, "board/board.html", status_code=422,
                    **board_context(request, event, await _plan_or_none(member, slug), form=form, errors=errors))

    @post("/{slug:str}/opnieuw", name="board_regenerate")
    async def regenerate(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                         slug: FromPath[str]) -> Redirect:
        await plans.regenerate_plan(member, slug)
        return redirect(path_for(request, "board_page", slug=slug), "opnieuw-gegenereerd")

    @get("/{slug:str}/publiceren", name="board_publish_confirm")
    async def publish_confirm(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                              slug: FromPath[str]) -> Template:
        """Before publishing: what it does (who sees it, how many people get a mail), then the button."""
        event = await events.get_event(slug, member)
        preview = await publish.publish_preview(member, slug)
        return page(request, "board/publish.html", event=event, preview=preview, active_nav="board", tab="board")

    @post("/{slug:str}/publiceren", name="board_publish")
    async def publish(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                      slug: FromPath[str]) -> Redirect:
        await publish.publish_plan(member, slug)
        return redirect(path_for(request, "board_page", slug=slug), "groepen-gepubliceerd")

    @get("/{slug:str}/bijwerken", name="board_regroup_preview")
    async def regroup_preview(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                              slug: FromPath[str]) -> Template:
        """Groepen bijwerken voor wie er is: who would move, and why, before anything is published."""
        event = await events.get_event(slug, member)
        from_round = _round_param(request.query_params.get("vanaf", ""))
        try:
            preview = await regroup.preview_regroup(member, slug, from_round)
        except DomainError as exc:
            if isinstance(exc, Forbidden):
                raise
            return page(request, "board/regroup.html", event=event, preview=None, asked=from_round,
                        problem=page_message(exc, request_language(request)), **_regroup_labels(event))
        return page(request, "board/regroup.html", event=event, preview=preview, asked=from_round, problem=None,
                    **_regroup_labels(event, preview))

    @post("/{slug:str}/bijwerken", name="board_regroup_publish")
    async def regroup_publish(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                              slug: FromPath[str], data: FormBody) -> Template | Redirect:
        from_round = _round_param(text(data, "vanaf"))
        try:
            await regroup.publish_regroup(member, slug, text(data, "fingerprint")[:64], from_round)
        except RegroupChanged as exc:
            event = await events.get_event(slug, member)
            preview = await regroup.preview_regroup(member, slug, from_round)
            return page(request, "board/regroup.html", status_code=409, event=event, preview=preview,
                        asked=from_round, problem=page_message(exc, request_language(request)),
                        **_regroup_labels(event, preview))
        return redirect(path_for(request, "board_page", slug=slug), "groepen-bijgewerkt")

    @post("/{slug:str}/aanwezig", name="board_mark_present")
    async def mark_present(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                           slug: FromPath[str], data: FormBody) -> Redirect:
        """Someone the door missed, marked present by hand: checked in (device "Groepenbord"), then the preview
        again."""
        place = text(data, "place")
        if place.isdigit():
            await check_in_place(member, slug, int(place), "Groepenbord")
        vanaf = text(data, "vanaf")
        return redirect(path_for(request, "board_regroup_preview", slug=slug),
                        query={"vanaf": vanaf} if vanaf.isdigit() else None)

    @post("/{slug:str}/zalen", name="board_rooms")
    async def rooms(self, request: Request[Any, Any, Any], member: NamedDependency[Principal], slug: FromPath[str],
                    data: FormBody) -> Template | Redirect:
        plan = await breakouts.plan_view(member, slug)
        changed = rooms_from_form(data, plan)
        try:
            if changed:
                await breakouts.assign_rooms(member, slug, changed)
        except DomainError as exc:
            event = await events.get_event(slug, member)
            return page(request, "board/board.html", status_code=422,
                        **board_context(request, event, plan,
                                      errors={"rooms": page_message(exc, request_language(request))}))
        view = board_view(plan, text(data, "ronde"), text(data, "thema"))
        return redirect(path_for(request, "board_page", slug=slug) + view_query(view), "zalen-opgeslagen")

    async def _edit(self, request: Request[Any, Any, Any], actor: Principal, slug: str, data: dict[str, Any],
                    action: str) -> Template | Redirect:
        """A move, pin or unpin: the board area again for htmx (with what happened, or the service's refusal)."""
        lang = request_language(request)
        values: dict[str, str] = {"attendee": text(data, "attendee"), "round": text(data, "round"),
                                  "theme": text(data, "theme"), "group": text(data, "group")}
        message, error = "", ""
        plan: PlanOut | None = None
        round_number: int | None = None
        try:
            attendee, round_number = int(values["attendee"]), int(values["round"])
            group = int(values["group"]) if values["group"] else None
        except ValueError:
            error = gettext(lang, _("Choose a person first, then a group."))
        else:
            try:
                if action == "move" and group is not None:
                    plan = await breakouts.move_attendee(actor, slug, attendee, round_number, values["theme"], group)
                    message = gettext(lang, _("%(name)s moved to %(theme)s, group %(group)d, in round %(round)d."))
                elif action == "pin":
                    plan = await breakouts.pin_attendee(actor, slug, attendee, round_number, values["theme"], group)
                    message = gettext(lang, _("%(name)s is pinned to %(theme)s, group %(group)d, in round "
                                              "%(round)d: regenerating keeps them there."))
                else:
                    plan = await breakouts.unpin_attendee(actor, slug, attendee, round_number)
                    message = gettext(lang, _("%(name)s is no longer pinned in round %(round)d."))
            except DomainError as exc:
                error = page_message(exc, lang)
            else:
                titles = {g.theme: g.theme_title for r in plan.rounds for g in r.groups}
                message = message % {"name": _person_name(plan, attendee), "round": round_number,
                                     "theme": titles.get(values["theme"], values["theme"]), "group": group or 0}
        if not is_htmx(request):
            where = part_query(text(data, "ronde") or None, text(data, "thema"))
            return redirect(path_for(request, "board_page", slug=slug) + where, fragment="groepen")
        if plan is None:
            plan = await breakouts.plan_view(actor, slug)
        event = await events.get_event(slug, actor)
        context = board_context(request, event, plan, board_message=message, board_error=error)
        edited = next((r for r in plan.rounds if r.round == round_number), None)
        if edited is None:  # nothing to redraw: only the message, out of band
            answer = page(request, "board/_status.html", oob=True, **context)
            answer.headers["HX-Reswap"] = "none"
            return answer
        shown_theme = text(data, "thema")  # the board shows one theme of this round: redraw just that
        if shown_theme and any(g.theme == shown_theme for g in edited.groups):
            edited = msgspec.structs.replace(edited, groups=[g for g in edited.groups if g.theme == shown_theme])
        return page(request, "board/_edit.html", round=edited, **context)

    @post("/{slug:str}/verplaatsen", name="board_move")
    async def move(self, request: Request[Any, Any, Any], member: NamedDependency[Principal], slug: FromPath[str],
                   data: FormBody) -> Template | Redirect:
        return await self._edit(request, member, slug, data, "move")

    @post("/{slug:str}/vastzetten", name="board_pin")
    async def pin(self, request: Request[Any, Any, Any], member: NamedDependency[Principal], slug: FromPath[str],
                  data: FormBody) -> Template | Redirect:
        return await self._edit(request, member, slug, data, "pin")

    @post("/{slug:str}/losmaken", name="board_unpin")
    async def unpin(self, request: Request[Any, Any, Any], member: NamedDependency[Principal], slug: FromPath[str],
                    data: FormBody) -> Template | Redirect:
        return await self._edit(request, member, slug, data, "unpin")
