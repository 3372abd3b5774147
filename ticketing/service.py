"""Ticketing use-cases: reserve a duo, pay, change the companion, cancel and refund, the attendee list,
Stripe events, and the background work (expiring holds, reconciling payments, refunds).

Capacity lives in the database: a seat is taken by ONE conditional UPDATE of `Event.seats_taken`
(`… WHERE seats_taken < capacity_duos`) in the transaction that inserts the order, and freed only by a
conditional status transition of the order (`UPDATE … WHERE status IN (seat-holding) RETURNING`): only
the transaction that wins that update decrements, so a seat is freed exactly once. A person's single live
place per event is a partial unique index. Stripe calls never happen inside a transaction: refunds are
written as rows first and submitted after the commit (and retried by a job).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.utils import make_msgid
from typing import Any

import anyio

from core import ratelimit
from core.db import as_utc, is_unique_violation, utcnow, write_transaction
from core.errors import Forbidden, InvalidInput, NotFound
from core.spreadsheet import csv_text
from events import rules as event_rules
from events import service as events_service
from events.tables import Event
from members.rules import name_problem
from members.service import Principal, verified_email
from members.tables import Member
from pairing.rules import (
    CODE_BIRTH_DATE_REQUIRED,
    CODE_NOT_ELIGIBLE,
    CompanionFacts,
    CompanionRule,
    Eligibility,
    check_not_self,
    companion_is_eligible,
    event_local_date,
    normalise_email,
)
from ticketing import payments as payments_module
from ticketing import rules
from ticketing.errors import (
    ChangeDeadlinePassed,
    CompanionRefused,
    DuplicateAttendee,
    EventCancelled,
    OrderAlreadyPaid,
    OrderNotChangeable,
    OrderNotFound,
    OverrideExists,
    PaymentInProgress,
    PaymentUnavailable,
    RefundDeadlinePassed,
    ReservationExpired,
    SalesClosed,
    SalesNotStarted,
    SoldOut,
)
from ticketing.payments import Intent, PaymentProviderError
from ticketing.tables import (
    Attendee,
    EligibilityOverride,
    OrderLog,
    OutboxMail,
    Refund,
    StripeEvent,
    Ticket,
    TicketOrder,
)

log = logging.getLogger("nieuw_geluid.ticketing")

PAYMENT_CLAIM_TIMEOUT = timedelta(seconds=30)
# How far before an abandoned claim to look for the intent its worker may have created (clock skew).
INTENT_LOOKUP_MARGIN = timedelta(minutes=1)
RECONCILE_EVERY = timedelta(minutes=1)
RECONCILE_LOOKBACK = timedelta(days=2)
REFUND_CLAIM_TIMEOUT = timedelta(minutes=2)
# Codes the organiser may override (a refusal by the rule), as opposed to bad data.
OVERRIDABLE = frozenset({CODE_NOT_ELIGIBLE, CODE_BIRTH_DATE_REQUIRED})


@dataclass(frozen=True, slots=True)
class CompanionIn:
    name: str
    email: str
    industry: str
    birth_date: date | None = None
    organisation: str = ""


@dataclass(frozen=True, slots=True)
class Actor:
    """Who changed an order, for the log."""

    member_id: int | None
    label: str  # member | organiser | system | stripe


SYSTEM = Actor(None, "system")
STRIPE = Actor(None, "stripe")


# --------------------------------------------------------------------------- small helpers


async def _event_by_slug(slug: str, viewer: Principal | None = None) -> dict[str, Any]:
    row = await Event.select().where(Event.slug == slug).first()
    if row is None or (row["status"] == "draft" and not _manages(viewer, row)):
        raise NotFound("Dit evenement bestaat niet.")
    return row


async def _event_by_id(event_id: int) -> dict[str, Any]:
    row = await Event.select().where(Event.id == event_id).first()
    if row is None:
        raise NotFound("Dit evenement bestaat niet.")
    return row


def _manages(actor: Principal | None, event: Mapping[str, Any]) -> bool:
    return actor is not None and actor.is_organiser and event["organiser"] in (actor.id, None)


def _deadlines(event: Mapping[str, Any]) -> tuple[datetime, datetime]:
    starts_at = as_utc(event["starts_at"])
    assert starts_at is not None
    return (event_rules.change_deadline(starts_at, as_utc(event["change_deadline"])),
            event_rules.refund_deadline(starts_at, as_utc(event["refund_deadline"])))


def _check_sales_open(event: Mapping[str, Any], now: datetime) -> None:
    starts_at = as_utc(event["starts_at"])
    assert starts_at is not None
    state = event_rules.sales_state(status=event["status"], now=now, starts_at=starts_at,
                                    sales_start=as_utc(event["sales_start"]), sales_end=as_utc(event["sales_end"]))
    if state == "open":
        return
    if state == "cancelled":
        raise EventCancelled("Dit evenement is geannuleerd.")
    if state == "not_started":
        raise SalesNotStarted("De kaartverkoop is nog niet begonnen.")
    if state == "not_published":
        raise NotFound("Dit evenement bestaat niet.")
    raise SalesClosed("De kaartverkoop voor dit evenement is gesloten.")


def _rule_for(event: Mapping[str, Any]) -> tuple[CompanionRule, date]:
    starts_at = as_utc(event["starts_at"])
    assert starts_at is not None
    return (CompanionRule(age_limit=event["age_limit"], home_industry=event["home_industry"]),
            event_local_date(starts_at, event["timezone"]))


@dataclass(frozen=True, slots=True)
class Judgement:
    eligibility: Eligibility
    admitted: bool
    basis: str
    override: dict[str, Any] | None


async def _judge(event: Mapping[str, Any], industry: str, birth_date: date | None,
                 email: str | None) -> Judgement:
    rule, event_date = _rule_for(event)
    today = event_local_date(utcnow(), event["timezone"])  # a birth date after today is a typing mistake
    result = companion_is_eligible(CompanionFacts(industry=industry, birth_date=birth_date), rule, event_date,
                                   today)
    if result.eligible:
        return Judgement(result, True, result.passed or "", None)
    if email and result.code in OVERRIDABLE:
        override = await EligibilityOverride.select().where(
            (EligibilityOverride.event == event["id"]) & (EligibilityOverride.email == normalise_email(email))
        ).first()
        if override is not None:
            return Judgement(result, True, "override", override)
    return Judgement(result, False, "", None)


async def _log(order_id: int, actor: Actor, action: str, now: datetime, **detail: Any) -> None:
    await OrderLog.insert(OrderLog(order=order_id, actor=actor.member_id, actor_label=actor.label,
                                   action=action, detail=detail, created_at=now))


def _is_unique(exc: BaseException) -> bool:
    return is_unique_violation(exc)


# --------------------------------------------------------------------------- eligibility check


# Checks as people type (the order page asks on every change): generous for a person, useless for probing.
ELIGIBILITY_CHECK = ratelimit.Limit("eligibility_check", 60, 10 * 60)
# What a buyer is told about an organiser's exception: that there is one, never the organiser's reason.
OVERRIDE_NL = "De organisator heeft voor je partner een uitzondering gemaakt."
OVERRIDE_EN = "The organiser has made an exception for your companion."


async def check_companion(slug: str, industry: str, birth_date: date | None, email: str | None,
                          viewer: Principal | None, *, client: str | None = None) -> dict[str, Any]:
    """The companion rule for this event, without ordering (the attendee page asks as people type).

    Rate-limited per `client` (the member, or the address of an anonymous caller). An organiser's exception
    for the e-mail address is taken into account only for a signed-in buyer, the one who will order: they
    learn that there is one (so the page does not refuse what ordering will accept), never its reason.
    Anyone else gets the rule alone, so nobody can ask which addresses have an exception.
    """
    await ratelimit.enforce(ELIGIBILITY_CHECK, client)
    event = await _event_by_slug(slug, viewer)
    if viewer is not None and email:
        own = check_not_self(viewer.email, email)
        if own is not None:
            return {"eligible": False, "passed": None, "age": None, "code": own.code,
                    "reason_nl": own.reason_nl, "reason_en": own.reason_en, "override": False}
    judged = await _judge(event, industry, birth_date, email if viewer is not None else None)
    result = judged.eligibility
    if judged.basis == "override":
        return {"eligible": True, "passed": "override", "age": result.age, "code": None,
                "reason_nl": OVERRIDE_NL, "reason_en": OVERRIDE_EN, "override": True}
    return {"eligible": result.eligible, "passed": result.passed, "age": result.age, "code": result.code,
            "reason_nl": result.reason_nl, "reason_en": result.reason_en, "override": False}


# --------------------------------------------------------------------------- reserving a duo


async def _check_no_live_place(event_id: int, emails: Sequence[str], exclude_order: int | None = None) -> None:
    query = Attendee.select(Attendee.email).where(
        (Attendee.event == event_id) & (Attendee.live == True) & Attendee.email.is_in(list(emails))  # noqa: E712
    )
    if exclude_order is not None:
        query = query.where(Attendee.order != exclude_order)
    taken = await query.first()
    if taken is not None:
        raise DuplicateAttendee(
            f"{taken['email']} heeft al een plek voor dit evenement.", field="companion.email"
        )


def _attendee_row(order_id: int, event_id: int, role: str, name: str, email: str, now: datetime, *,
                  birth_date: date | None = None, industry: str = "", organisation: str = "",
                  judged: Judgement | None = None) -> Attendee:
    if judged is None:
        eligible, basis, reason_nl, reason_en, override_id = True, "buyer", "", "", None
    else:
        eligible, basis = True, judged.basis
        reason_nl, reason_en = judged.eligibility.reason_nl, judged.eligibility.reason_en
        override_id = judged.override["id"] if judged.override else None
        if judged.override:
            # The buyer sees this text too: the organiser's reason stays in the override (organiser only).
            reason_nl, reason_en = f"{reason_nl} {OVERRIDE_NL}", f"{reason_en} {OVERRIDE_EN}"
    return Attendee(order=order_id, event=event_id, role=role, name=" ".join(name.split()), email=email,
                    birth_date=birth_date, industry=industry, organisation=organisation.strip(),
                    eligible=eligible, eligibility_basis=basis, eligibility_reason_nl=reason_nl,
                    eligibility_reason_en=reason_en, override_id=override_id, live=True, created_at=now)


def _check_companion_name(companion: CompanionIn) -> None:
    """The buyer types the companion's name, and it goes into mails to the companion: a real name, no link."""
    problem = name_problem(companion.name)
    if problem == "empty":
        raise InvalidInput("Vul de naam van je partner in.", field="companion.name")
    if problem is not None:
        raise InvalidInput(
            "De naam van je partner kan alleen letters, cijfers, spaties en ' - . , bevatten, en geen webadres.",
            field="companion.name")


async def _judge_companion(event: Mapping[str, Any], buyer_email: str, companion: CompanionIn) -> Judgement:
    _check_companion_name(companion)
    own = check_not_self(buyer_email, companion.email)
    if own is not None:
        raise CompanionRefused(own)
    judged = await _judge(event, companion.industry, companion.birth_date, companion.email)
    if not judged.admitted:
        rejection = judged.eligibility.rejection()
        assert rejection is not None
        raise CompanionRefused(rejection)
    return judged


async def reserve_duo(actor: Principal, slug: str, companion: CompanionIn, *, hold_minutes: float,
                      now: datetime | None = None) -> dict[str, Any]:
    """Take one seat for the buyer and the companion: `pending_payment` until paid, or `paid` when free."""
    now = now or utcnow()
    event = await _event_by_slug(slug, actor)
    _check_sales_open(event, now)
    if event["seats_taken"] >= event["capacity_duos"]:
        # Full when read: answering now equals having arrived a moment earlier, and spares a rush of
        # late buyers the write transaction. A free seat is still only ever taken by the UPDATE below.
        raise SoldOut("Uitverkocht: er zijn geen duoplekken meer.")
    # Counted only for attempts that can take a seat: a sold-out answer is a cheap read, while the
    # counter is a committed write that would otherwise double the cost of every request in a rush.
    await ratelimit.enforce(ratelimit.ORDER_PER_CLIENT, f"member:{actor.id}")
    buyer = await Member.select().where(Member.id == actor.id).first()
    if buyer is None:
        raise NotFound("Dit account bestaat niet (meer).")
    judged = await _judge_companion(event, buyer["email"], companion)
    buyer_email, companion_email = normalise_email(buyer["email"]), normalise_email(companion.email)
    # A friendly early answer; the partial unique index is what really decides.
    await _check_no_live_place(event["id"], [buyer_email, companion_email])
    free = event["price_cents"] == 0
    try:
        async with write_transaction():
            order_id = (await TicketOrder.insert(TicketOrder(
                event=event["id"], buyer=actor.id, status=rules.PAID if free else rules.PENDING,
                amount_cents=event["price_cents"], currency="eur",
                expires_at=None if free else rules.hold_expires_at(now, hold_minutes),
                paid_at=now if free else None, created_at=now, updated_at=now,
            )).returning(TicketOrder.id))[0]["id"]
            await Attendee.insert(
                _attendee_row(order_id, event["id"], "buyer", buyer["name"], buyer_email, now,
                              birth_date=buyer["birth_date"], industry=buyer["industry"],
                              organisation=buyer["organisation"]),
                _attendee_row(order_id, event["id"], "companion", companion.name, companion_email, now,
                              birth_date=companion.birth_date, industry=companion.industry,
                              organisation=companion.organisation, judged=judged),
            )
            await _log(order_id, Actor(actor.id, "member"), "reserved", now,
                       seat="held" if not free else "paid", companion=companion_email,
                       eligibility=judged.basis)
            if free:
                await _issue_tickets_and_mail(order_id, now)
                await _log(order_id, SYSTEM, "paid", now, amount_cents=0, reason="free event")
            # The seat is taken last: on PostgreSQL the UPDATE locks the event row until COMMIT, so
            # taking it after the inserts keeps every other buyer's wait as short as possible.
            # Without a seat the whole transaction (order, places, log) rolls back.
            taken = await Event.update({Event.seats_taken: Event.seats_taken + 1}).where(
                (Event.id == event["id"]) & (Event.seats_taken < Event.capacity_duos)
                & (Event.status == "published")
            ).returning(Event.id)
            if not taken:
                raise SoldOut("Uitverkocht: er zijn geen duoplekken meer.")
    except Exception as exc:
        if _is_unique(exc):
            raise DuplicateAttendee("Een van jullie heeft al een plek voor dit evenement.",
                                    field="companion.email") from exc
        raise
    return await _order_view(order_id)


# --------------------------------------------------------------------------- tickets, seats and mail (in a transaction)


async def _issue_tickets_and_mail(order_id: int, now: datetime) -> list[str]:
    """Issue a ticket to every live place of the order that has none, and queue each a confirmation."""
    places = await Attendee.select().where((Attendee.order == order_id) & (Attendee.live == True))  # noqa: E712
    have = {t["attendee"] for t in await Ticket.select(Ticket.attendee).where(Ticket.order == order_id)}
    codes = []
    for place in places:
        if place["id"] in have:
            continue
        code = rules.new_ticket_code()
        await Ticket.insert(Ticket(order=order_id, attendee=place["id"], event=place["event"], code=code,
                                   status="valid", issued_at=now))
        codes.append(code)
    companion = next((p for p in places if p["role"] == "companion"), None)
    for place in places:
        await _enqueue("ticket_confirmation", order_id, place["id"], place["email"],
                       f"confirm:{order_id}:{place['id']}:{companion['id'] if companion else 0}", now)
    return codes


async def _enqueue(kind: str, order_id: int | None, attendee_id: int | None, to_email: str, dedupe_key: str,
                   now: datetime) -> None:
    from settings import get_settings

    await OutboxMail.insert(OutboxMail(
        kind=kind, dedupe_key=dedupe_key, order=order_id, attendee_id=attendee_id, to_email=to_email,
        message_id=make_msgid(domain=get_settings().host), status="pending", next_attempt_at=now,
        created_at=now,
    )).on_conflict(target=OutboxMail.dedupe_key, action="DO NOTHING")


async def _release(order: Mapping[str, Any], now: datetime) -> None:
    """Free the seat and the places of an order that just left a seat-holding status (called once, by the
    transaction that won the conditional status update)."""
    await Event.update({Event.seats_taken: Event.seats_taken - 1}).where(
        (Event.id == order["event"]) & (Event.seats_taken > 0)
    )
    await Attendee.update({Attendee.live: False}).where(
        (Attendee.order == order["id"]) & (Attendee.live == True)  # noqa: E712
    )
    await Ticket.update({Ticket.status: "void", Ticket.voided_at: now}).where(
        (Ticket.order == order["id"]) & (Ticket.status == "valid")
    )


async def _move(order_id: int, sources: Iterable[str], target: str, now: datetime,
                extra: dict[Any, Any] | None = None, **conditions: Any) -> dict[str, Any] | None:
    """The conditional status transition: the new row when this call won it, else None."""
    where = (TicketOrder.id == order_id) & TicketOrder.status.is_in(list(sources))
    for name, value in conditions.items():
        where = where & (getattr(TicketOrder, name) == value)
    values: dict[Any, Any] = {TicketOrder.status: target, TicketOrder.updated_at: now}
    if extra:
        values.update(extra)
    rows = await TicketOrder.update(values).where(where).returning(*TicketOrder.all_columns())
    return rows[0] if rows else None


async def _add_refund(order: Mapping[str, Any], intent_id: str, amount: int, reason: str,
                      now: datetime) -> int | None:
    rows = await Refund.insert(Refund(
        order=order["id"], payment_intent_id=intent_id, amount_cents=amount, reason=reason, status="pending",
        created_at=now, updated_at=now,
    )).on_conflict(target=Refund.payment_intent_id, action="DO NOTHING").returning(Refund.id)
    return rows[0]["id"] if rows else None


async def _cancel_in_transaction(order: Mapping[str, Any], actor: Actor, reason: str,
                                 now: datetime) -> tuple[dict[str, Any] | None, int | None]:
    """Cancel a live order: a paid one goes to refund_pending with a refund row, a held one to cancelled.
    Returns (new row or None when nothing changed, refund id to submit)."""
    status = order["status"]
    refund_id = None
    if status == rules.PAID and order["amount_cents"] > 0 and order["payment_intent_id"]:
        moved = await _move(order["id"], [rules.PAID], rules.REFUND_PENDING, now,
                            {TicketOrder.cancelled_at: now})
        if moved:
            refund_id = await _add_refund(moved, order["payment_intent_id"], order["amount_cents"], reason, now)
    elif status in rules.SEAT_HOLDING:
        moved = await _move(order["id"], [status], rules.CANCELLED, now, {TicketOrder.cancelled_at: now})
    else:
        return None, None
    if moved is None:
        return None, None
    await _release(moved, now)
    await _log(order["id"], actor, "cancelled", now, reason=reason, previous=status,
               refund="pending" if refund_id else None)
    for place in await Attendee.select().where(Attendee.order == order["id"]):
        if place["voided_at"] is None:
            await _enqueue("order_cancelled", order["id"], place["id"], place["email"],
                           f"cancel:{order['id']}:{place['id']}", now)
    return moved, refund_id


# --------------------------------------------------------------------------- reading orders


def _without_override_reason(text: str, marker: str, replacement: str) -> str:
    # Places stored before the exception's reason was kept out of the buyer's view still carry it after `marker`.
    return text.split(marker, 1)[0] + replacement if marker in text else text


def _place_view(row: Mapping[str, Any], tickets: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    ticket = next((t for t in tickets if t["attendee"] == row["id"]), None)
    reason_nl = _without_override_reason(row["eligibility_reason_nl"], " Toegelaten door de organisator:", " "
                                         + OVERRIDE_NL)
    reason_en = _without_override_reason(row["eligibility_reason_en"], " Admitted by the organiser:", " "
                                         + OVERRIDE_EN)
    return {
        # No birth date: it was needed only to check the rule (see erase_birth_dates); the outcome is below.
        "id": row["id"], "role": row["role"], "name": row["name"], "email": row["email"],
        "industry": row["industry"], "organisation": row["organisation"],
        "eligibility_basis": row["eligibility_basis"], "eligibility_reason_nl": reason_nl,
        "eligibility_reason_en": reason_en, "override_id": row["override_id"],
        "live": bool(row["live"]), "voided_at": as_utc(row["voided_at"]),
        "ticket_code": ticket["code"] if ticket else None,
        "ticket_status": ticket["status"] if ticket else None,
    }


async def _order_views(orders: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    if not orders:
        return []
    ids = [o["id"] for o in orders]
    places = await Attendee.select().where(Attendee.order.is_in(ids)).order_by(Attendee.id)
    tickets = await Ticket.select().where(Ticket.order.is_in(ids))
    event_ids = list({o["event"] for o in orders})
    events = {e["id"]: e for e in await Event.select().where(Event.id.is_in(event_ids))}
    now = utcnow()
    out = []
    for order in orders:
        event = events[order["event"]]
        change_by, refund_by = _deadlines(event)
        own = [p for p in places if p["order"] == order["id"]]
        own_tickets = [t for t in tickets if t["order"] == order["id"]]
        buyer = next(p for p in own if p["role"] == "buyer")
        companions = [p for p in own if p["role"] == "companion"]
        current = next((p for p in companions if p["voided_at"] is None), companions[-1])
        live = order["status"] in rules.SEAT_HOLDING
        out.append({
            "id": order["id"], "status": order["status"], "amount_cents": order["amount_cents"],
            "currency": order["currency"].upper(), "expires_at": as_utc(order["expires_at"]),
            "paid_at": as_utc(order["paid_at"]), "cancelled_at": as_utc(order["cancelled_at"]),
            "refunded_at": as_utc(order["refunded_at"]), "created_at": as_utc(order["created_at"]),
            "buyer_id": order["buyer"], "payment_intent_id": order["payment_intent_id"],
            "event": {"id": event["id"], "slug": event["slug"], "title": event["title"],
                      "starts_at": as_utc(event["starts_at"]), "timezone": event["timezone"]},
            "buyer": _place_view(buyer, own_tickets),
            "companion": _place_view(current, own_tickets),
            "former_companions": [_place_view(p, own_tickets) for p in companions if p is not current],
            "change_deadline": change_by, "refund_deadline": refund_by,
            "can_change_companion": live and rules.can_change_companion(now, change_by),
            "can_cancel": order["status"] == rules.PENDING
            or (order["status"] == rules.PAID and rules.can_refund(now, refund_by)),
        })
    return out


async def _order_view(order_id: int) -> dict[str, Any]:
    row = await TicketOrder.select().where(TicketOrder.id == order_id).first()
    if row is None:
        raise OrderNotFound("Deze bestelling bestaat niet.")
    return (await _order_views([row]))[0]


async def _visible_order(actor: Principal, order_id: int) -> tuple[dict[str, Any], bool]:
    """The order row for its buyer or the event's organiser (anyone else: not found). (row, is_buyer)"""
    row = await TicketOrder.select().where(TicketOrder.id == order_id).first()
    if row is None:
        raise OrderNotFound("Deze bestelling bestaat niet.")
    if row["buyer"] == actor.id:
        return row, True
    if actor.is_organiser and _manages(actor, await _event_by_id(row["event"])):
        return row, False
    raise OrderNotFound("Deze bestelling bestaat niet.")


async def get_order(actor: Principal, order_id: int) -> dict[str, Any]:
    row, _ = await _visible_order(actor, order_id)
    return (await _order_views([row]))[0]


async def list_my_orders(actor: Principal) -> list[dict[str, Any]]:
    rows = await TicketOrder.select().where(TicketOrder.buyer == actor.id).order_by(TicketOrder.id,
                                                                                     ascending=False)
    return await _order_views(rows)


async def list_my_tickets(actor: Principal) -> list[dict[str, Any]]:
    """Every place this member has or had, live or past, as buyer or as companion (newest first): the buyer places
    of the member's own orders (by buyer id), plus — only once the account's e-mail is VERIFIED — every place with
    that e-mail (normalised, so case and spaces do not matter). A companion who makes an account later sees their
    ticket here after following the verification link; before that, whoever signed up with the address first
    would otherwise read the companion's door code.

    Each place carries only what its owner may see: their own name, ticket code and status, the event, the order
    status, and the partner's NAME (who invited them, or whom they invited) — never the partner's e-mail, birth
    date or ticket code. The buyer's full view stays with list_my_orders. Reads only."""
    mine = (Attendee.order.buyer == actor.id) & (Attendee.role == "buyer")
    email = await verified_email(actor.id)
    if email is not None:
        mine = mine | (Attendee.email == email)
    places = await Attendee.select(
        Attendee.id, Attendee.order, Attendee.event, Attendee.role, Attendee.name, Attendee.live,
        Attendee.voided_at,
    ).where(mine).order_by(Attendee.id, ascending=False)
    if not places:
        return []
    order_ids = list({p["order"] for p in places})
    orders = {o["id"]: o for o in await TicketOrder.select(TicketOrder.id, TicketOrder.status).where(
        TicketOrder.id.is_in(order_ids))}
    # Both places of each order, for the partner's name (selected without e-mail or birth date).
    duo = await Attendee.select(Attendee.id, Attendee.order, Attendee.role, Attendee.name, Attendee.voided_at).where(
        Attendee.order.is_in(order_ids)).order_by(Attendee.id)
    tickets = {t["attendee"]: t for t in await Ticket.select(Ticket.attendee, Ticket.code, Ticket.status).where(
        Ticket.attendee.is_in([p["id"] for p in places]))}
    events = {e["id"]: e for e in await Event.select(
        Event.id, Event.slug, Event.title, Event.starts_at, Event.timezone, Event.status,
    ).where(Event.id.is_in(list({p["event"] for p in places})))}
    out = []
    for place in places:
        others = [p for p in duo if p["order"] == place["order"] and p["id"] != place["id"]]
        if place["role"] == "buyer":  # whom I invited: the current companion (else the last one)
            companions = [p for p in others if p["role"] == "companion"]
            partner = next((p for p in companions if p["voided_at"] is None), companions[-1] if companions else None)
        else:  # who invited me
            partner = next((p for p in others if p["role"] == "buyer"), None)
        ticket = tickets.get(place["id"])
        event = events[place["event"]]
        out.append({
            "place_id": place["id"], "order_id": place["order"], "order_status": orders[place["order"]]["status"],
            "role": place["role"], "name": place["name"], "live": bool(place["live"]),
            "voided_at": as_utc(place["voided_at"]),
            "ticket_code": ticket["code"] if ticket else None,
            "ticket_status": ticket["status"] if ticket else None,
            "partner_name": partner["name"] if partner else "",
            "event": {"id": event["id"], "slug": event["slug"], "title": event["title"],
                      "starts_at": as_utc(event["starts_at"]), "timezone": event["timezone"],
                      "status": event["status"]},
        })
    return out


async def _places_of_member(member_id: int) -> Any | None:
    """The condition on Ticket for this member's own places: buyer places of their orders (by id), and places
    with their e-mail only when it is verified. None when the member does not exist."""
    member = await Member.select(Member.email, Member.email_verified_at).where(Member.id == member_id).first()
    if member is None:
        return None
    mine = (Ticket.order.buyer == member_id) & (Ticket.attendee.role == "buyer")
    if member["email_verified_at"] is not None:
        mine = mine | (Ticket.attendee.email == normalise_email(member["email"]))
    return mine


async def live_ticket_event_ids(member_id: int) -> list[int]:
    """Events for which this member holds a live ticket: as buyer, or as companion (by VERIFIED account e-mail)."""
    mine = await _places_of_member(member_id)
    if mine is None:
        return []
    rows = await Ticket.select(Ticket.event).where(
        (Ticket.status == "valid") & (Ticket.order.status == rules.PAID) & mine
    ).distinct()
    return sorted({r["event"] for r in rows})


async def calendar_event_ids(member_id: int) -> list[int]:
    """Events for a member's calendar: those with a live ticket, plus cancelled events whose ticket was
    voided by that cancellation, so the feed shows "Geannuleerd" instead of silently dropping the event.
    A ticket the member cancelled themselves (voided before the event was cancelled) stays out. Companion places
    count only once the account's e-mail is verified."""
    mine = await _places_of_member(member_id)
    if mine is None:
        return []
    rows = await Ticket.select(
        Ticket.event, Ticket.status, Ticket.voided_at, Ticket.order.status.as_alias("order_status"),
        Ticket.event.status.as_alias("event_status"), Ticket.event.cancelled_at.as_alias("cancelled_at"),
    ).where(mine)
    ids = set()
    for r in rows:
        if (r["status"] == "valid" and r["order_status"] == rules.PAID) or _voided_by_cancellation(r):
            ids.add(r["event"])
    return sorted(ids)


def _voided_by_cancellation(row: Mapping[str, Any]) -> bool:
    """A ticket row (with `event_status`, `cancelled_at`, `voided_at`) voided by the cancellation of its event,
    not before it (the member's own cancellation, a refund, a replaced companion)."""
    return (row["event_status"] == "cancelled" and row["voided_at"] is not None and row["cancelled_at"] is not None
            and as_utc(row["voided_at"]) >= as_utc(row["cancelled_at"]))  # type: ignore[operator]


async def places_voided_by_cancellation(member_id: int) -> set[int]:
    """The member's places (as `_places_of_member` counts them) whose ticket was voided by the cancellation of
    its event: pairing keeps their published breakouts in the calendar, cancelled, as events.feeds keeps the
    event (calendar_event_ids)."""
    mine = await _places_of_member(member_id)
    if mine is None:
        return set()
    rows = await Ticket.select(
        Ticket.attendee, Ticket.voided_at, Ticket.event.status.as_alias("event_status"),
        Ticket.event.cancelled_at.as_alias("cancelled_at"),
    ).where(mine & (Ticket.status == "void"))
    return {r["attendee"] for r in rows if _voided_by_cancellation(r)}


# --------------------------------------------------------------------------- paying


async def start_payment(actor: Principal, order_id: int, now: datetime | None = None,
                        wait_seconds: float = 5.0) -> dict[str, Any]:
    """Create THE PaymentIntent of this order, or return it again: one intent per order, enforced here."""
    now = now or utcnow()
    row, is_buyer = await _visible_order(actor, order_id)
    if not is_buyer:
        raise Forbidden("Alleen de koper kan deze bestelling betalen.")
    payments = payments_module.current()

    def check_payable(order: Mapping[str, Any]) -> None:
        if order["status"] == rules.PAID:
            raise OrderAlreadyPaid("Deze bestelling is al betaald.")
        if order["status"] != rules.PENDING or rules.is_hold_expired(as_utc(order["expires_at"]), now):
            raise ReservationExpired("Je reservering is verlopen of geannuleerd: bestel opnieuw.")

    check_payable(row)
    intent_id = row["payment_intent_id"]
    if intent_id is None:
        claimed = await TicketOrder.update({TicketOrder.payment_claimed_at: now}).where(
            (TicketOrder.id == order_id) & (TicketOrder.status == rules.PENDING)
            & TicketOrder.payment_intent_id.is_null()
            & (TicketOrder.payment_claimed_at.is_null()
               | (TicketOrder.payment_claimed_at < now - PAYMENT_CLAIM_TIMEOUT))
        ).returning(TicketOrder.id)
        if claimed:
            earlier_attempt = as_utc(row["payment_claimed_at"])
            try:
                intent = None
                if earlier_attempt is not None:
                    # An earlier attempt died (or timed out) after asking Stripe: adopt the intent it may have
                    # created rather than make a second one.
                    intent = await payments.find_order_intent(order_id, earlier_attempt - INTENT_LOOKUP_MARGIN)
                if intent is None:
                    intent = await payments.create_intent(order_id, row["amount_cents"],
                                                          f"ng-order-{order_id}-intent")
            except PaymentProviderError as exc:
                # The call may have reached Stripe all the same (a timeout after it created the intent), so the
                # claim is not wiped but left expired: the next attempt may start at once, and looks first.
                await TicketOrder.update(
                    {TicketOrder.payment_claimed_at: now - PAYMENT_CLAIM_TIMEOUT - timedelta(seconds=1)}
                ).where((TicketOrder.id == order_id) & TicketOrder.payment_intent_id.is_null())
                raise PaymentUnavailable("De betaaldienst is nu niet bereikbaar. Probeer het zo opnieuw.") from exc
            stored = await TicketOrder.update(
                {TicketOrder.payment_intent_id: intent.id, TicketOrder.updated_at: utcnow()}
            ).where((TicketOrder.id == order_id) & TicketOrder.payment_intent_id.is_null()).returning(TicketOrder.id)
            if stored:
                await _log(order_id, Actor(actor.id, "member"), "payment_started", now, payment_intent=intent.id)
                return _payment_view(row, intent, payments.publishable_key)
            # Someone else stored one after our claim timed out: theirs is THE intent; ours must never be paid.
            await payments.cancel_intent(intent.id)
        with anyio.move_on_after(wait_seconds):
            while intent_id is None:
                await anyio.sleep(0.1)
                fresh = await TicketOrder.select().where(TicketOrder.id == order_id).first()
                assert fresh is not None
                check_payable(fresh)
                intent_id = fresh["payment_intent_id"]
        if intent_id is None:
            raise PaymentInProgress("De betaling wordt al klaargezet; probeer het zo opnieuw.")
    try:
        intent = await payments.retrieve_intent(intent_id)
    except PaymentProviderError as exc:
        raise PaymentUnavailable("De betaaldienst is nu niet bereikbaar. Probeer het zo opnieuw.") from exc
    return _payment_view(row, intent, payments.publishable_key)


def _payment_view(order: Mapping[str, Any], intent: Intent, publishable_key: str) -> dict[str, Any]:
    return {"order_id": order["id"], "payment_intent_id": intent.id, "client_secret": intent.client_secret,
            "publishable_key": publishable_key, "amount_cents": order["amount_cents"], "currency": "EUR",
            "status": intent.status, "expires_at": as_utc(order["expires_at"])}


async def _settle_success(order: Mapping[str, Any], intent: Intent, actor: Actor, now: datetime,
                          attempt: int = 0) -> tuple[str, int | None]:
    """A succeeded payment for `order` (in a transaction). Returns (outcome, refund id to submit).

    `order` was read before the conditional moves below; on PostgreSQL another transaction (the expiry job,
    a cancellation) may have moved it since. Losing a move then means "settle against the status it has
    now", never "unchanged": that would record the Stripe event as handled and lose the payment."""

    async def again() -> tuple[str, int | None]:
        fresh = await TicketOrder.select().where(TicketOrder.id == order["id"]).first()
        if fresh is None or attempt >= 3:
            log.error("Payment %s for order %s could not be settled", intent.id, order["id"])
            raise RuntimeError(f"order {order['id']} kept changing while settling {intent.id}")
        return await _settle_success(fresh, intent, actor, now, attempt + 1)

    if order["payment_intent_id"] not in (None, intent.id):
        # A second intent for the same order was paid (cannot happen through our API): give it back.
        refund_id = await _add_refund(order, intent.id, intent.amount, "duplicate_payment", now)
        await _log(order["id"], actor, "duplicate_payment_refunded", now, payment_intent=intent.id)
        return "duplicate_payment_refunded", refund_id
    paid_values = {TicketOrder.paid_at: now, TicketOrder.payment_intent_id: intent.id}
    if order["status"] == rules.PENDING:
        moved = await _move(order["id"], [rules.PENDING], rules.PAID, now, paid_values)
        if moved:
            await _issue_tickets_and_mail(order["id"], now)
            await _log(order["id"], actor, "paid", now, payment_intent=intent.id, amount_cents=intent.amount)
            return "paid", None
        return await again()
    if order["status"] in rules.REVIVABLE:
        places = await Attendee.select(Attendee.email).where(
            (Attendee.order == order["id"]) & Attendee.voided_at.is_null()
        )
        clash = await Attendee.select(Attendee.id).where(
            (Attendee.event == order["event"]) & (Attendee.live == True)  # noqa: E712
            & Attendee.email.is_in([p["email"] for p in places]) & (Attendee.order != order["id"])
        ).first()
        seat = False
        if clash is None:
            seat = bool(await Event.update({Event.seats_taken: Event.seats_taken + 1}).where(
                (Event.id == order["event"]) & (Event.seats_taken < Event.capacity_duos)
                & (Event.status == "published")
            ).returning(Event.id))
        decision = rules.settle_late_payment(order["status"], seat_free=seat, places_free=clash is None)
        if decision.action == "confirm":
            moved = await _move(order["id"], [order["status"]], rules.PAID, now, paid_values)
            if moved:
                await Attendee.update({Attendee.live: True}).where(
                    (Attendee.order == order["id"]) & Attendee.voided_at.is_null()
                )
                await _issue_tickets_and_mail(order["id"], now)
                await _log(order["id"], actor, "late_payment_confirmed", now, payment_intent=intent.id,
                           previous=order["status"])
                return "late_payment_confirmed", None
            await Event.update({Event.seats_taken: Event.seats_taken - 1}).where(Event.id == order["event"])
            return await again()
    if order["status"] in (rules.PAID, rules.REFUND_PENDING, rules.REFUNDED) and order["payment_intent_id"]:
        return "already_settled", None
    # Expired/failed without a seat, or cancelled: keep nothing we may not keep. Refund it.
    moved = await _move(order["id"], [order["status"]], rules.REFUND_PENDING, now,
                        {TicketOrder.payment_intent_id: intent.id})
    if moved is None:
        return await again()
    refund_id = await _add_refund(order, intent.id, intent.amount, "late_payment", now)
    await _log(order["id"], actor, "late_payment_refunded", now, payment_intent=intent.id,
               previous=order["status"])
    return "late_payment_refunded", refund_id


async def _order_for_intent(intent: Intent) -> dict[str, Any] | None:
    if intent.order_id is not None:
        row = await TicketOrder.select().where(TicketOrder.id == intent.order_id).first()
        if row is not None:
            return row
    return await TicketOrder.select().where(TicketOrder.payment_intent_id == intent.id).first()


async def _settle_failure(order: Mapping[str, Any], intent: Intent, target: str, actor: Actor,
                          now: datetime) -> str:
    moved = await _move(order["id"], [rules.PENDING], target, now, payment_intent_id=intent.id)
    if moved is None:
        return "unchanged"
    await _release(moved, now)
    await _log(order["id"], actor, target, now, payment_intent=intent.id)
    return target


def _payments_or_none() -> payments_module.Payments | None:
    try:
        return payments_module.current()
    except RuntimeError:
        return None


async def handle_stripe_event(event: Mapping[str, Any], now: datetime | None = None) -> str:
    """Apply one verified Stripe event, at most once (its id is stored in the same transaction)."""
    now = now or utcnow()
    event_id, event_type = str(event["id"]), str(event["type"])
    obj = event["data"]["object"]
    refund_ids: list[int] = []
    async with write_transaction():
        recorded = await StripeEvent.insert(StripeEvent(
            stripe_id=event_id, type=event_type, received_at=now, outcome="processing",
        )).on_conflict(target=StripeEvent.stripe_id, action="DO NOTHING").returning(StripeEvent.id)
        if not recorded:
            return "duplicate"
        outcome, order_id = await _apply_stripe_event(event_type, obj, now, refund_ids)
        await StripeEvent.update({StripeEvent.outcome: outcome[:40], StripeEvent.order_id: order_id}).where(
            StripeEvent.id == recorded[0]["id"]
        )
    for refund_id in refund_ids:
        await submit_refund(refund_id)
    return outcome


async def _apply_stripe_event(event_type: str, obj: Mapping[str, Any], now: datetime,
                              refund_ids: list[int]) -> tuple[str, int | None]:
    if event_type.startswith("payment_intent."):
        intent = payments_module._intent(obj)
        order = await _order_for_intent(intent)
        if order is None:
            return "unknown_order", None
        if event_type == "payment_intent.succeeded":
            outcome, refund_id = await _settle_success(order, intent, STRIPE, now)
            if refund_id:
                refund_ids.append(refund_id)
            return outcome, order["id"]
        if event_type == "payment_intent.payment_failed":
            return await _settle_failure(order, intent, rules.PAYMENT_FAILED, STRIPE, now), order["id"]
        if event_type == "payment_intent.canceled":
            return await _settle_failure(order, intent, rules.CANCELLED, STRIPE, now), order["id"]
        return "ignored", order["id"]
    if event_type in ("charge.refunded", "refund.created", "refund.updated", "charge.refund.updated"):
        is_refund = obj.get("object") == "refund"
        intent_id = obj.get("payment_intent")
        if isinstance(intent_id, Mapping):
            intent_id = intent_id.get("id")
        if is_refund:
            status = obj.get("status") or ""
        else:
            status = "succeeded" if obj.get("refunded") else ""
        refund_stripe_id = obj.get("id") if is_refund else None
        return await _settle_refund(intent_id, refund_stripe_id, status, now)
    return "ignored", None


async def _settle_refund(intent_id: str | None, refund_stripe_id: str | None, status: str,
                         now: datetime) -> tuple[str, int | None]:
    refund = None
    if refund_stripe_id:
        refund = await Refund.select().where(Refund.stripe_refund_id == refund_stripe_id).first()
    if refund is None and intent_id:
        refund = await Refund.select().where(Refund.payment_intent_id == intent_id).first()
    if refund is None:
        order = await TicketOrder.select().where(TicketOrder.payment_intent_id == intent_id).first() \
            if intent_id else None
        if order is None or status != "succeeded":
            return "unknown_refund", order["id"] if order else None
        # Refunded outside the app (Stripe dashboard): the duo is cancelled, its seat freed once.
        _, _ = await _cancel_in_transaction(order, STRIPE, "refunded_in_stripe", now)
        fresh = await TicketOrder.select().where(TicketOrder.id == order["id"]).first()
        assert fresh is not None
        refund_id = await _add_refund(fresh, intent_id or "", fresh["amount_cents"], "refunded_in_stripe", now)
        if refund_id:
            await Refund.update({Refund.stripe_refund_id: refund_stripe_id}).where(Refund.id == refund_id)
        refund = await Refund.select().where(Refund.payment_intent_id == intent_id).first()
        assert refund is not None
    if status == "succeeded":
        return await _refund_succeeded(refund, refund_stripe_id, now), refund["order"]
    if status in ("failed", "canceled"):
        await Refund.update({Refund.status: "failed", Refund.updated_at: now}).where(
            (Refund.id == refund["id"]) & (Refund.status != "succeeded")
        )
        await _log(refund["order"], STRIPE, "refund_failed", now, refund=refund_stripe_id)
        return "refund_failed", refund["order"]
    return "refund_pending", refund["order"]


async def _refund_succeeded(refund: Mapping[str, Any], refund_stripe_id: str | None, now: datetime) -> str:
    values: dict[Any, Any] = {Refund.status: "succeeded", Refund.updated_at: now}
    if refund_stripe_id and not refund["stripe_refund_id"]:
        values[Refund.stripe_refund_id] = refund_stripe_id
    changed = await Refund.update(values).where(
        (Refund.id == refund["id"]) & (Refund.status != "succeeded")
    ).returning(Refund.id)
    moved = await _move(refund["order"], [rules.REFUND_PENDING], rules.REFUNDED, now,
                        {TicketOrder.refunded_at: now})
    if moved:
        await _log(refund["order"], STRIPE, "refunded", now, amount_cents=refund["amount_cents"],
                   refund=refund_stripe_id or refund["stripe_refund_id"])
    return "refunded" if changed or moved else "unchanged"


async def submit_refund(refund_id: int, now: datetime | None = None) -> str:
    """Send a pending refund to Stripe (claimed, so two workers never submit the same one at once)."""
    now = now or utcnow()
    claimed = await Refund.update({
        Refund.claimed_until: now + REFUND_CLAIM_TIMEOUT, Refund.attempts: Refund.attempts + 1,
        Refund.updated_at: now,
    }).where(
        (Refund.id == refund_id) & (Refund.status == "pending")
        & (Refund.claimed_until.is_null() | (Refund.claimed_until < now))
    ).returning(*Refund.all_columns())
    if not claimed:
        return "not_claimed"
    refund = claimed[0]
    payments = _payments_or_none()
    if payments is None:
        return "no_payments"
    try:
        result = None
        if refund["attempts"] > 1:
            # An earlier attempt may have reached Stripe before it timed out: never refund twice.
            result = await payments.find_refund(refund["payment_intent_id"], refund_id)
        if result is None:
            result = await payments.refund(refund["payment_intent_id"], refund["amount_cents"],
                                           f"ng-refund-{refund_id}",
                                           {"order_id": str(refund["order"]), "refund_id": str(refund_id)})
    except PaymentProviderError as exc:
        backoff = timedelta(seconds=min(3600, 30 * 2 ** min(refund["attempts"], 7)))
        await Refund.update({Refund.last_error: str(exc)[:2000], Refund.claimed_until: now + backoff}).where(
            Refund.id == refund_id
        )
        log.warning("Refund %s failed (will retry): %s", refund_id, exc)
        return "retry"
    async with write_transaction():
        await Refund.update({Refund.stripe_refund_id: result.id, Refund.status: "submitted",
                             Refund.updated_at: utcnow()}).where(
            (Refund.id == refund_id) & (Refund.status == "pending")
        )
        await _log(refund["order"], SYSTEM, "refund_submitted", utcnow(), refund=result.id,
                   amount_cents=refund["amount_cents"])
        if result.status == "succeeded":
            fresh = await Refund.select().where(Refund.id == refund_id).first()
            assert fresh is not None
            await _refund_succeeded(fresh, result.id, utcnow())
    return result.status


# --------------------------------------------------------------------------- changing and cancelling


COMPANION_CHANGES_PER_ORDER = ratelimit.Limit("companion_change_order", 5, 60 * 60)
COMPANION_CHANGES_PER_MEMBER = ratelimit.Limit("companion_change_member", 10, 60 * 60)


async def change_companion(actor: Principal, order_id: int, companion: CompanionIn,
                           now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    row, is_buyer = await _visible_order(actor, order_id)
    if not is_buyer:
        raise Forbidden("Alleen de koper kan de partner wijzigen.")
    # Each change mails two people who did not ask for it (the old and the new companion): a few per order and
    # per buyer are plenty for a real change of plans, and keep the form from being a mail cannon.
    await ratelimit.enforce(COMPANION_CHANGES_PER_ORDER, f"order:{order_id}")
    await ratelimit.enforce(COMPANION_CHANGES_PER_MEMBER, f"member:{actor.id}")
    if row["status"] not in rules.SEAT_HOLDING:
        raise OrderNotChangeable("Deze bestelling kan niet meer worden gewijzigd.")
    event = await _event_by_id(row["event"])
    if event["status"] == "cancelled":
        raise EventCancelled("Dit evenement is geannuleerd.")
    change_by, _ = _deadlines(event)
    if not rules.can_change_companion(now, change_by):
        raise ChangeDeadlinePassed("De partner kan niet meer worden gewijzigd: de wijzigingstermijn is voorbij.")
    judged = await _judge_companion(event, actor.email, companion)
    email = normalise_email(companion.email)
    await _check_no_live_place(event["id"], [email], exclude_order=order_id)
    try:
        async with write_transaction():
            # Touch the event row: serialises with seat-taking and late payments of this event.
            await Event.update({Event.seats_taken: Event.seats_taken}).where(Event.id == event["id"])
            fresh = await TicketOrder.select().where(TicketOrder.id == order_id).first()
            assert fresh is not None
            if fresh["status"] not in rules.SEAT_HOLDING:
                raise OrderNotChangeable("Deze bestelling kan niet meer worden gewijzigd.")
            old = await Attendee.update({Attendee.live: False, Attendee.voided_at: now}).where(
                (Attendee.order == order_id) & (Attendee.role == "companion") & Attendee.voided_at.is_null()
            ).returning(*Attendee.all_columns())
            await Ticket.update({Ticket.status: "void", Ticket.voided_at: now}).where(
                Ticket.attendee.is_in([o["id"] for o in old] or [-1]) & (Ticket.status == "valid")
            )
            await Attendee.insert(_attendee_row(
                order_id, event["id"], "companion", companion.name, email, now, birth_date=companion.birth_date,
                industry=companion.industry, organisation=companion.organisation, judged=judged,
            ))
            await _log(order_id, Actor(actor.id, "member"), "companion_changed", now,
                       previous=[o["email"] for o in old], companion=email, eligibility=judged.basis)
            if fresh["status"] == rules.PAID:
                await _issue_tickets_and_mail(order_id, now)
                for gone in old:
                    await _enqueue("ticket_voided", order_id, gone["id"], gone["email"], f"void:{gone['id']}", now)
    except Exception as exc:
        if _is_unique(exc):
            raise DuplicateAttendee(f"{email} heeft al een plek voor dit evenement.",
                                    field="companion.email") from exc
        raise
    return await _order_view(order_id)


async def _after_cancel(order: Mapping[str, Any], refund_id: int | None) -> None:
    if refund_id:
        await submit_refund(refund_id)
    elif order["status"] == rules.PENDING and order["payment_intent_id"]:
        payments = _payments_or_none()
        if payments is not None:
            # So the buyer cannot pay any more; a payment that still slips through is refunded.
            await payments.cancel_intent(order["payment_intent_id"])


async def _cancel_latest(order_id: int, actor: Actor, reason: str, now: datetime,
                         refund_by: datetime | None = None) -> tuple[dict[str, Any] | None, int | None]:
    """Cancel the order in the status it has now. A move lost to a concurrent one (the webhook marking a hold
    paid, the expiry job) is tried again against the fresh row, so a cancellation is never silently dropped
    (the load test caught a buyer cancelling a hold as its payment came in: 200, still paid).
    Returns (the row as it was before, refund id to submit); (None, None) when it held no seat (any more)."""
    for _ in range(3):
        row = await TicketOrder.select().where(TicketOrder.id == order_id).first()
        if row is None or row["status"] not in rules.SEAT_HOLDING:
            return None, None  # already cancelled, expired or refunded: cancelling again changes nothing
        if refund_by is not None and row["status"] == rules.PAID and not rules.can_refund(now, refund_by):
            raise RefundDeadlinePassed("Annuleren met terugbetaling kan niet meer: de termijn is voorbij.")
        async with write_transaction():
            moved, refund_id = await _cancel_in_transaction(row, actor, reason, now)
        if moved is not None:
            return row, refund_id
    log.error("Order %s kept changing while being cancelled", order_id)
    return None, None


async def cancel_order(actor: Principal, order_id: int, now: datetime | None = None) -> dict[str, Any]:
    """The buyer cancels: a hold any time, a paid duo before the refund deadline (refunded via Stripe)."""
    now = now or utcnow()
    row, is_buyer = await _visible_order(actor, order_id)
    if not is_buyer:
        raise Forbidden("Alleen de koper kan via deze weg annuleren.")
    if row["status"] not in rules.SEAT_HOLDING:
        return await _order_view(order_id)  # already cancelled: cancelling again changes nothing
    _, refund_by = _deadlines(await _event_by_id(row["event"]))
    before, refund_id = await _cancel_latest(order_id, Actor(actor.id, "member"), "requested_by_customer", now,
                                             refund_by)
    if before is not None:
        await _after_cancel(before, refund_id)
    return await _order_view(order_id)


async def organiser_cancel_order(actor: Principal, slug: str, order_id: int, reason: str = "",
                                 now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    event = await _event_by_slug(slug, actor)
    if not _manages(actor, event):
        raise Forbidden("Alleen de organisator van dit evenement kan bestellingen annuleren.")
    row = await TicketOrder.select().where((TicketOrder.id == order_id) & (TicketOrder.event == event["id"])).first()
    if row is None:
        raise OrderNotFound("Deze bestelling bestaat niet.")
    before, refund_id = await _cancel_latest(order_id, Actor(actor.id, "organiser"), "organiser", now)
    if reason:
        await _log(order_id, Actor(actor.id, "organiser"), "note", now, reason=reason)
    if before is not None:
        await _after_cancel(before, refund_id)
    return await _order_view(order_id)


async def cancel_event_orders(actor: Principal | None, event_id: int, now: datetime | None = None) -> int:
    """The event is cancelled: cancel every live duo and refund the paid ones. Idempotent."""
    now = now or utcnow()
    who = Actor(actor.id, "organiser") if actor else SYSTEM
    rows = await TicketOrder.select().where(
        (TicketOrder.event == event_id) & TicketOrder.status.is_in(list(rules.SEAT_HOLDING))
    )
    count = 0
    for row in rows:
        async with write_transaction():
            moved, refund_id = await _cancel_in_transaction(row, who, "event_cancelled", now)
        if moved:
            count += 1
            await _after_cancel(row, refund_id)
    return count


async def cancel_event(actor: Principal, slug: str, reason: str) -> dict[str, Any]:
    """Cancel the event and every duo of it, refunding the paid ones (the API and the pages both call this).

    Idempotent: cancelling again changes nothing and refunds nothing twice."""
    view = await events_service.cancel_event(actor, slug, reason)
    await cancel_event_orders(actor, view["id"])
    return view


# --------------------------------------------------------------------------- organiser: attendees and overrides


async def _managed_event(actor: Principal, slug: str) -> dict[str, Any]:
    event = await _event_by_slug(slug, actor)
    if not _manages(actor, event):
        raise Forbidden("Alleen de organisator van dit evenement kan dit zien.")
    return event


def _override_view(row: Mapping[str, Any], names: Mapping[int, str]) -> dict[str, Any]:
    return {"id": row["id"], "email": row["email"], "reason": row["reason"],
            "created_by": names.get(row["created_by"], ""), "created_by_id": row["created_by"],
            "created_at": as_utc(row["created_at"])}


async def add_override(actor: Principal, slug: str, email: str, reason: str) -> dict[str, Any]:
    event = await _managed_event(actor, slug)
    now = utcnow()
    try:
        rows = await EligibilityOverride.insert(EligibilityOverride(
            event=event["id"], email=normalise_email(email), reason=reason.strip(), created_by=actor.id,
            created_at=now,
        )).returning(*EligibilityOverride.all_columns())
    except Exception as exc:
        if _is_unique(exc):
            raise OverrideExists("Voor dit e-mailadres is al een uitzondering gemaakt.", field="email") from exc
        raise
    return _override_view(rows[0], {actor.id: actor.name})


async def attendee_list(actor: Principal, slug: str) -> dict[str, Any]:
    event = await _managed_event(actor, slug)
    orders = await TicketOrder.select().where(
        (TicketOrder.event == event["id"]) & TicketOrder.status.is_in(list(rules.SEAT_HOLDING))
    ).order_by(TicketOrder.id)
    views = await _order_views(orders)
    overrides = await EligibilityOverride.select().where(EligibilityOverride.event == event["id"])
    creators = {o["created_by"] for o in overrides if o["created_by"]}
    names = {m["id"]: m["name"] for m in await Member.select(Member.id, Member.name).where(
        Member.id.is_in(list(creators) or [-1]))}
    by_id = {o["id"]: _override_view(o, names) for o in overrides}
    for view in views:
        view["companion"]["override"] = by_id.get(view["companion"]["override_id"])
    return {
        "event": {"id": event["id"], "slug": event["slug"], "title": event["title"],
                  "capacity_duos": event["capacity_duos"], "seats_taken": event["seats_taken"]},
        "paid_duos": sum(1 for v in views if v["status"] == rules.PAID),
        "held_duos": sum(1 for v in views if v["status"] == rules.PENDING),
        "duos": views,
        "overrides": list(by_id.values()),
    }


async def sales_summary(actor: Principal, slug: str) -> dict[str, Any]:
    """For the organiser: duo places held / paid / free, cancellations and refunds, and orders per local day
    (reserved by `created_at`, paid by `paid_at`, in the event's zone). Reads only."""
    event = await _managed_event(actor, slug)
    orders = await TicketOrder.select(
        TicketOrder.status, TicketOrder.amount_cents, TicketOrder.created_at, TicketOrder.paid_at
    ).where(TicketOrder.event == event["id"])
    refunds = await Refund.select(Refund.status, Refund.amount_cents).where(Refund.order.event == event["id"])
    tz = event["timezone"]
    days: dict[date, dict[str, int]] = {}
    for order in orders:
        for key, moment in (("reserved", order["created_at"]), ("paid", order["paid_at"])):
            if moment is not None:
                day = event_rules.to_local(as_utc(moment), tz).date()  # type: ignore[arg-type]
                days.setdefault(day, {"reserved": 0, "paid": 0})[key] += 1
    count = {status: sum(1 for o in orders if o["status"] == status) for status in rules.ORDER_STATUSES}
    refund_count = {s: sum(1 for r in refunds if r["status"] == s) for s in ("pending", "submitted", "succeeded",
                                                                             "failed")}
    return {
        "event": {"id": event["id"], "slug": event["slug"], "title": event["title"], "status": event["status"],
                  "price_cents": event["price_cents"], "timezone": tz},
        "capacity_duos": event["capacity_duos"],
        "held_duos": count[rules.PENDING],
        "paid_duos": count[rules.PAID],
        "free_duos": max(0, event["capacity_duos"] - event["seats_taken"]),
        "paid_cents": sum(o["amount_cents"] for o in orders if o["status"] == rules.PAID),
        "cancelled_duos": count[rules.CANCELLED] + count[rules.REFUND_PENDING] + count[rules.REFUNDED],
        "expired_duos": count[rules.EXPIRED] + count[rules.PAYMENT_FAILED],
        "refunds": {
            "in_progress": refund_count["pending"] + refund_count["submitted"],
            "succeeded": refund_count["succeeded"],
            "failed": refund_count["failed"],
            "refunded_cents": sum(r["amount_cents"] for r in refunds if r["status"] == "succeeded"),
            "in_progress_cents": sum(r["amount_cents"] for r in refunds if r["status"] in ("pending", "submitted")),
        },
        "daily": [{"day": day, **days[day]} for day in sorted(days)],
    }


CSV_COLUMNS = ("order_id", "order_status", "role", "name", "email", "organisation", "industry",
               "eligibility_basis", "eligibility_reason", "override_reason", "override_by", "override_at",
               "ticket_code")


async def attendee_csv(actor: Principal, slug: str) -> str:
    """One row per person; every cell neutralised for spreadsheets (core.spreadsheet: names are typed by buyers)."""
    listing = await attendee_list(actor, slug)
    rows = []
    for duo in listing["duos"]:
        for place in (duo["buyer"], duo["companion"]):
            override = place.get("override") or {}
            rows.append([
                duo["id"], duo["status"], place["role"], place["name"], place["email"], place["organisation"],
                place["industry"], place["eligibility_basis"], place["eligibility_reason_nl"],
                override.get("reason", ""), override.get("created_by", ""),
                override["created_at"].isoformat() if override.get("created_at") else "",
                place["ticket_code"] or "",
            ])
    return csv_text(CSV_COLUMNS, rows)


async def order_log(actor: Principal, order_id: int) -> list[dict[str, Any]]:
    await _visible_order(actor, order_id)
    rows = await OrderLog.select().where(OrderLog.order == order_id).order_by(OrderLog.id)
    return [{"action": r["action"], "actor_id": r["actor"], "actor": r["actor_label"],
             "at": as_utc(r["created_at"]), "detail": r["detail"]} for r in rows]


# --------------------------------------------------------------------------- background work


async def expire_holds(now: datetime | None = None, limit: int = 500) -> int:
    """Release holds past their time. Each is claimed by its conditional status update: freed once."""
    now = now or utcnow()
    due = await TicketOrder.select(TicketOrder.id).where(
        (TicketOrder.status == rules.PENDING) & (TicketOrder.expires_at <= now)
    ).limit(limit)
    released = 0
    for row in due:
        async with write_transaction():
            # The claim: only the transaction whose UPDATE matches frees the seat.
            moved = await TicketOrder.update({TicketOrder.status: rules.EXPIRED, TicketOrder.updated_at: now}).where(
                (TicketOrder.id == row["id"]) & (TicketOrder.status == rules.PENDING)
                & (TicketOrder.expires_at <= now)
            ).returning(*TicketOrder.all_columns())
            if not moved:
                continue
            await _release(moved[0], now)
            await _log(row["id"], SYSTEM, "expired", now)
            released += 1
    return released


async def erase_birth_dates(now: datetime | None = None) -> int:
    """Retention: a place's birth date serves only the companion rule. It is erased once the place can no
    longer need it — when its event has ended, or at once when the place is no longer live (its order
    expired, failed, was cancelled or refunded, or the companion was replaced; a late payment that revives
    an order does not check the rule again). What stays is the outcome: eligible, basis, reasons, override.

    One conditional UPDATE per batch (`… WHERE birth_date IS NOT NULL`): atomic, and idempotent when every
    worker runs it at once. Returns how many places lost their birth date."""
    now = now or utcnow()
    holding = await Attendee.select(Attendee.event).where(Attendee.birth_date.is_not_null()).distinct()
    ended = [e["id"] for e in await Event.select(Event.id).where(
        Event.id.is_in([h["event"] for h in holding] or [-1]) & (Event.ends_at < now))]
    condition = Attendee.live == False  # noqa: E712
    if ended:
        condition = condition | Attendee.event.is_in(ended)
    erased = await Attendee.update({Attendee.birth_date: None}).where(
        Attendee.birth_date.is_not_null() & condition
    ).returning(Attendee.id)
    return len(erased)


async def process_refunds(now: datetime | None = None, limit: int = 50) -> int:
    now = now or utcnow()
    due = await Refund.select(Refund.id).where(
        (Refund.status == "pending") & (Refund.claimed_until.is_null() | (Refund.claimed_until < now))
    ).limit(limit)
    done = 0
    for row in due:
        if await submit_refund(row["id"], now) not in ("not_claimed", "retry", "no_payments"):
            done += 1
    return done


async def reconcile_payments(now: datetime | None = None, *, min_age: timedelta = timedelta(minutes=2),
                             every: timedelta = RECONCILE_EVERY, limit: int = 100) -> dict[str, int]:
    """Ask Stripe about orders whose webhook may never have arrived, and settle them the same way."""
    now = now or utcnow()
    payments = payments_module.current()
    window = ((TicketOrder.created_at >= now - RECONCILE_LOOKBACK) & (TicketOrder.created_at <= now - min_age)
              & (TicketOrder.reconciled_at.is_null() | (TicketOrder.reconciled_at <= now - every)))
    with_intent = await TicketOrder.select(TicketOrder.id).where(
        TicketOrder.payment_intent_id.is_not_null()
        & TicketOrder.status.is_in([rules.PENDING, *rules.REVIVABLE, rules.CANCELLED]) & window
    ).limit(limit)
    # A worker died between asking Stripe for the intent and storing its id: the claim is stale, no id known.
    # Only while the hold lasts: nobody ever received that intent's secret, so after expiry it cannot be paid.
    abandoned = await TicketOrder.select(TicketOrder.id).where(
        TicketOrder.payment_intent_id.is_null() & TicketOrder.payment_claimed_at.is_not_null()
        & (TicketOrder.payment_claimed_at < now - PAYMENT_CLAIM_TIMEOUT)
        & (TicketOrder.status == rules.PENDING) & window
    ).limit(limit)
    counts: dict[str, int] = {"checked": 0}
    for candidate in [*with_intent, *abandoned]:
        claimed = await TicketOrder.update({TicketOrder.reconciled_at: now}).where(
            (TicketOrder.id == candidate["id"])
            & (TicketOrder.reconciled_at.is_null() | (TicketOrder.reconciled_at <= now - every))
        ).returning(*TicketOrder.all_columns())
        if not claimed:
            continue
        order = claimed[0]
        counts["checked"] += 1
        try:
            if order["payment_intent_id"]:
                intent = await payments.retrieve_intent(order["payment_intent_id"])
            else:
                found = await payments.find_order_intent(
                    order["id"], as_utc(order["payment_claimed_at"]) - INTENT_LOOKUP_MARGIN)  # type: ignore[operator]
                if found is None:
                    counts["no_intent"] = counts.get("no_intent", 0) + 1
                    continue
                intent = found
                adopted = await TicketOrder.update({TicketOrder.payment_intent_id: intent.id}).where(
                    (TicketOrder.id == order["id"]) & TicketOrder.payment_intent_id.is_null()
                ).returning(TicketOrder.id)
                if adopted:
                    await _log(order["id"], SYSTEM, "payment_intent_recovered", now, payment_intent=intent.id)
                    counts["recovered"] = counts.get("recovered", 0) + 1
        except PaymentProviderError as exc:
            log.warning("Reconcile: cannot fetch the intent of order %s: %s", order["id"], exc)
            continue
        refund_id = None
        async with write_transaction():
            fresh = await TicketOrder.select().where(TicketOrder.id == order["id"]).first()
            assert fresh is not None
            if intent.status == "succeeded":
                outcome, refund_id = await _settle_success(fresh, intent, SYSTEM, now)
            elif intent.status == "canceled":
                outcome = await _settle_failure(fresh, intent, rules.CANCELLED, SYSTEM, now)
            else:
                outcome = "open"
        counts[outcome] = counts.get(outcome, 0) + 1
        if refund_id:
            await submit_refund(refund_id)
    counts["refunds"] = await process_refunds(now)
    return counts
