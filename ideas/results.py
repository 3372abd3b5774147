"""The results of a closed vote, for everyone who may see the wall: the method, every ballot by its random id with
its choices, the totals (recorded at closing, and checked against a recount of the published list), the eligible
voters and the turnout; with a jury, each juror's scores by name and the final ranking."""

from __future__ import annotations

import json
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from core.i18n import lazy_gettext as _l
from core.principal import Principal
from ideas import rules
from ideas.access import event_themes, wall_event
from ideas.errors import VoteNotClosed
from ideas.schemas import (
    CriterionOut,
    FinalStandingOut,
    JurorScoresOut,
    PublishedBallotOut,
    ResultsOut,
    StandingOut,
)
from ideas.tables import Ballot, Juror, JuryScore
from ideas.views import authors_of, idea_rows, json_ids
from ideas.votes import vote_out, vote_row


async def jury_of(event_id: int, ideas: list[int]) -> tuple[list[dict[str, Any]], dict[tuple[int, int, str], int]]:
    """The event's jurors (id, name) and their scores on these ideas: (juror, idea, criterion) → score."""
    jurors = await Juror.select(Juror.id, Juror.name).where(Juror.event == event_id).order_by(Juror.id)
    if not jurors or not ideas:
        return jurors, {}
    rows = await JuryScore.select(JuryScore.juror, JuryScore.idea, JuryScore.criterion, JuryScore.score).where(
        JuryScore.juror.is_in([j["id"] for j in jurors]) & JuryScore.idea.is_in(ideas))
    return jurors, {(r["juror"], r["idea"], r["criterion"]): r["score"] for r in rows}


def _float(value: Fraction | None) -> float | None:
    return None if value is None else round(float(value), 4)


async def vote_results(viewer: Principal | None, slug: str, vote_id: int) -> ResultsOut:
    event, config = await wall_event(slug, viewer)
    row = await vote_row(event.id, vote_id)
    if row["status"] != rules.VoteStatus.CLOSED:
        raise VoteNotClosed(_l("De uitslag volgt zodra de stemming gesloten is."))
    method, allowed, ideas = rules.Method(row["method"]), row["choices"], json_ids(row["ideas"])
    ballots = await Ballot.select(Ballot.id, Ballot.choices).where(Ballot.vote == vote_id)
    published = rules.publish_ballots((b["id"], json_ids(b["choices"])) for b in ballots)
    recorded: Mapping[int, int] = {int(k): int(v) for k, v in json.loads(row["totals"] or "{}").items()}
    recount = rules.tally(method, allowed, ideas, (b.choices for b in published))
    titles = {t.key: t.title for t in await event_themes(event.id)}
    idea_info = {i["id"]: i for i in await idea_rows(event.id, ids=ideas)}
    authors = await authors_of(ideas)
    standings = [
        StandingOut(place=s.place, idea=s.idea, title=idea_info[s.idea]["title"] if s.idea in idea_info else "",
                    theme=idea_info[s.idea]["theme_key"] if s.idea in idea_info else "",
                    authors=[a["name"] for a in authors.get(s.idea, [])], points=s.points)
        for s in rules.standings(recorded)
    ]
    jurors, scores = await jury_of(event.id, ideas)
    jury = rules.jury_scores(config.criteria, scores)
    final = rules.final_standings(recorded, jury, config.jury_weight if config.criteria else 0)
    by_juror: dict[int, dict[str, dict[str, int]]] = {j["id"]: {} for j in jurors}
    for (juror, idea, criterion), score in sorted(scores.items()):
        by_juror[juror].setdefault(str(idea), {})[criterion] = score
    eligible = row["eligible"] or 0
    return ResultsOut(
        vote=await vote_out(event, row, viewer, titles),
        eligible=eligible,
        ballots=len(published),
        turnout_percent=rules.turnout_percent(len(published), eligible),
        standings=standings,
        published_ballots=[PublishedBallotOut(ballot_id=rules.format_ballot_id(b.ballot_id), choices=list(b.choices))
                           for b in published],
        recount_matches=recount == dict(recorded) and len(published) == row["ballots"],
        criteria=[CriterionOut(key=c.key, title=c.title, weight=c.weight, description=c.description)
                  for c in config.criteria],
        jury_weight=config.jury_weight,
        jurors=[JurorScoresOut(juror=j["name"], scores=by_juror[j["id"]]) for j in jurors],
        final=[FinalStandingOut(place=f.place, idea=f.idea, title=idea_info.get(f.idea, {}).get("title", ""),
                                points=f.points, public_share=_float(f.public_share) or 0.0,
                                jury_score=_float(f.jury), final_score=_float(f.score) or 0.0)
               for f in final],
    )
