"""Votes: the organiser opens a vote on the submitted ideas (one theme or all) with a counting method, and closes it;
everyone who may see the wall sees the votes, how many ballots were cast (never by whom), and whether they voted.

Closing is one transaction that waits for every ballot being cast or changed (they hold a shared lock on the vote's
row; closing takes it exclusively), so no ballot lands after the close. It then records the eligible voters, the
number of ballots and the totals, and writes the vote's ballots and participations again in an order that carries
no information (docs/ideas-and-voting.md).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from core.db import as_utc, is_postgres, utcnow, write_transaction
from core.i18n import lazy_gettext as _l
from core.principal import Principal
from ideas import rules
from ideas.access import EventRef, event_themes, idea_config, managed_event, member_places, wall_event
from ideas.eligibility import eligible_among, eligible_voters
from ideas.errors import NoIdeas, UnknownTheme, VoteClosed, VoteNotFound
from ideas.schemas import VoteIdeaOut, VoteOut, VotesOut
from ideas.tables import Ballot, IdeaVote, VoteParticipation
from ideas.views import authors_of, idea_rows, json_ids


async def vote_row(event_id: int, vote_id: int) -> dict[str, Any]:
    row = await IdeaVote.select().where((IdeaVote.id == vote_id) & (IdeaVote.event == event_id)).first()
    if row is None:
        raise VoteNotFound(_l("Deze stemming bestaat niet."))
    return row


async def voted_places(vote_id: int, places: Sequence[int]) -> bool:
    if not places:
        return False
    return await VoteParticipation.exists().where(
        (VoteParticipation.vote == vote_id) & VoteParticipation.attendee.is_in(list(places)))


async def vote_out(event: EventRef, row: Mapping[str, Any], viewer: Principal | None,
                   titles: Mapping[str, str] | None = None) -> VoteOut:
    if titles is None:
        titles = {t.key: t.title for t in await event_themes(event.id)}
    ids = json_ids(row["ideas"])
    ideas = await idea_rows(event.id, ids=ids)
    authors = await authors_of([i["id"] for i in ideas])
    places = await member_places(viewer, event.id)
    status = rules.VoteStatus(row["status"])
    may_vote = False
    if places and status is rules.VoteStatus.OPEN:
        may_vote = bool(await eligible_among(event.id, places))
    ballots = row["ballots"] if row["ballots"] is not None else await VoteParticipation.count().where(
        VoteParticipation.vote == row["id"])
    theme = row["theme_key"] or None
    opened_at = as_utc(row["opened_at"])
    assert opened_at is not None
    return VoteOut(
        id=row["id"], event=event.slug, theme=theme, theme_title=titles.get(theme) if theme else None,
        method=row["method"], choices=row["choices"], authors_may_vote_own=bool(row["authors_may_vote_own"]),
        status=status.value, opened_at=opened_at, closed_at=as_utc(row["closed_at"]),
        ideas=[VoteIdeaOut(id=i["id"], title=i["title"], theme=i["theme_key"],
                           authors=[a["name"] for a in authors.get(i["id"], [])],
                           yours=any(a["attendee"] in places for a in authors.get(i["id"], [])))
               for i in sorted(ideas, key=lambda i: ids.index(i["id"]))],
        ballots=ballots, eligible=row["eligible"], you_may_vote=may_vote,
        you_voted=await voted_places(row["id"], places),
    )


async def list_votes(viewer: Principal | None, slug: str) -> VotesOut:
    event, _ = await wall_event(slug, viewer)
    titles = {t.key: t.title for t in await event_themes(event.id)}
    rows = await IdeaVote.select().where(IdeaVote.event == event.id).order_by(IdeaVote.id)
    return VotesOut(event=event.slug, votes=[await vote_out(event, r, viewer, titles) for r in rows])


async def get_vote(viewer: Principal | None, slug: str, vote_id: int) -> VoteOut:
    event, _ = await wall_event(slug, viewer)
    return await vote_out(event, await vote_row(event.id, vote_id), viewer)


async def open_vote(actor: Principal, slug: str, method: str, theme: str | None, choices: int) -> VoteOut:
    """The organiser opens a vote on the ideas submitted so far (of `theme`, or of every theme). The ideas on its
    ballot paper, the method, N and the own-idea rule are fixed from now on; those ideas can no longer be edited."""
    event = await managed_event(actor, slug)
    titles = {t.key: t.title for t in await event_themes(event.id)}
    if theme is not None and theme not in titles:
        raise UnknownTheme(_l("Onbekend thema '%(theme)s'; kies uit: %(known)s.", theme=theme, known=", ".join(titles)),
                           field="theme")
    ideas = [r["id"] for r in await idea_rows(event.id, theme=theme)]
    if not ideas:
        raise NoIdeas(_l("Er zijn nog geen ideeën om over te stemmen."))
    config = await idea_config(event)
    now = utcnow()
    row = (await IdeaVote.insert(IdeaVote(
        event=event.id, theme_key=theme or "", method=rules.Method(method).value,
        choices=min(choices, rules.MAX_CHOICES), authors_may_vote_own=config.authors_may_vote_own,
        ideas=json.dumps(ideas), status=rules.VoteStatus.OPEN.value, opened_by=actor.id, opened_at=now,
    )).returning(IdeaVote.id))[0]
    return await vote_out(event, await vote_row(event.id, row["id"]), actor, titles)


async def lock_vote(vote_id: int, *, exclusive: bool) -> dict[str, Any] | None:
    """The vote's row inside a write transaction: shared for a ballot (many at once), exclusive for the close, which
    so waits for every ballot in flight and is waited for by every later one. (SQLite: the write transaction itself
    is exclusive.)"""
    query = IdeaVote.select(IdeaVote.id, IdeaVote.status).where(IdeaVote.id == vote_id)
    if is_postgres():
        query = query.lock_rows("UPDATE" if exclusive else "SHARE")
    return await query.first()


async def close_vote(actor: Principal, slug: str, vote_id: int) -> VoteOut:
    """The organiser closes the vote: no ballot is cast or changed after this. The totals, the number of ballots and
    the eligible voters (eligible now, or who voted while eligible) are recorded; the results become public."""
    event = await managed_event(actor, slug)
    row = await vote_row(event.id, vote_id)
    now = utcnow()
    async with write_transaction():
        current = await lock_vote(vote_id, exclusive=True)
        if current is None or current["status"] != rules.VoteStatus.OPEN:
            raise VoteClosed(_l("Deze stemming is gesloten."))
        ballots = await Ballot.select(Ballot.id, Ballot.choices, Ballot.secret_hash).where(Ballot.vote == vote_id)
        voted = await VoteParticipation.select(VoteParticipation.attendee).where(VoteParticipation.vote == vote_id)
        voted_places = [r["attendee"] for r in voted]
        eligible = await eligible_voters(event.id) | {p for p in voted_places if p is not None}
        totals = rules.tally(rules.Method(row["method"]), row["choices"], json_ids(row["ideas"]),
                             (json_ids(b["choices"]) for b in ballots))
        # The same rows again, in an order that says nothing about when or by whom they were cast.
        await Ballot.delete().where(Ballot.vote == vote_id)
        if ballots:
            await Ballot.insert(*[Ballot(id=b["id"], vote=vote_id, choices=b["choices"], secret_hash=b["secret_hash"])
                                  for b in sorted(ballots, key=lambda b: b["id"])])
        await VoteParticipation.delete().where(VoteParticipation.vote == vote_id)
        if voted_places:
            await VoteParticipation.insert(*[VoteParticipation(vote=vote_id, attendee=p)
                                             for p in sorted(voted_places, key=lambda p: (p is None, p or 0))])
        await IdeaVote.update({
            IdeaVote.status: rules.VoteStatus.CLOSED.value, IdeaVote.closed_at: now, IdeaVote.closed_by: actor.id,
            IdeaVote.eligible: len(eligible), IdeaVote.ballots: len(ballots),
            IdeaVote.totals: json.dumps({str(k): v for k, v in totals.items()}),
        }).where(IdeaVote.id == vote_id)
    return await vote_out(event, await vote_row(event.id, vote_id), actor)
