"""Pages for roles: an event's Team tab (its organiser gives the facilitator and door roles by e-mail address) and
the administrator's *Beheer* page (organisers and administrators, every event, the role log).

Each handler calls one use case of events.team or members.roles, the same functions the API calls; a
``DomainError`` is shown next to the field it is about, and the form keeps what was typed.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.auth import requires_admin, requires_member
from core.errors import DomainError
from core.principal import Principal
from events import service as events
from events import team
from events.rules import EventRoleKind
from frontend.forms import _
from frontend.i18n import gettext, request_language
from frontend.pages.common import FormBody, field_errors, page, path_for, redirect, text
from members import roles

# The roles as the pages name them (English msgids; Dutch in the catalogue).
EVENT_ROLE_LABELS: dict[str, str] = {EventRoleKind.FACILITATOR: _("Facilitator"), EventRoleKind.DOOR: _("Door")}
GLOBAL_ROLE_LABELS = {"admin": _("Administrator"), "organiser": _("Organiser")}
ROLE_LABELS = {**GLOBAL_ROLE_LABELS, **EVENT_ROLE_LABELS}


def _role_options(labels: dict[str, str], lang: str) -> list[tuple[str, str]]:
    return [(code, gettext(lang, label)) for code, label in labels.items()]


class RolePages(Controller):
    path = "/"
    include_in_schema = False

    # ------------------------------------------------------------------ the event's Team tab

    @get("/organiseren/{slug:str}/team", name="event_team", guards=[requires_member])
    async def team_page(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                        slug: FromPath[str]) -> Template:
        return await self._team(request, member, slug, {"role": EventRoleKind.FACILITATOR}, {})

    @post("/organiseren/{slug:str}/team", name="event_team_grant", guards=[requires_member])
    async def grant(self, request: Request[Any, Any, Any], member: NamedDependency[Principal], slug: FromPath[str],
                    data: FormBody) -> Template | Redirect:
        form = {"email": text(data, "email")[:254], "role": text(data, "role")}
        try:
            await team.grant_event_role(member, slug, form["email"], form["role"])
        except DomainError as exc:
            errors = field_errors(exc, {"email": "email", "role": "role"}, request_language(request))
            return await self._team(request, member, slug, form, errors, status_code=422)
        return redirect(path_for(request, "event_team", slug=slug), "rol-gegeven")

    @post("/organiseren/{slug:str}/team/intrekken", name="event_team_revoke", guards=[requires_member])
    async def revoke(self, request: Request[Any, Any, Any], member: NamedDependency[Principal], slug: FromPath[str],
                     data: FormBody) -> Template | Redirect:
        target = text(data, "member")
        try:
            await team.revoke_event_role(member, slug, int(target) if target.isdigit() else 0,
                                         text(data, "role"))
        except DomainError as exc:
            errors = field_errors(exc, {}, request_language(request))
            return await self._team(request, member, slug, {"role": EventRoleKind.FACILITATOR}, errors, status_code=422)
        return redirect(path_for(request, "event_team", slug=slug), "rol-ingetrokken")

    @staticmethod
    async def _team(request: Request[Any, Any, Any], actor: Principal, slug: str, form: dict[str, str],
                    errors: dict[str, str], status_code: int = 200) -> Template:
        members = await team.list_event_team(actor, slug)  # the check: the event's organiser, administrators
        details = await events.get_event_details(slug, actor)
        lang = request_language(request)
        return page(request, "organiser/team.html", status_code=status_code, event=details.event, team=members,
                    form=form, errors=errors, role_options=_role_options(EVENT_ROLE_LABELS, lang),
                    role_labels=ROLE_LABELS, active_nav="organise", tab="team",
                    show_tabs=events.can_manage(actor, {"organiser": details.organiser_id}))

    # ------------------------------------------------------------------ the administrator's page

    @get("/beheer", name="admin_page", guards=[requires_admin])
    async def admin_page(self, request: Request[Any, Any, Any], member: NamedDependency[Principal]) -> Template:
        return await self._admin(request, member, {"role": "organiser"}, {})

    @post("/beheer/rollen", name="admin_set_role", guards=[requires_admin])
    async def set_role(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                       data: FormBody) -> Template | Redirect:
        form = {"email": text(data, "email")[:254], "role": text(data, "role")}
        enabled = text(data, "enabled") != "0"
        try:
            await roles.set_role(member, form["email"], form["role"], enabled)
        except DomainError as exc:
            errors = field_errors(exc, {"email": "email", "role": "role"}, request_language(request))
            return await self._admin(request, member, form if enabled else {"role": "organiser"}, errors,
                                     status_code=422)
        return redirect(path_for(request, "admin_page"), "rol-gegeven" if enabled else "rol-ingetrokken")

    @staticmethod
    async def _admin(request: Request[Any, Any, Any], actor: Principal, form: dict[str, str],
                     errors: dict[str, str], status_code: int = 200) -> Template:
        lang = request_language(request)
        return page(request, "admin/beheer.html", status_code=status_code,
                    holders=await roles.role_holders(actor), log=await roles.role_log(actor, 100),
                    all_events=await events.list_all_events(actor), form=form, errors=errors,
                    role_options=_role_options(GLOBAL_ROLE_LABELS, lang), role_labels=ROLE_LABELS,
                    active_nav="admin")
