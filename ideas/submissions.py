"""Submitting and editing ideas: a ticket holder submits an idea on a theme with co-authors (other ticket holders of
the event); its authors edit it until the window closes or it is put to a vote. Every save is a version, kept with
who saved it and when (`idea_history`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from core.db import as_utc, is_postgres, utcnow, write_transaction
from core.i18n import lazy_gettext as _l
from core.principal import Principal
from ideas import rules
from ideas.access import EventRef, event_themes, idea_config, member_places, visible_event, wall_event
from ideas.errors import (
    IdeaInVote,
    IdeaNotFound,
    InvalidIdea,
    NotAnAuthor,
    NotATicketHolder,
    UnknownTheme,
    WindowNotOpen,
)
from ideas.schemas import IdeaHistoryOut, IdeaOut, IdeaVersionOut
from ideas.tables import Idea, IdeaAuthor, IdeaVersion
from ideas.views import authors_of, ideas_in_votes, ideas_out
from pairing.holders import Holder, member_place, ticket_holders


@dataclass(frozen=True, slots=True)
class IdeaDraft:
    """What a person typed (checked and normalised here, not at the edge). Fields left `None` in an edit stay."""

    theme: str | None = None
    title: str | None = None
    pitch: str | None = None
    link: str | None = None
    co_authors: Sequence[str] | None = None


def _checked_text(draft: IdeaDraft) -> dict[str, str]:
    out: dict[str, str] = {}
    try:
        if draft.title is not None:
            out["title"] = rules.normalise_title(draft.title)
        if draft.pitch is not None:
            out["pitch"] = rules.normalise_pitch(draft.pitch)
        if draft.link is not None:
            out["link"] = rules.check_link(draft.link)
    except rules.IdeaRejected as exc:
        if exc.problem is rules.IdeaProblem.TITLE_EMPTY:
            raise InvalidIdea(_l("Geef je idee een titel."), field=exc.field) from exc
        if exc.problem is rules.IdeaProblem.TITLE_TOO_LONG:
            raise InvalidIdea(_l("De titel is te lang (hoogstens 120 tekens)."), field=exc.field) from exc
        if exc.problem is rules.IdeaProblem.PITCH_TOO_LONG:
            raise InvalidIdea(_l("De pitch is te lang (hoogstens 2000 tekens)."), field=exc.field) from exc
        raise InvalidIdea(_l("Een link begint met http:// of https:// en heeft een adres."), field=exc.field) from exc
    return out


async def _check_theme(event_id: int, theme: str) -> dict[str, str]:
    titles = {t.key: t.title for t in await event_themes(event_id)}
    if theme not in titles:
        raise UnknownTheme(_l("Onbekend thema '%(theme)s'; kies uit: %(known)s.", theme=theme, known=", ".join(titles)),
                           field="theme")
    return titles


async def _co_author_places(event_id: int, emails: Sequence[str], first: Holder) -> list[Holder]:
    places = [first]
    for index, email in enumerate(emails):
        found = await ticket_holders(event_id=event_id, email=email)
        if not found:
            raise NotATicketHolder(_l("%(email)s heeft geen ticket voor dit evenement.", email=email.strip()),
                                   field=f"co_authors[{index}]")
        if all(p.id != found[0].id for p in places):
            places.append(found[0])
    return places


def _check_window(config: Any, now: Any) -> None:
    state = rules.window_state(now, config.window)
    if state is rules.WindowState.NOT_YET:
        raise WindowNotOpen(_l("Ideeën indienen kan nog niet: het venster is nog niet open."))
    if state is rules.WindowState.CLOSED:
        raise WindowNotOpen(_l("Het venster voor ideeën is gesloten."))


async def _write_version(idea_id: int, version: int, values: dict[str, Any], authors: list[str], editor: Holder,
                         actor: Principal, now: Any) -> None:
    await IdeaVersion.insert(IdeaVersion(
        idea=idea_id, version=version, theme_key=values["theme_key"], title=values["title"], pitch=values["pitch"],
        link=values["link"], authors=json.dumps(authors, ensure_ascii=False), edited_by=actor.id,
        edited_by_name=editor.name, edited_at=now,
    ))


async def _one_idea(viewer: Principal | None, event: EventRef, idea_id: int) -> IdeaOut:
    titles = {t.key: t.title for t in await event_themes(event.id)}
    rows = await Idea.select().where((Idea.id == idea_id) & (Idea.event == event.id))
    if not rows:
        raise IdeaNotFound(_l("Dit idee bestaat niet."))
    places = await member_places(viewer, event.id)
    return (await ideas_out(rows, titles, places, await ideas_in_votes(event.id)))[0]


async def submit_idea(actor: Principal, slug: str, draft: IdeaDraft) -> IdeaOut:
    """A ticket holder submits an idea while the window is open; they are its first author."""
    event = await visible_event(slug, actor)
    author = await member_place(actor, event)
    config = await idea_config(event)
    now = utcnow()
    _check_window(config, now)
    assert draft.theme is not None
    assert draft.title is not None
    await _check_theme(event.id, draft.theme)
    text = _checked_text(IdeaDraft(title=draft.title, pitch=draft.pitch or "", link=draft.link or ""))
    people = await _co_author_places(event.id, draft.co_authors or (), author)
    values: dict[str, Any] = {"theme_key": draft.theme, **text}
    async with write_transaction():
        idea_id = (await Idea.insert(Idea(event=event.id, version=1, created_by=actor.id, created_at=now,
                                          updated_at=now, **values)).returning(Idea.id))[0]["id"]
        await IdeaAuthor.insert(*[IdeaAuthor(idea=idea_id, attendee=p.id, position=i) for i, p in enumerate(people)])
        await _write_version(idea_id, 1, values, [p.name for p in people], author, actor, now)
    return await _one_idea(actor, event, idea_id)


async def edit_idea(actor: Principal, slug: str, idea_id: int, draft: IdeaDraft) -> IdeaOut:
    """An author changes the idea while the window is open and no vote holds it; a save that changes nothing makes
    no version. The editor stays an author whatever `co_authors` says."""
    event = await visible_event(slug, actor)
    idea = await Idea.select().where((Idea.id == idea_id) & (Idea.event == event.id)).first()
    if idea is None:
        raise IdeaNotFound(_l("Dit idee bestaat niet."))
    mine = set(await member_places(actor, event.id))
    authors = (await authors_of([idea_id]))[idea_id]
    editor_place = next((a["attendee"] for a in authors if a["attendee"] in mine), None)
    if editor_place is None:
        raise NotAnAuthor(_l("Alleen de indieners van dit idee kunnen het wijzigen."))
    config = await idea_config(event)
    now = utcnow()
    _check_window(config, now)
    if idea_id in await ideas_in_votes(event.id):
        raise IdeaInVote(_l("Over dit idee wordt gestemd: het verandert niet meer."))
    if draft.theme is not None and draft.theme != idea["theme_key"]:
        await _check_theme(event.id, draft.theme)
    text = _checked_text(IdeaDraft(title=draft.title, pitch=draft.pitch, link=draft.link))
    editor = next(h for h in await ticket_holders(event_id=event.id, member_id=actor.id) if h.id == editor_place)
    if draft.co_authors is not None:
        people = await _co_author_places(event.id, draft.co_authors, editor)
    else:
        people = None
    values = {"theme_key": draft.theme or idea["theme_key"], "title": text.get("title", idea["title"]),
              "pitch": text.get("pitch", idea["pitch"]), "link": text.get("link", idea["link"])}
    same_text = all(values[k] == idea[k] for k in values)
    same_people = people is None or [p.id for p in people] == [a["attendee"] for a in authors]
    if same_text and same_people:
        return await _one_idea(actor, event, idea_id)
    async with write_transaction():
        query = Idea.select(Idea.version).where(Idea.id == idea_id)
        if is_postgres():
            query = query.lock_rows()  # two authors saving at once: one after the other, each a version
        current = await query.first()
        if current is None:
            raise IdeaNotFound(_l("Dit idee bestaat niet."))
        version = current["version"] + 1
        await Idea.update({Idea.theme_key: values["theme_key"], Idea.title: values["title"],
                           Idea.pitch: values["pitch"], Idea.link: values["link"], Idea.version: version,
                           Idea.updated_at: now}).where(Idea.id == idea_id)
        if people is not None:
            await IdeaAuthor.delete().where(IdeaAuthor.idea == idea_id)
            await IdeaAuthor.insert(*[IdeaAuthor(idea=idea_id, attendee=p.id, position=i)
                                      for i, p in enumerate(people)])
            names = [p.name for p in people]
        else:
            names = [a["name"] for a in authors]
        await _write_version(idea_id, version, values, names, editor, actor, now)
    return await _one_idea(actor, event, idea_id)


async def get_idea(viewer: Principal | None, slug: str, idea_id: int) -> IdeaOut:
    event, _ = await wall_event(slug, viewer)
    return await _one_idea(viewer, event, idea_id)


async def idea_history(viewer: Principal | None, slug: str, idea_id: int) -> IdeaHistoryOut:
    """Every version of the idea, oldest first, with who saved it and when: for whoever may see the wall."""
    event, _ = await wall_event(slug, viewer)
    if not await Idea.exists().where((Idea.id == idea_id) & (Idea.event == event.id)):
        raise IdeaNotFound(_l("Dit idee bestaat niet."))
    rows = await IdeaVersion.select().where(IdeaVersion.idea == idea_id).order_by(IdeaVersion.version)
    return IdeaHistoryOut(idea=idea_id, versions=[
        IdeaVersionOut(version=r["version"], theme=r["theme_key"], title=r["title"], pitch=r["pitch"],
                       link=r["link"], authors=[str(a) for a in json.loads(r["authors"] or "[]")],
                       edited_by=r["edited_by_name"], edited_at=as_utc(r["edited_at"]))
        for r in rows
    ])


__all__ = ["IdeaDraft", "edit_idea", "get_idea", "idea_history", "submit_idea"]
