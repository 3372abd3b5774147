"""The optional jury: the organiser publishes criteria and weights in advance (ideas/settings.py) and appoints jurors
(members, named by their verified e-mail address); each juror scores every criterion of the ideas from 0 to
SCORE_MAX. Scores stay unseen until a vote on the idea closes; then the results show them by juror's name next to
the public vote, with the final ranking (ideas/rules.py: `final_standings`).

A juror scores an idea until a vote holding it has closed: the published result does not change afterwards.
A juror who has scored is not removed (their scores are part of a result, or will be).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.db import is_postgres, is_unique_violation, utcnow, write_transaction
from core.i18n import lazy_gettext as _l
from core.principal import Principal
from ideas import rules
from ideas.access import EventRef, idea_config, managed_event, visible_event, wall_event
from ideas.errors import IdeaJudged, InvalidScore, JurorHasScored, JurorNotFound, NoSuchMember, NotAJuror
from ideas.schemas import CriterionOut, JurorOut, JuryOut, MyScoresOut, ScoreOut
from ideas.tables import IdeaVote, Juror, JuryScore
from ideas.views import idea_rows, json_ids
from members.accounts import member_id_for_email
from members.tables import Member
from members.verification import verified_email


@dataclass(frozen=True, slots=True)
class Score:
    idea: int
    criterion: str
    score: int


async def _jury_out(event: EventRef, viewer: Principal | None) -> JuryOut:
    config = await idea_config(event)
    jurors = await Juror.select(Juror.id, Juror.name, Juror.member).where(Juror.event == event.id).order_by(
        Juror.id)
    return JuryOut(
        event=event.slug,
        criteria=[CriterionOut(key=c.key, title=c.title, weight=c.weight, description=c.description)
                  for c in config.criteria],
        jury_weight=config.jury_weight, score_max=rules.SCORE_MAX,
        jurors=[JurorOut(id=j["id"], name=j["name"]) for j in jurors],
        you_are_juror=viewer is not None and any(j["member"] == viewer.id for j in jurors),
    )


async def jury(viewer: Principal | None, slug: str) -> JuryOut:
    """The criteria, their weights, the jury's share of the final score and the jurors' names (scores come with the
    results)."""
    event, _ = await wall_event(slug, viewer)
    return await _jury_out(event, viewer)


async def appoint_juror(actor: Principal, slug: str, email: str) -> JuryOut:
    event = await managed_event(actor, slug)
    member_id = await member_id_for_email(email)
    if member_id is None or await verified_email(member_id) is None:
        raise NoSuchMember(_l("Er is geen account met dit bevestigde e-mailadres."), field="email")
    member = await Member.select(Member.name).where(Member.id == member_id).first()
    try:
        await Juror.insert(Juror(event=event.id, member=member_id, name=member["name"] if member else "",
                                 added_by=actor.id, added_at=utcnow()))
    except Exception as exc:
        if not is_unique_violation(exc):  # already on the jury: nothing to do
            raise
    return await _jury_out(event, actor)


async def remove_juror(actor: Principal, slug: str, juror_id: int) -> JuryOut:
    event = await managed_event(actor, slug)
    async with write_transaction():
        row = await Juror.select(Juror.id).where((Juror.id == juror_id) & (Juror.event == event.id)).first()
        if row is None:
            raise JurorNotFound(_l("Dit jurylid bestaat niet."))
        if await JuryScore.exists().where(JuryScore.juror == juror_id):
            raise JurorHasScored(_l("Dit jurylid heeft al gescoord en blijft in de jury."))
        await Juror.delete().where(Juror.id == juror_id)
    return await _jury_out(event, actor)


async def _juror_row(actor: Principal, event_id: int) -> dict:
    row = await Juror.select(Juror.id, Juror.name).where((Juror.event == event_id) & (Juror.member == actor.id)
                                                         ).first()
    if row is None:
        raise NotAJuror(_l("Alleen juryleden van dit evenement geven scores."))
    return row


async def _judged_ideas(event_id: int, *, lock: bool = False) -> set[int]:
    """Ideas on the ballot paper of a closed vote. With `lock` (inside a write transaction) the event's votes are
    share-locked, so a close (which locks its vote exclusively) cannot slip in before the scores are written."""
    query = IdeaVote.select(IdeaVote.ideas, IdeaVote.status).where(IdeaVote.event == event_id)
    if lock and is_postgres():
        query = query.lock_rows("SHARE")
    rows = await query
    return {i for r in rows if r["status"] == rules.VoteStatus.CLOSED.value for i in json_ids(r["ideas"])}


async def my_scores(actor: Principal, slug: str) -> MyScoresOut:
    event = await visible_event(slug, actor)
    juror = await _juror_row(actor, event.id)
    rows = await JuryScore.select(JuryScore.idea, JuryScore.criterion, JuryScore.score).where(
        JuryScore.juror == juror["id"])
    judged = await _judged_ideas(event.id)
    return MyScoresOut(juror=juror["name"], scores=[ScoreOut(idea=r["idea"], criterion=r["criterion"],
                                                             score=r["score"]) for r in rows],
                       closed_ideas=sorted(judged))


async def score_ideas(actor: Principal, slug: str, scores: Sequence[Score]) -> MyScoresOut:
    """A juror gives (or changes) scores: ideas of the event, the published criteria, 0 … SCORE_MAX each."""
    event = await visible_event(slug, actor)
    juror = await _juror_row(actor, event.id)
    config = await idea_config(event)
    keys = {c.key for c in config.criteria}
    known = {r["id"] for r in await idea_rows(event.id)}
    for index, item in enumerate(scores):
        field = f"scores[{index}]"
        if item.idea not in known:
            raise InvalidScore(_l("Dit idee hoort niet bij dit evenement."), field=field)
        if item.criterion not in keys:
            raise InvalidScore(_l("Onbekend criterium '%(criterion)s'.", criterion=item.criterion), field=field)
        if not 0 <= item.score <= rules.SCORE_MAX:
            raise InvalidScore(_l("Een score ligt tussen 0 en %(max)s.", max=rules.SCORE_MAX), field=field)
    now = utcnow()
    async with write_transaction():
        judged = await _judged_ideas(event.id, lock=True)
        for index, item in enumerate(scores):
            if item.idea in judged:
                raise IdeaJudged(_l("De uitslag van een stemming over dit idee is gepubliceerd: de scores liggen "
                                    "vast."),
                                 field=f"scores[{index}]")
        for item in scores:
            updated = await JuryScore.update({JuryScore.score: item.score, JuryScore.updated_at: now}).where(
                (JuryScore.juror == juror["id"]) & (JuryScore.idea == item.idea)
                & (JuryScore.criterion == item.criterion)).returning(JuryScore.id)
            if not updated:
                await JuryScore.insert(JuryScore(juror=juror["id"], idea=item.idea, criterion=item.criterion,
                                                 score=item.score, updated_at=now))
    return await my_scores(actor, slug)
