"""Secret ballots: a ticket holder casts one ballot per vote and gets a receipt, shown once; with the receipt they
change it until the vote closes, and find it in the published list afterwards.

What is stored (ideas/tables.py, docs/ideas-and-voting.md): a "has voted" row (vote, place) and, in the same
transaction, a ballot row (random id, vote, choices, SHA-256 of the receipt's secret). Nothing in either row refers to
the other, and neither has a time. The receipt is the ballot id followed by an 80-bit secret that exists only on the
voter's side: changing a ballot needs it, so nobody — the organiser, the database's administrator — can find or change
a person's ballot through the database, and a lost receipt means the ballot stays as it was cast.

Exactly one ballot per place and vote: the "has voted" row is unique per (vote, place), and the ballot is written in
the same transaction, so a second cast (two phones at once, a double click) fails on the unique index and writes
nothing. Every cast and change holds a shared lock on the vote's row and checks it is open; the close holds it
exclusively (ideas/votes.py), so nothing is written after the close.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Sequence
from typing import Any

from core.db import is_unique_violation, write_transaction
from core.i18n import lazy_gettext as _l
from core.principal import Principal
from ideas import rules
from ideas.access import member_places, visible_event
from ideas.eligibility import eligible_among
from ideas.errors import AlreadyVoted, InvalidBallot, NotEligible, ReceiptNotFound, VoteClosed
from ideas.schemas import BallotOut, CastOut
from ideas.tables import Ballot, IdeaAuthor, VoteParticipation
from ideas.views import json_ids
from ideas.votes import lock_vote, vote_row
from pairing.errors import NoTicket


def _random_code(length: int) -> str:
    return "".join(secrets.choice(rules.ALPHABET) for _ in range(length))


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def _own_ideas(places: Sequence[int], ideas: Sequence[int]) -> frozenset[int]:
    if not places or not ideas:
        return frozenset()
    rows = await IdeaAuthor.select(IdeaAuthor.idea).where(
        IdeaAuthor.attendee.is_in(list(places)) & IdeaAuthor.idea.is_in(list(ideas)))
    return frozenset(r["idea"] for r in rows)


def _checked_choices(vote: dict[str, Any], choices: Sequence[int], own: frozenset[int]) -> tuple[int, ...]:
    try:
        return rules.check_ballot(choices, json_ids(vote["ideas"]), vote["choices"], own_ideas=own,
                                  authors_may_vote_own=bool(vote["authors_may_vote_own"]))
    except rules.BallotRejected as exc:
        field = f"choices[{exc.index}]" if exc.index is not None else "choices"
        if exc.problem is rules.BallotProblem.UNKNOWN_IDEA:
            raise InvalidBallot(_l("Dit idee staat niet op het stembiljet van deze stemming."), field=field) from exc
        if exc.problem is rules.BallotProblem.DUPLICATE:
            raise InvalidBallot(_l("Je kiest elk idee hoogstens één keer."), field=field) from exc
        if exc.problem is rules.BallotProblem.OWN_IDEA:
            raise InvalidBallot(_l("Bij deze stemming stem je niet op je eigen idee."), field=field) from exc
        raise InvalidBallot(_l("Je kiest hoogstens %(count)s ideeën.", count=vote["choices"]), field="choices") from exc


def _check_open(vote: dict[str, Any] | None) -> None:
    if vote is None or vote["status"] != rules.VoteStatus.OPEN:
        raise VoteClosed(_l("Deze stemming is gesloten."))


async def cast_ballot(actor: Principal, slug: str, vote_id: int, choices: Sequence[int]) -> CastOut:
    """A ticket holder who may vote casts their one ballot; the receipt in the answer is shown only now."""
    event = await visible_event(slug, actor)
    vote = await vote_row(event.id, vote_id)
    _check_open(vote)
    places = await member_places(actor, event.id)
    if not places:
        raise NoTicket(_l("Je hebt geen geldig ticket voor dit evenement."))
    may_vote = await eligible_among(event.id, places)
    eligible = [p for p in places if p in may_vote]
    if not eligible:
        raise NotEligible(_l("Stemmen kan na het inchecken bij de deur."))
    place = eligible[0]
    kept = _checked_choices(vote, choices, await _own_ideas(places, json_ids(vote["ideas"])))
    # No "have you voted?" read first: the unique index on (vote, place) answers that inside the transaction.
    for attempt in range(3):
        ballot_id, secret = _random_code(rules.BALLOT_ID_LENGTH), _random_code(rules.RECEIPT_SECRET_LENGTH)
        try:
            async with write_transaction():
                _check_open(await lock_vote(vote_id, exclusive=False))
                await VoteParticipation.insert(VoteParticipation(vote=vote_id, attendee=place))
                await Ballot.insert(Ballot(id=ballot_id, vote=vote_id, choices=json.dumps(list(kept)),
                                           secret_hash=secret_hash(secret)))
            break
        except Exception as exc:
            if not is_unique_violation(exc):
                raise
            # Either this place voted meanwhile (another phone, a double click) or the random id was taken.
            if await VoteParticipation.exists().where((VoteParticipation.vote == vote_id)
                                                      & (VoteParticipation.attendee == place)):
                raise AlreadyVoted(_l("Je hebt al gestemd. Met je stembewijs kun je je stem wijzigen.")) from exc
            if attempt == 2:
                raise
    return CastOut(vote=vote_id, ballot_id=rules.format_ballot_id(ballot_id),
                   receipt=rules.format_receipt(ballot_id, secret), choices=list(kept))


async def change_ballot(actor: Principal, slug: str, vote_id: int, receipt: str, choices: Sequence[int]
                        ) -> BallotOut:
    """The voter changes their ballot with its receipt while the vote is open (same id, new choices). The signed-in
    person is asked for only to apply the own-idea rule; nothing about them is stored."""
    event = await visible_event(slug, actor)
    vote = await vote_row(event.id, vote_id)
    _check_open(vote)
    parsed = rules.parse_receipt(receipt)
    if parsed is None:
        raise ReceiptNotFound(_l("Geen stem met dit stembewijs bij deze stemming."), field="receipt")
    ballot_id, secret = parsed
    places = await member_places(actor, event.id)
    kept = _checked_choices(vote, choices, await _own_ideas(places, json_ids(vote["ideas"])))
    async with write_transaction():
        _check_open(await lock_vote(vote_id, exclusive=False))
        changed = await Ballot.update({Ballot.choices: json.dumps(list(kept))}).where(
            (Ballot.id == ballot_id) & (Ballot.vote == vote_id) & (Ballot.secret_hash == secret_hash(secret))
        ).returning(Ballot.id)
    if not changed:
        raise ReceiptNotFound(_l("Geen stem met dit stembewijs bij deze stemming."), field="receipt")
    return BallotOut(vote=vote_id, ballot_id=rules.format_ballot_id(ballot_id), choices=list(kept),
                     vote_status=rules.VoteStatus.OPEN.value)


async def ballot_by_receipt(viewer: Principal | None, slug: str, vote_id: int, receipt: str) -> BallotOut:
    """The ballot a receipt belongs to, as it is stored now (the receipt is the key: no sign-in needed)."""
    event = await visible_event(slug, viewer)
    vote = await vote_row(event.id, vote_id)
    parsed = rules.parse_receipt(receipt)
    row = None
    if parsed is not None:
        row = await Ballot.select(Ballot.id, Ballot.choices).where(
            (Ballot.id == parsed[0]) & (Ballot.vote == vote_id) & (Ballot.secret_hash == secret_hash(parsed[1]))
        ).first()
    if row is None:
        raise ReceiptNotFound(_l("Geen stem met dit stembewijs bij deze stemming."), field="receipt")
    return BallotOut(vote=vote_id, ballot_id=rules.format_ballot_id(row["id"]), choices=json_ids(row["choices"]),
                     vote_status=rules.VoteStatus(vote["status"]).value)
