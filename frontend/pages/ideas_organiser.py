"""The organiser's ideas page of an event: the window, who sees the wall, the own-idea rule, the jury's criteria;
opening and closing votes. The same use cases as the API (`ideas/settings.py`, `ideas/votes.py`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.auth import requires_organiser
from core.errors import DomainError
from core.principal import Principal
from events.rules import to_local
from frontend.forms import _
from frontend.i18n import gettext, request_language
from frontend.pages.common import FormBody, page, page_message, path_for, redirect, text
from ideas import rules
from ideas.access import event_themes, managed_event
from ideas.jury import appoint_juror, jury, remove_juror
from ideas.schemas import IdeaSettingsOut
from ideas.settings import SettingsChange, idea_settings, update_idea_settings
from ideas.votes import close_vote, list_votes, open_vote

CRITERIA_ROWS = 5


def _local_input(value: datetime, tz: str) -> str:
    return to_local(value, tz).strftime("%Y-%m-%dT%H:%M")


def settings_form(current: IdeaSettingsOut, tz: str) -> dict[str, Any]:
    rows = [{"key": c.key, "title": c.title, "weight": str(c.weight)} for c in current.criteria]
    rows += [{"key": "", "title": "", "weight": ""} for _ in range(CRITERIA_ROWS - len(rows))]
    return {
        "opens_at": "" if current.window.opens_by_default else _local_input(current.window.opens_at, tz),
        "closes_at": "" if current.window.closes_by_default else _local_input(current.window.closes_at, tz),
        "wall": current.wall, "authors_may_vote_own": current.authors_may_vote_own,
        "jury_weight": str(current.jury_weight), "criteria": rows,
    }


def parse_settings(form: dict[str, Any]) -> tuple[SettingsChange | None, dict[str, Any], dict[str, str]]:
    """The settings form as a change, the values to show again, and the fields that are not well formed."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {name: text(form, name) for name in ("opens_at", "closes_at", "wall", "jury_weight")}
    values["authors_may_vote_own"] = bool(text(form, "authors_may_vote_own"))
    times: dict[str, datetime | None] = {}
    for name in ("opens_at", "closes_at"):
        times[name] = None
        if values[name]:
            try:
                times[name] = datetime.fromisoformat(values[name])
            except ValueError:
                errors[name] = _("Enter a date and time.")
    rows, criteria = [], []
    for n in range(CRITERIA_ROWS):
        row = {k: text(form, f"criterion-{n}-{k}") for k in ("key", "title", "weight")}
        rows.append(row)
        if not any(row.values()):
            continue
        key = rules.slug_key(row["key"] or row["title"])
        if not row["weight"].isdigit() or not key or not row["title"]:
            errors[f"criterion-{n}"] = _("Give each criterion a name and a weight from 1 to 100.")
            continue
        criteria.append(rules.Criterion(key=key, title=row["title"][:80], weight=int(row["weight"])))
    values["criteria"] = rows
    weight = values["jury_weight"] or "0"
    if not weight.isdigit() or int(weight) > 100:
        errors["jury_weight"] = _("Enter a percentage from 0 to 100.")
    if errors:
        return None, values, errors
    wall = rules.WallVisibility(values["wall"]) if values["wall"] in set(rules.WallVisibility) \
        else rules.WallVisibility.PUBLIC
    return SettingsChange(opens_at=times["opens_at"], closes_at=times["closes_at"], wall=wall,
                          authors_may_vote_own=values["authors_may_vote_own"], criteria=criteria,
                          jury_weight=int(weight)), values, {}


class IdeaOrganiserPages(Controller):
    path = "/organiseren/{slug:str}/ideeen"
    include_in_schema = False
    guards = [requires_organiser]

    async def _page(self, request: Request[Any, Any, Any], actor: Principal, slug: str, *,
                    values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                    vote_errors: dict[str, str] | None = None, jury_errors: dict[str, str] | None = None,
                    status_code: int = 200) -> Template:
        event = await managed_event(actor, slug)
        current = await idea_settings(actor, slug)
        votes = await list_votes(actor, slug)
        return page(request, "ideas/organiser.html", status_code=status_code, event=event, settings=current,
                    form=values or settings_form(current, event.timezone), errors=errors or {},
                    vote_errors=vote_errors or {}, votes=votes.votes,
                    theme_choices=[(t.key, t.title) for t in await event_themes(event.id)],
                    jury=await jury(actor, slug), jury_errors=jury_errors or {},
                    active_nav="organise", tab="ideas")

    @get("/", name="organiser_ideas")
    async def show(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                   slug: FromPath[str]) -> Template:
        return await self._page(request, member, slug)

    @post("/", name="organiser_ideas_settings")
    async def save(self, request: Request[Any, Any, Any], member: NamedDependency[Principal], slug: FromPath[str],
                   data: FormBody) -> Template | Redirect:
        change, values, errors = parse_settings(data)
        lang = request_language(request)
        errors = {k: gettext(lang, v) for k, v in errors.items()}
        if change is not None:
            try:
                await update_idea_settings(member, slug, change)
            except DomainError as exc:
                field = exc.field if exc.field in ("opens_at", "closes_at", "jury_weight") else "form"
                errors = {field: page_message(exc, lang)}
            else:
                return redirect(path_for(request, "organiser_ideas", slug=slug), "idee-instellingen")
        return await self._page(request, member, slug, values=values, errors=errors, status_code=422)

    @post("/stemming", name="organiser_open_vote")
    async def open(self, request: Request[Any, Any, Any], member: NamedDependency[Principal], slug: FromPath[str],
                   data: FormBody) -> Template | Redirect:
        asked = text(data, "method")
        method = rules.Method(asked) if asked in set(rules.Method) else rules.Method.APPROVAL
        count = text(data, "choices")
        choices = int(count) if count.isdigit() and 1 <= int(count) <= rules.MAX_CHOICES else rules.DEFAULT_CHOICES
        try:
            await open_vote(member, slug, method, text(data, "theme") or None, choices)
        except DomainError as exc:
            message = page_message(exc, request_language(request))
            return await self._page(request, member, slug, vote_errors={"open": message}, status_code=exc.status)
        return redirect(path_for(request, "organiser_ideas", slug=slug), "stemming-open")

    @post("/stemming/{vote:int}/sluiten", name="organiser_close_vote")
    async def close(self, request: Request[Any, Any, Any], member: NamedDependency[Principal], slug: FromPath[str],
                    vote: FromPath[int]) -> Template | Redirect:
        try:
            await close_vote(member, slug, vote)
        except DomainError as exc:
            message = page_message(exc, request_language(request))
            return await self._page(request, member, slug, vote_errors={"close": message}, status_code=exc.status)
        return redirect(path_for(request, "vote_results_page", slug=slug, vote=vote), "stemming-gesloten")

    @post("/jury", name="organiser_appoint_juror")
    async def appoint(self, request: Request[Any, Any, Any], member: NamedDependency[Principal], slug: FromPath[str],
                      data: FormBody) -> Template | Redirect:
        try:
            await appoint_juror(member, slug, text(data, "email"))
        except DomainError as exc:
            message = page_message(exc, request_language(request))
            return await self._page(request, member, slug, jury_errors={"email": message}, status_code=exc.status)
        return redirect(path_for(request, "organiser_ideas", slug=slug), "jurylid")

    @post("/jury/{juror:int}/verwijderen", name="organiser_remove_juror")
    async def remove(self, request: Request[Any, Any, Any], member: NamedDependency[Principal], slug: FromPath[str],
                     juror: FromPath[int]) -> Template | Redirect:
        try:
            await remove_juror(member, slug, juror)
        except DomainError as exc:
            message = page_message(exc, request_language(request))
            return await self._page(request, member, slug, jury_errors={"form": message}, status_code=exc.status)
        return redirect(path_for(request, "organiser_ideas", slug=slug), "jurylid-weg")
