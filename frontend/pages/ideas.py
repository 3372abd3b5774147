"""Ideas and votes for people: the idea wall (phone) and its projector view (auto-refreshing with htmx polling),
submitting and editing an idea, the ballot page with the receipt shown once, and the results with every ballot.

Each handler calls one use case of `ideas/`; a `DomainError` is shown next to the form (or as the error page). The
receipt of a ballot is shown on the page that answers the cast and kept in a cookie on the voter's own device, for
that vote's pages only (HttpOnly, SameSite=Lax): the server stores nothing that links the ballot to the person, so
that cookie, or the receipt the voter noted, is the only way back to the ballot.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from litestar import Controller, Request, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from core.auth import requires_member
from core.errors import DomainError
from core.principal import Principal
from frontend.forms import _
from frontend.i18n import gettext, request_language
from frontend.pages.common import FormBody, login_url, page, page_message, path_for, redirect, text
from ideas import rules
from ideas.access import event_themes, visible_event
from ideas.ballots import ballot_by_receipt, cast_ballot, change_ballot
from ideas.errors import ReceiptNotFound
from ideas.jury import Score, jury, my_scores, score_ideas
from ideas.results import vote_results
from ideas.schemas import BallotOut, CastOut, IdeaOut, VoteOut
from ideas.submissions import IdeaDraft, edit_idea, get_idea, idea_history, submit_idea
from ideas.votes import get_vote, list_votes
from ideas.wall import idea_wall

# How often the projector view asks for the wall again (seconds).
SCREEN_REFRESH = 15
PROJECTOR_PITCH = 280  # characters of a pitch on the projector (the full pitch is on the phone view)
RECEIPT_DAYS = 7
IDEA_FIELDS = ("theme", "title", "pitch", "link", "co_authors")


def receipt_cookie(vote_id: int) -> str:
    return f"stembewijs-{vote_id}"


def _theme_or_none(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.replace(",", "\n").splitlines() if line.strip()]


def _field(exc: DomainError) -> str:
    field = exc.field or "form"
    return "co_authors" if field.startswith("co_authors") else field if field in IDEA_FIELDS else "form"


def _many(form: Mapping[str, Any], name: str) -> list[str]:
    value = form.get(name, [])
    return [str(v) for v in (value if isinstance(value, list) else [value]) if str(v).strip()]


def choices_from_form(form: Mapping[str, Any], vote: VoteOut) -> list[int]:
    """Approval: the ticked boxes (`keuze`). Borda: the places in order (`plaats-1` … `plaats-N`), blanks skipped;
    anything that is not a number is dropped (the service says what is wrong with the rest)."""
    if vote.method == rules.Method.BORDA:
        raw = [text(form, f"plaats-{n}") for n in range(1, vote.choices + 1)]
    else:
        raw = _many(form, "keuze")
    return [int(v) for v in raw if v.isdigit() and len(v) < 10]


class IdeaPages(Controller):
    path = "/e/{slug:str}"
    include_in_schema = False

    # ----------------------------------------------------------------------------------------------- the wall

    @get("/ideeen", name="idea_wall")
    async def wall(self, request: Request[Any, Any, Any], viewer: NamedDependency[Principal | None],
                   slug: FromPath[str], thema: FromQuery[str | None] = None) -> Template:
        wall = await idea_wall(viewer, slug, _theme_or_none(thema))
        votes = await list_votes(viewer, slug)
        event = await visible_event(slug, viewer)
        return page(request, "ideas/wall.html", wall=wall, votes=votes.votes, event=event,
                    is_juror=(await jury(viewer, slug)).you_are_juror,
                    theme=_theme_or_none(thema), themes=await event_themes(event.id), signed_in_user=viewer,
                    active_nav="agenda")

    @get("/ideeen/scherm", name="idea_screen")
    async def screen(self, request: Request[Any, Any, Any], viewer: NamedDependency[Principal | None],
                     slug: FromPath[str], thema: FromQuery[str | None] = None) -> Template:
        """The projector: large type, the wall refreshed every SCREEN_REFRESH seconds by htmx (no framework)."""
        context = await self._screen_context(request, viewer, slug, thema)
        return page(request, "ideas/screen.html", **context)

    @get("/ideeen/scherm/muur", name="idea_screen_wall")
    async def screen_wall(self, request: Request[Any, Any, Any], viewer: NamedDependency[Principal | None],
                          slug: FromPath[str], thema: FromQuery[str | None] = None) -> Template:
        """htmx: the projector's wall again (a fragment)."""
        context = await self._screen_context(request, viewer, slug, thema)
        return Template("ideas/_screen_wall.html", context={**context, "lang": request_language(request)})

    async def _screen_context(self, request: Request[Any, Any, Any], user: Principal | None, slug: str,
                              thema: str | None) -> dict[str, Any]:
        theme = _theme_or_none(thema)
        wall = await idea_wall(user, slug, theme)
        votes = await list_votes(user, slug)
        query = f"?thema={quote(theme)}" if theme else ""
        return {"wall": wall, "votes": votes.votes, "refresh": SCREEN_REFRESH, "pitch_limit": PROJECTOR_PITCH,
                "fragment_url": path_for(request, "idea_screen_wall", slug=slug) + query, "theme": theme}

    # ----------------------------------------------------------------------------------------------- ideas

    async def _form(self, request: Request[Any, Any, Any], viewer: Principal | None, slug: str, values: dict[str, str],
                    errors: dict[str, str], idea: IdeaOut | None = None, status_code: int = 200) -> Template:
        event = await visible_event(slug, viewer)
        wall = await idea_wall(viewer, slug)
        themes = await event_themes(event.id)
        return page(request, "ideas/form.html", status_code=status_code, event=event, values=values,
                    errors=errors, idea=idea, window=wall.window,
                    theme_options=[(t.key, t.title) for t in themes], active_nav="agenda")

    @get("/ideeen/nieuw", name="idea_new", guards=[requires_member])
    async def new(self, request: Request[Any, Any, Any], viewer: NamedDependency[Principal | None], slug: FromPath[str],
                  thema: FromQuery[str | None] = None) -> Template:
        return await self._form(request, viewer, slug, {"theme": _theme_or_none(thema) or ""}, {})

    @post("/ideeen/nieuw", name="idea_submit", guards=[requires_member])
    async def submit(self, request: Request[Any, Any, Any], member: NamedDependency[Principal], slug: FromPath[str],
                     data: FormBody) -> Template | Redirect:
        values = {name: text(data, name) for name in IDEA_FIELDS}
        draft = IdeaDraft(theme=values["theme"], title=values["title"], pitch=str(data.get("pitch", "")),
                          link=values["link"], co_authors=_lines(values["co_authors"]))
        try:
            idea = await submit_idea(member, slug, draft)
        except DomainError as exc:
            errors = {_field(exc): page_message(exc, request_language(request))}
            return await self._form(request, member, slug, values, errors, status_code=exc.status)
        return redirect(path_for(request, "idea_page", slug=slug, idea=idea.id), "idee-ingediend")

    @get("/ideeen/{idea:int}", name="idea_page")
    async def idea(self, request: Request[Any, Any, Any], viewer: NamedDependency[Principal | None],
                   slug: FromPath[str], idea: FromPath[int]) -> Template:
        shown = await get_idea(viewer, slug, idea)
        history = await idea_history(viewer, slug, idea)
        wall = await idea_wall(viewer, slug, shown.theme)
        return page(request, "ideas/idea.html", idea=shown, history=history.versions, wall=wall,
                    slug=slug, active_nav="agenda")

    @get("/ideeen/{idea:int}/wijzigen", name="idea_edit", guards=[requires_member])
    async def edit_form(self, request: Request[Any, Any, Any], viewer: NamedDependency[Principal | None],
                        slug: FromPath[str], idea: FromPath[int]) -> Template:
        shown = await get_idea(viewer, slug, idea)
        values = {"theme": shown.theme, "title": shown.title, "pitch": shown.pitch, "link": shown.link,
                  "co_authors": ""}
        return await self._form(request, viewer, slug, values, {}, idea=shown)

    @post("/ideeen/{idea:int}/wijzigen", name="idea_update", guards=[requires_member])
    async def edit(self, request: Request[Any, Any, Any], member: NamedDependency[Principal], slug: FromPath[str],
                   idea: FromPath[int], data: FormBody) -> Template | Redirect:
        values = {name: text(data, name) for name in IDEA_FIELDS}
        co_authors = _lines(values["co_authors"])
        draft = IdeaDraft(theme=values["theme"], title=values["title"], pitch=str(data.get("pitch", "")),
                          link=values["link"], co_authors=co_authors or None)
        try:
            await edit_idea(member, slug, idea, draft)
        except DomainError as exc:
            errors = {_field(exc): page_message(exc, request_language(request))}
            shown = await get_idea(member, slug, idea)
            return await self._form(request, member, slug, values, errors, idea=shown, status_code=exc.status)
        return redirect(path_for(request, "idea_page", slug=slug, idea=idea), "idee-gewijzigd")

    # ----------------------------------------------------------------------------------------------- voting

    async def _ballot_page(self, request: Request[Any, Any, Any], user: Principal | None, slug: str, vote_id: int, *,
                           errors: dict[str, str] | None = None, picked: list[int] | None = None,
                           status_code: int = 200) -> Template:
        vote = await get_vote(user, slug, vote_id)
        mine = None
        receipt = request.cookies.get(receipt_cookie(vote_id))
        if receipt:
            try:
                mine = await ballot_by_receipt(user, slug, vote_id, receipt)
            except ReceiptNotFound:  # a cookie from an earlier ballot that is gone: as if there were none
                mine = None
        current_choices = picked if picked is not None else (mine.choices if mine else [])
        options = [(i.id, i.title) for i in vote.ideas if vote.authors_may_vote_own or not i.yours]
        return page(request, "ideas/ballot.html", status_code=status_code, vote=vote, slug=slug, mine=mine,
                    picked=current_choices, ballot_options=options, errors=errors or {},
                    login=login_url(request, path_for(request, "ballot_page", slug=slug, vote=vote_id)),
                    active_nav="agenda")

    @get("/stemmen/{vote:int}", name="ballot_page")
    async def ballot(self, request: Request[Any, Any, Any], viewer: NamedDependency[Principal | None],
                     slug: FromPath[str], vote: FromPath[int]) -> Template:
        return await self._ballot_page(request, viewer, slug, vote)

    @post("/stemmen/{vote:int}", name="ballot_cast", guards=[requires_member])
    async def cast(self, request: Request[Any, Any, Any], member: NamedDependency[Principal], slug: FromPath[str],
                   vote: FromPath[int], data: FormBody) -> Template:
        """Cast, or change with the receipt (typed, or kept in this device's cookie). The answer shows the receipt
        once and keeps it in the cookie."""
        shown = await get_vote(member, slug, vote)
        choices = choices_from_form(data, shown)
        receipt = text(data, "stembewijs") or request.cookies.get(receipt_cookie(vote), "")
        lang = request_language(request)
        try:
            ballot: BallotOut | CastOut
            shown_receipt: str | None
            if receipt and shown.you_voted:
                ballot = await change_ballot(member, slug, vote, receipt, choices)
                shown_receipt = None  # a changed ballot keeps its receipt, which is never shown again
            else:
                ballot = await cast_ballot(member, slug, vote, choices)
                receipt = shown_receipt = ballot.receipt
        except DomainError as exc:
            field = "stembewijs" if isinstance(exc, ReceiptNotFound) else "form"
            return await self._ballot_page(request, member, slug, vote, errors={field: page_message(exc, lang)},
                                           picked=choices, status_code=exc.status)
        titles = {i.id: i.title for i in shown.ideas}
        cookie = Cookie(key=receipt_cookie(vote), value=receipt,
                        path=path_for(request, "ballot_page", slug=slug, vote=vote),
                        max_age=RECEIPT_DAYS * 24 * 3600, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https")
        response = page(request, "ideas/receipt.html", vote=shown, slug=slug, titles=titles, active_nav="agenda",
                        ballot_id=ballot.ballot_id, choices=ballot.choices, receipt=shown_receipt)
        response.cookies.append(cookie)
        return response

    @get("/stemmen/{vote:int}/uitslag", name="vote_results_page")
    async def results(self, request: Request[Any, Any, Any], viewer: NamedDependency[Principal | None],
                      slug: FromPath[str], vote: FromPath[int], stembewijs: FromQuery[str | None] = None) -> Template:
        results = await vote_results(viewer, slug, vote)
        mine = None
        receipt = request.cookies.get(receipt_cookie(vote))
        if receipt:
            parsed = rules.parse_receipt(receipt)
            mine = rules.format_ballot_id(parsed[0]) if parsed else None
        looked_up = None
        if stembewijs:
            code = stembewijs.strip()
            parsed_id = rules.parse_ballot_id(code[:9]) if len(code) > 9 else rules.parse_ballot_id(code)
            looked_up = rules.format_ballot_id(parsed_id) if parsed_id else ""
        found = {b.ballot_id: b for b in results.published_ballots}
        titles = {s.idea: s.title for s in results.standings}
        return page(request, "ideas/results.html", results=results, slug=slug, mine=mine, looked_up=looked_up,
                    found=found, titles=titles, lookup=stembewijs or "", active_nav="agenda",
                    method_text=gettext(request_language(request), METHOD_TEXT[results.vote.method])
                    % {"n": results.vote.choices})

    # ----------------------------------------------------------------------------------------------- the jury

    async def _jury_page(self, request: Request[Any, Any, Any], user: Principal, slug: str,
                         errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
                         status_code: int = 200) -> Template:
        mine = await my_scores(user, slug)
        published = await jury(user, slug)
        wall = await idea_wall(user, slug)
        given = {f"score-{s.idea}-{s.criterion}": str(s.score) for s in mine.scores}
        return page(request, "ideas/jury.html", status_code=status_code, slug=slug, wall=wall, jury=published,
                    mine=mine, values={**given, **(values or {})}, errors=errors or {}, active_nav="agenda")

    @get("/jury", name="jury_page", guards=[requires_member])
    async def jury_page(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                        slug: FromPath[str]) -> Template:
        return await self._jury_page(request, member, slug)

    @post("/jury", name="jury_scores", guards=[requires_member])
    async def jury_scores(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                          slug: FromPath[str], data: FormBody) -> Template | Redirect:
        """Every filled-in box of the form (`score-<idea>-<criterion>`, 0–10); empty boxes are left alone."""
        scores, values, errors = [], {}, {}
        for name in data:
            match = SCORE_FIELD.fullmatch(str(name))
            value = text(data, name)
            if not match or not value:
                continue
            values[name] = value
            if not value.isdigit() or int(value) > rules.SCORE_MAX:
                errors[name] = gettext(request_language(request), _("A score from 0 to 10."))
                continue
            scores.append(Score(idea=int(match.group(1)), criterion=match.group(2), score=int(value)))
        if not errors and scores:
            try:
                await score_ideas(member, slug, scores)
            except DomainError as exc:
                errors = {"form": page_message(exc, request_language(request))}
        if errors:
            return await self._jury_page(request, member, slug, errors=errors, values=values, status_code=422)
        return redirect(path_for(request, "jury_page", slug=slug), "scores")


SCORE_FIELD = re.compile(r"score-(\d{1,9})-([a-z0-9-]{1,40})")

METHOD_TEXT: dict[str, str] = {
    rules.Method.APPROVAL: _("Approval: each ballot names up to %(n)s ideas; every idea named gets one point."),
    rules.Method.BORDA: _("Ranked (Borda): each ballot puts up to %(n)s ideas in order; the first gets %(n)s points, "
                          "the second one point less, and so on."),
}
