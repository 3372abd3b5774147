"""Theme rankings: a ticket holder ranks the event's themes (signed in, or with the code on their ticket), and
everyone may read the community's figures (how often each theme was ranked first, second, third; its Borda
score). The grouping engine reads the stored rankings as each person's preference; no ranking is neutral."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence

from core.db import as_utc, is_unique_violation, utcnow, write_transaction
from core.i18n import lazy_gettext as _l
from core.principal import Principal
from events.tables import Event
from pairing.access import event_themes, visible_event
from pairing.errors import InvalidRanking
from pairing.holders import Holder, holder_of_place, member_place, ticket_holders, ticket_place
from pairing.schemas import RankingFiguresOut, RankingOut, ThemeChoice, ThemeFigures
from pairing.store import json_list
from pairing.tables import ThemeRanking


def check_ranking(themes: Sequence[str], known: Sequence[str]) -> tuple[str, ...]:
    """A ranking is a permutation or a prefix of the event's theme keys: known keys, each at most once."""
    seen: set[str] = set()
    for i, key in enumerate(themes):
        if key not in known:
            raise InvalidRanking(_l("Onbekend thema '%(theme)s'; kies uit: %(known)s.", theme=key,
                                    known=", ".join(known)), field=f"themes[{i}]")
        if key in seen:
            raise InvalidRanking(_l("Thema '%(theme)s' staat twee keer in je rangorde.", theme=key),
                                 field=f"themes[{i}]")
        seen.add(key)
    return tuple(themes)


def current_ranking(ranking: Iterable[str], known: Sequence[str]) -> tuple[str, ...]:
    """A stored ranking against today's themes: keys the organiser removed since are skipped."""
    out: list[str] = []
    for key in ranking:
        if key in known and key not in out:
            out.append(key)
    return tuple(out)


def borda_points(position: int, theme_count: int) -> int:
    """One point for every theme ranked below: m−1 for a first place … 0 for the last; unranked themes 0."""
    return max(0, theme_count - 1 - position)


async def stored_rankings(attendee_ids: Sequence[int]) -> dict[int, list[str]]:
    """Place id → its stored ranking (as stored: `current_ranking` drops themes removed since)."""
    out: dict[int, list[str]] = {}
    ids = list(attendee_ids)
    for start in range(0, len(ids), 5000):
        rows = await ThemeRanking.select(ThemeRanking.attendee, ThemeRanking.themes).where(
            ThemeRanking.attendee.is_in(ids[start:start + 5000])
        )
        out.update({r["attendee"]: json_list(r["themes"]) for r in rows})
    return out


# --------------------------------------------------------------------------- one ticket holder's ranking


async def _save_ranking(holder: Holder, themes: Sequence[str]) -> RankingOut:
    known = [t.key for t in await event_themes(holder.event_id)]
    ranking = check_ranking(themes, known)
    now = utcnow()
    text = json.dumps(list(ranking))
    for attempt in range(2):
        try:
            async with write_transaction():
                if not ranking:  # an empty ranking: back to neutral
                    await ThemeRanking.delete().where(ThemeRanking.attendee == holder.id)
                    break
                updated = await ThemeRanking.update({ThemeRanking.themes: text, ThemeRanking.updated_at: now}).where(
                    ThemeRanking.attendee == holder.id
                ).returning(ThemeRanking.id)
                if not updated:
                    await ThemeRanking.insert(ThemeRanking(event=holder.event_id, attendee=holder.id, themes=text,
                                                           updated_at=now))
            break
        except Exception as exc:
            # Two saves of the same place at once: the loser retries as an update.
            if attempt or not is_unique_violation(exc):
                raise
    return await _ranking_view(holder)


async def _ranking_view(holder: Holder) -> RankingOut:
    themes = await event_themes(holder.event_id)
    known = [t.key for t in themes]
    row = await ThemeRanking.select(ThemeRanking.themes, ThemeRanking.updated_at).where(
        ThemeRanking.attendee == holder.id
    ).first()
    event = await Event.select(Event.slug).where(Event.id == holder.event_id).first()
    return RankingOut(
        event=event["slug"] if event else "",
        themes=list(current_ranking(json_list(row["themes"]), known)) if row else [],
        available=[ThemeChoice(key=t.key, title=t.title) for t in themes],
        updated_at=as_utc(row["updated_at"]) if row else None,
    )


async def rank_themes_as_member(actor: Principal, slug: str, themes: Sequence[str]) -> RankingOut:
    """A signed-in member ranks the themes as the ticket holder of their own order, or (verified e-mail only) as
    the companion with their account's e-mail address."""
    event = await visible_event(slug, actor)
    return await _save_ranking(await member_place(actor, event), themes)


async def ranking_of_member(actor: Principal, slug: str) -> RankingOut:
    event = await visible_event(slug, actor)
    return await _ranking_view(await member_place(actor, event))


async def rank_themes_with_ticket(code: str, themes: Sequence[str]) -> RankingOut:
    """A companion without an account ranks through the code on their ticket (a bearer secret)."""
    return await _save_ranking(await ticket_place(code), themes)


async def ranking_of_ticket(code: str) -> RankingOut:
    return await _ranking_view(await ticket_place(code))


async def rank_themes_for_place(place_id: int, themes: Sequence[str]) -> RankingOut:
    """A companion ranks on their own page (the place its link opens: ticketing.companion_links)."""
    return await _save_ranking(await holder_of_place(place_id), themes)


async def ranking_of_place(place_id: int) -> RankingOut:
    return await _ranking_view(await holder_of_place(place_id))


async def ranked_places(place_ids: Sequence[int]) -> set[int]:
    """The places among these that ranked at least one theme (the buyer sees whether their companion did)."""
    return {pid for pid, themes in (await stored_rankings(place_ids)).items() if themes}


# --------------------------------------------------------------------------- the community's figures


async def ranking_figures(slug: str, viewer: Principal | None = None) -> RankingFiguresOut:
    """The community's priorities, openly: per theme how often it was ranked 1st/2nd/3rd and its Borda
    score, plus how many ticket holders never ranked (neutral in grouping). No personal data."""
    event = await visible_event(slug, viewer)
    themes = await event_themes(event.id)
    known = [t.key for t in themes]
    holders = await ticket_holders(event_id=event.id)
    rankings = [r for r in (current_ranking(v, known)
                            for v in (await stored_rankings([h.id for h in holders])).values()) if r]
    places: dict[str, Counter[int]] = {key: Counter() for key in known}
    for ranking in rankings:
        for position, key in enumerate(ranking):
            places[key][position] += 1
    figures = [
        ThemeFigures(
            key=t.key,
            title=t.title,
            first=places[t.key][0],
            second=places[t.key][1],
            third=places[t.key][2],
            borda=sum(borda_points(p, len(known)) * n for p, n in places[t.key].items()),
        )
        for t in themes
    ]
    return RankingFiguresOut(
        event=event.slug,
        ticket_holders=len(holders),
        ranked=len(rankings),
        neutral=len(holders) - len(rankings),
        themes=sorted(figures, key=lambda f: (-f.borda, known.index(f.key))),
    )
