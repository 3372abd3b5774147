"""The companion: the rule checked as people type, judging a companion for an order, changing the companion of
an order, and the organiser's exceptions (overrides) to the rule.

The rule itself is pure (ticketing.companion_rule.companion_is_eligible); here it meets the event, today's date in the
event's zone and the organiser's exceptions. Ordering (ticketing.orders) judges its companion with the same
`judge_companion`, so the check on the page never says yes where ordering would say no.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from core import ratelimit
from core.db import as_utc, unique_violation_raises, utcnow, write_transaction
from core.errors import Forbidden, InvalidInput
from core.i18n import lazy_gettext as _l
from core.principal import Principal
from events.rules import EventStatus
from events.tables import Event
from members.rules import name_problem, normalise_email
from members.tables import Member
from ticketing import access, rules, state
from ticketing.companion_rule import (
    CODE_BIRTH_DATE_REQUIRED,
    CODE_NOT_ELIGIBLE,
    CompanionFacts,
    CompanionRule,
    Eligibility,
    check_not_self,
    companion_is_eligible,
    event_local_date,
)
from ticketing.errors import (
    AlreadyWaiting,
    ChangeDeadlinePassed,
    CompanionRefused,
    DuplicateAttendee,
    EventCancelled,
    OrderNotChangeable,
    OverrideExists,
    OverrideNotFound,
)
from ticketing.results import EligibilityOut, OrderOut, OverrideOut
from ticketing.state import Actor
from ticketing.tables import Attendee, EligibilityOverride, Ticket, TicketOrder, WaitingEntry
from ticketing.views import OVERRIDE_EN, OVERRIDE_NL, order_view, override_view

# Codes the organiser may override (a refusal by the rule), as opposed to bad data.
OVERRIDABLE = frozenset({CODE_NOT_ELIGIBLE, CODE_BIRTH_DATE_REQUIRED})
# Checks as people type (the order page asks on every change): generous for a person, useless for probing.
ELIGIBILITY_CHECK = ratelimit.Limit("eligibility_check", 60, 10 * 60)
COMPANION_CHANGES_PER_ORDER = ratelimit.Limit("companion_change_order", 5, 60 * 60)
COMPANION_CHANGES_PER_MEMBER = ratelimit.Limit("companion_change_member", 10, 60 * 60)


@dataclass(frozen=True, slots=True)
class CompanionIn:
    name: str
    email: str
    industry: str
    birth_date: date | None = None
    organisation: str = ""
    experience_level: int | None = None  # None: the buyer does not know (kept unknown, never a starter)


@dataclass(frozen=True, slots=True)
class Judgement:
    eligibility: Eligibility
    admitted: bool
    basis: str
    override: dict[str, Any] | None


def _rule_for(event: Mapping[str, Any]) -> tuple[CompanionRule, date]:
    starts_at = as_utc(event["starts_at"])
    assert starts_at is not None
    return (CompanionRule(age_limit=event["age_limit"], home_industry=event["home_industry"]),
            event_local_date(starts_at, event["timezone"]))


async def judge(event: Mapping[str, Any], industry: str, birth_date: date | None, email: str | None) -> Judgement:
    """The rule for this event, and the organiser's exception for `email` when the rule refuses."""
    rule, event_date = _rule_for(event)
    today = event_local_date(utcnow(), event["timezone"])  # a birth date after today is a typing mistake
    result = companion_is_eligible(CompanionFacts(industry=industry, birth_date=birth_date), rule, event_date,
                                   today)
    if result.eligible:
        return Judgement(result, True, result.passed or "", None)
    if email and result.code in OVERRIDABLE:
        override = await EligibilityOverride.select().where(
            (EligibilityOverride.event == event["id"]) & (EligibilityOverride.email == normalise_email(email))
            & EligibilityOverride.revoked_at.is_null()
        ).first()
        if override is not None:
            return Judgement(result, True, "override", override)
    return Judgement(result, False, "", None)


async def check_companion(slug: str, industry: str, birth_date: date | None, email: str | None,
                          viewer: Principal | None, *, client: str | None = None) -> EligibilityOut:
    """The companion rule for this event, without ordering (the attendee page asks as people type).

    Rate-limited per `client` (the member, or the address of an anonymous caller). An organiser's exception
    for the e-mail address is taken into account only for a signed-in buyer, the one who will order: they
    learn that there is one (so the page does not refuse what ordering will accept), never its reason.
    Anyone else gets the rule alone, so nobody can ask which addresses have an exception.
    """
    await ratelimit.enforce(ELIGIBILITY_CHECK, client)
    event = await access.event_by_slug(slug, viewer)
    if viewer is not None and email:
        own = check_not_self(viewer.email, email)
        if own is not None:
            return EligibilityOut(eligible=False, passed=None, age=None, code=own.code, reason_nl=own.reason_nl,
                                  reason_en=own.reason_en, override=False)
    judged = await judge(event, industry, birth_date, email if viewer is not None else None)
    result = judged.eligibility
    if judged.basis == "override":
        return EligibilityOut(eligible=True, passed="override", age=result.age, code=None, reason_nl=OVERRIDE_NL,
                              reason_en=OVERRIDE_EN, override=True)
    return EligibilityOut(eligible=result.eligible, passed=result.passed, age=result.age, code=result.code,
                          reason_nl=result.reason_nl, reason_en=result.reason_en, override=False)


async def check_no_live_place(event_id: int, emails: Sequence[str], exclude_order: int | None = None) -> None:
    """A friendly early answer when one of `emails` has a place already; the partial unique index decides."""
    query = Attendee.select(Attendee.email).where(
        (Attendee.event == event_id) & (Attendee.live.eq(True)) & Attendee.email.is_in(list(emails))
    )
    if exclude_order is not None:
        query = query.where(Attendee.order != exclude_order)
    taken = await query.first()
    if taken is not None:
        raise DuplicateAttendee(
            _l("%(email)s heeft al een plek voor dit evenement.", email=taken["email"]), field="companion.email"
        )


async def check_not_waiting(event_id: int, emails: Sequence[str]) -> None:
    """None of `emails` waits on the event's waiting list, as buyer or as companion (one place per person across
    places and the list). Asked early for a friendly answer, and again under the event's row lock."""
    clash = await WaitingEntry.select(WaitingEntry.id).where(
        (WaitingEntry.event == event_id) & (WaitingEntry.status == rules.WaitingStatus.WAITING)
        & (WaitingEntry.buyer_email.is_in(list(emails)) | WaitingEntry.companion_email.is_in(list(emails)))
    ).first()
    if clash is not None:
        raise AlreadyWaiting(_l("Jij of je partner staat al op de wachtlijst voor dit evenement."),
                             field="companion.email")


def attendee_row(order_id: int, event_id: int, role: str, name: str, email: str, now: datetime, *,
                 birth_date: date | None = None, industry: str = "", organisation: str = "",
                 experience_level: int | None = None, judged: Judgement | None = None) -> Attendee:
    """A new live place; a companion's carries how the rule judged it (never an organiser's reason)."""
    if judged is None:
        basis: str = rules.PlaceRole.BUYER  # a buyer is admitted as the buyer
        eligible, reason_nl, reason_en, override_id = True, "", "", None
    else:
        eligible, basis = True, judged.basis
        reason_nl, reason_en = judged.eligibility.reason_nl, judged.eligibility.reason_en
        override_id = judged.override["id"] if judged.override else None
        if judged.override:
            # The buyer sees this text too: the organiser's reason stays in the override (organiser only).
            reason_nl, reason_en = f"{reason_nl} {OVERRIDE_NL}", f"{reason_en} {OVERRIDE_EN}"
    return Attendee(order=order_id, event=event_id, role=role, name=" ".join(name.split()), email=email,
                    birth_date=birth_date, industry=industry, organisation=organisation.strip(),
                    experience_level=experience_level, eligible=eligible, eligibility_basis=basis,
                    eligibility_reason_nl=reason_nl,
                    eligibility_reason_en=reason_en, override_id=override_id, live=True, created_at=now)


def _check_companion_name(companion: CompanionIn) -> None:
    """The buyer types the companion's name, and it goes into mails to the companion: a real name, no link."""
    problem = name_problem(companion.name)
    if problem == "empty":
        raise InvalidInput(_l("Vul de naam van je partner in."), field="companion.name")
    if problem is not None:
        raise InvalidInput(
            _l("De naam van je partner kan alleen letters, cijfers, spaties en ' - . , bevatten, en geen webadres."),
            field="companion.name")


async def judge_companion(event: Mapping[str, Any], buyer_email: str, companion: CompanionIn) -> Judgement:
    """The companion of an order: a real name, not the buyer, admitted by the rule or an exception."""
    _check_companion_name(companion)
    own = check_not_self(buyer_email, companion.email)
    if own is not None:
        raise CompanionRefused(own)
    judged = await judge(event, companion.industry, companion.birth_date, companion.email)
    if not judged.admitted:
        rejection = judged.eligibility.rejection()
        assert rejection is not None
        raise CompanionRefused(rejection)
    return judged


async def change_companion(actor: Principal, order_id: int, companion: CompanionIn,
                           now: datetime | None = None) -> OrderOut:
    """The buyer names another companion until the change deadline: the old place is voided (its ticket too,
    mailed), the new one judged by the rule and, for a paid order, ticketed and mailed at once."""
    now = now or utcnow()
    row, is_buyer = await access.visible_order(actor, order_id)
    if not is_buyer:
        raise Forbidden(_l("Alleen de koper kan de partner wijzigen."))
    # Each change mails two people who did not ask for it (the old and the new companion): a few per order and
    # per buyer are plenty for a real change of plans, and keep the form from being a mail cannon.
    await ratelimit.enforce(COMPANION_CHANGES_PER_ORDER, f"order:{order_id}")
    await ratelimit.enforce(COMPANION_CHANGES_PER_MEMBER, f"member:{actor.id}")
    if row["status"] not in rules.SEAT_HOLDING:
        raise OrderNotChangeable(_l("Deze bestelling kan niet meer worden gewijzigd."))
    event = await access.event_by_id(row["event"])
    if event["status"] == EventStatus.CANCELLED:
        raise EventCancelled(_l("Dit evenement is geannuleerd."))
    change_by, _ = access.deadlines(event)
    if not rules.can_change_companion(now, change_by):
        raise ChangeDeadlinePassed(_l("De partner kan niet meer worden gewijzigd: de wijzigingstermijn is voorbij."))
    judged = await judge_companion(event, actor.email, companion)
    email = normalise_email(companion.email)
    await check_no_live_place(event["id"], [email], exclude_order=order_id)
    await check_not_waiting(event["id"], [email])
    with unique_violation_raises(DuplicateAttendee(_l("%(email)s heeft al een plek voor dit evenement.", email=email),
                                                   field="companion.email")):
        async with write_transaction():
            # Touch the event row: serialises with seat-taking and late payments of this event.
            await Event.update({Event.seats_taken: Event.seats_taken}).where(Event.id == event["id"])
            await check_not_waiting(event["id"], [email])  # joining the list takes the same lock
            fresh = await TicketOrder.select().where(TicketOrder.id == order_id).first()
            assert fresh is not None
            if fresh["status"] not in rules.SEAT_HOLDING:
                raise OrderNotChangeable(_l("Deze bestelling kan niet meer worden gewijzigd."))
            old = await Attendee.update({Attendee.live: False, Attendee.voided_at: now}).where(
                (Attendee.order == order_id) & (Attendee.role == rules.PlaceRole.COMPANION)
                & Attendee.voided_at.is_null()
            ).returning(*Attendee.all_columns())
            await Ticket.update({Ticket.status: rules.TicketStatus.VOID, Ticket.voided_at: now}).where(
                Ticket.attendee.is_in([o["id"] for o in old] or [-1]) & (Ticket.status == rules.TicketStatus.VALID)
            )
            new_place = (await Attendee.insert(attendee_row(
                order_id, event["id"], rules.PlaceRole.COMPANION, companion.name, email, now,
                birth_date=companion.birth_date,
                industry=companion.industry, organisation=companion.organisation,
                experience_level=companion.experience_level, judged=judged,
            )).returning(Attendee.id))[0]["id"]
            await state.log_change(order_id, Actor(actor.id, "member"), "companion_changed", now,
                                   previous=[o["email"] for o in old], companion=email, eligibility=judged.basis)
            if fresh["status"] == rules.PAID:
                # The new companion gets their ticket; the buyer is told who their companion is now (not "your
                # payment has arrived" again); the former companion that their ticket no longer works.
                await state.issue_tickets_and_mail(order_id, now, mail_to=[new_place])
                buyer = await Attendee.select(Attendee.id, Attendee.email).where(
                    (Attendee.order == order_id) & (Attendee.role == rules.PlaceRole.BUYER)).first()
                if buyer is not None:
                    await state.enqueue_mail("companion_changed", order_id, buyer["id"], buyer["email"],
                                             f"changed:{order_id}:{new_place}", now)
                for gone in old:
                    await state.enqueue_mail("ticket_voided", order_id, gone["id"], gone["email"],
                                             f"void:{gone['id']}", now)
    return await order_view(order_id)


async def add_override(actor: Principal, slug: str, email: str, reason: str) -> OverrideOut:
    """The organiser admits a companion the rule refuses, by e-mail and with a reason (once per event)."""
    event = await access.managed_event(actor, slug)
    now = utcnow()
    with unique_violation_raises(OverrideExists(_l("Voor dit e-mailadres is al een uitzondering gemaakt."),
                                                field="email")):
        rows = await EligibilityOverride.insert(EligibilityOverride(
            event=event["id"], email=normalise_email(email), reason=reason.strip(), created_by=actor.id,
            created_at=now,
        )).returning(*EligibilityOverride.all_columns())
    return override_view(rows[0], {actor.id: actor.name})


async def revoke_override(actor: Principal, slug: str, override_id: int) -> OverrideOut:
    """The organiser takes an exception back: from now on the rule alone judges this address (ordering, a
    companion change, an offer from the waiting list). A duo ordered with it keeps its place. The row stays, with
    who revoked it and when (the exception's log). Revoking a revoked exception changes nothing."""
    event = await access.managed_event(actor, slug)
    now = utcnow()
    await EligibilityOverride.update({EligibilityOverride.revoked_at: now, EligibilityOverride.revoked_by: actor.id}
                                     ).where((EligibilityOverride.id == override_id)
                                             & (EligibilityOverride.event == event["id"])
                                             & EligibilityOverride.revoked_at.is_null())
    row = await EligibilityOverride.select().where(
        (EligibilityOverride.id == override_id) & (EligibilityOverride.event == event["id"])).first()
    if row is None:
        raise OverrideNotFound(_l("Deze uitzondering bestaat niet (meer) bij dit evenement."))
    names = {actor.id: actor.name}
    others = {row["created_by"], row["revoked_by"]} - {actor.id, None}
    if others:
        names |= {m["id"]: m["name"] for m in await Member.select(Member.id, Member.name).where(
            Member.id.is_in(list(others)))}
    return override_view(row, names)
