"""Ordering a duo, and reading orders: `reserve_duo` holds one seat for a buyer and a companion (`pending_payment`
until paid, or `paid` at once for a free event); `get_order` and `list_my_orders` show them.

Capacity lives in the database: a seat is taken by ONE conditional UPDATE of `Event.seats_taken`
(`… WHERE seats_taken < capacity_duos AND waiting_duos = 0`) in the statement or transaction that inserts the
order, and freed only by a conditional status transition of the order (ticketing.state). A person's single live
place per event is a partial unique index.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from piccolo.columns import JSON, JSONB, Column
from piccolo.table import Table
from piccolo.utils.encoding import dump_json

from core import ratelimit
from core.admission import FairGate
from core.db import as_utc, is_postgres, unique_violation_raises, utcnow, write_transaction
from core.errors import DomainError, NotFound
from core.i18n import lazy_gettext as _l
from core.principal import Principal
from events import rules as event_rules
from events.rules import EventStatus, SalesState
from events.tables import Event
from members.rules import normalise_email
from ticketing import access, rules, state
from ticketing.companions import CompanionIn, Judgement, attendee_row, check_no_live_place, judge_companion
from ticketing.errors import DuplicateAttendee, EventCancelled, SalesClosed, SalesNotStarted, SoldOut
from ticketing.results import OrderOut
from ticketing.state import SYSTEM, Actor
from ticketing.tables import Attendee, TicketOrder
from ticketing.views import build_order_views, order_view, order_views


def check_sales_open(event: Mapping[str, Any], now: datetime) -> None:
    starts_at = as_utc(event["starts_at"])
    assert starts_at is not None
    sales = event_rules.sales_state(status=event["status"], now=now, starts_at=starts_at,
                                    sales_start=as_utc(event["sales_start"]), sales_end=as_utc(event["sales_end"]))
    if sales == SalesState.OPEN:
        return
    if sales == SalesState.CANCELLED:
        raise EventCancelled(_l("Dit evenement is geannuleerd."))
    if sales == SalesState.NOT_STARTED:
        raise SalesNotStarted(_l("De kaartverkoop is nog niet begonnen."))
    if sales == SalesState.NOT_PUBLISHED:
        raise NotFound(_l("Dit evenement bestaat niet."))
    raise SalesClosed(_l("De kaartverkoop voor dit evenement is gesloten."))


# Orders in progress on this worker: at most Settings.order_concurrency at once, the rest waiting in arrival order, so
# in a rush an order waits once instead of behind every other request at each of its statements (core.admission).
ORDERING = FairGate()


async def reserve_duo(actor: Principal, slug: str, companion: CompanionIn, *, hold_minutes: float,
                      now: datetime | None = None, concurrency: int = 0) -> OrderOut:
    """Take one seat for the buyer and the companion: `pending_payment` until paid, or `paid` when free.
    `concurrency`: how many orders this worker works on at once (0: no limit), the others waiting their turn."""
    async with ORDERING.entered(concurrency):
        return await _reserve_duo(actor, slug, companion, hold_minutes=hold_minutes, now=now)


async def _reserve_duo(actor: Principal, slug: str, companion: CompanionIn, *, hold_minutes: float,
                       now: datetime | None) -> OrderOut:
    now = now or utcnow()
    companion_email = normalise_email(companion.email)
    event, buyer, taken_email = await _event_buyer_and_live_place(slug, actor, companion_email)
    check_sales_open(event, now)
    if event["seats_taken"] >= event["capacity_duos"]:
        # Full when read: answering now equals having arrived a moment earlier, and spares a rush of
        # late buyers the write transaction. A free seat is still only ever taken by the UPDATE below.
        raise SoldOut(_l("Uitverkocht: er zijn geen duoplekken meer."))
    if event["waiting_duos"]:
        # Free seats while duos wait belong to the list (the seat UPDATE below asks again, on the locked row).
        # Answering before anything is written also keeps this order's places from racing an offer to the same
        # person.
        raise SoldOut(_l("Uitverkocht: de vrijgekomen plekken gaan naar de wachtlijst."))
    # Counted only for attempts that can take a seat: a sold-out answer is a cheap read, while the
    # counter is a write that would otherwise double the cost of every request in a rush. Each attempt past
    # this point counts exactly once: in the order's own statement or transaction (with the seat, or — on
    # PostgreSQL — committed with that statement also when it took no seat), or, when the attempt fails before
    # that or rolls back, on its own before the failure is answered — so over the limit the answer is 429
    # whatever else was wrong, as if the hit had been counted first.
    attempt = _Attempt(client=f"member:{actor.id}")
    try:
        return await _reserve(actor, event, buyer, taken_email, companion, attempt, hold_minutes=hold_minutes,
                              now=now)
    except DomainError:
        if not attempt.counted:  # the hit rolled back with the attempt, or was never sent
            await ratelimit.enforce(ratelimit.ORDER_PER_CLIENT, attempt.client)
        raise


@dataclass
class _Attempt:
    """One order attempt past the sold-out read: its rate-limit client, and whether its hit is committed."""

    client: str
    counted: bool = False


async def _reserve(actor: Principal, event: Mapping[str, Any], buyer: Mapping[str, Any] | None,
                   taken_email: str | None, companion: CompanionIn, attempt: _Attempt, *, hold_minutes: float,
                   now: datetime) -> OrderOut:
    companion_email = normalise_email(companion.email)
    if buyer is None:
        raise NotFound(_l("Dit account bestaat niet (meer)."))
    judged = await judge_companion(event, buyer["email"], companion)
    buyer_email = normalise_email(buyer["email"])
    # A friendly early answer; the partial unique index is what really decides.
    if buyer_email != normalise_email(actor.email):  # the address changed since sign-in: ask again for it
        await check_no_live_place(event["id"], [buyer_email, companion_email])
    elif taken_email is not None:
        raise DuplicateAttendee(_l("%(email)s heeft al een plek voor dit evenement.", email=taken_email),
                                field="companion.email")
    actor_row = Actor(actor.id, "member")
    expires_at = rules.hold_expires_at(now, hold_minutes)
    with unique_violation_raises(DuplicateAttendee(_l("Een van jullie heeft al een plek voor dit evenement."),
                                                   field="companion.email")):
        if is_postgres() and ratelimit.counting() and event["price_cents"] > 0:
            # ONE statement, on its own (autocommit: no BEGIN, no COMMIT to wait for): the rate-limit hit, the
            # seat (the conditional UPDATE, only within the limit) and, only with the seat, the order, its places
            # and the log line. The event row is locked for this statement alone, inside the server. The hit is
            # committed with it, seat or not (a duplicate place fails the whole statement: nothing is written).
            decision, made, places = await _hit_seat_and_duo_postgres(
                ratelimit.pending(ratelimit.ORDER_PER_CLIENT, attempt.client),
                *_duo_rows(event, buyer, companion, judged, now, actor_row, expires_at=expires_at),
                actor=actor_row)
            attempt.counted = True
            ratelimit.refuse_over_limit(decision)
            if made is None:
                raise SoldOut(_l("Uitverkocht: er zijn geen duoplekken meer."))
            order = made
        else:
            async with write_transaction():
                ratelimit.refuse_over_limit(await ratelimit.hit(ratelimit.ORDER_PER_CLIENT, attempt.client))
                order, places = await insert_duo_rows(event, buyer, companion, judged, now, actor_row,
                                                      expires_at=expires_at)
                # The seat is taken last: on PostgreSQL the UPDATE locks the event row until COMMIT, so
                # taking it after the inserts keeps every other buyer's wait as short as possible.
                # Without a seat the whole transaction (order, places, log) rolls back.
                if not await _take_seat(event["id"]):
                    raise SoldOut(_l("Uitverkocht: er zijn geen duoplekken meer."))
    if order["status"] == rules.PAID:  # a free event: tickets were issued too, read the whole order back
        return await order_view(order["id"])
    # The answer is built from the rows just written (no tickets yet): the same document as reading it back.
    return build_order_views([order], places, [], {event["id"]: event}, now)[0]


_BUYER_COLUMNS = ("id", "email", "name", "birth_date", "industry", "organisation")
_EVENT_BUYER_AND_LIVE_PLACE = (
    "SELECT e.*, " + ", ".join(f'm.{c} AS "b:{c}"' for c in _BUYER_COLUMNS) + ", "
    "(SELECT a.email FROM ticket_attendee a WHERE a.event = e.id AND a.live = {} AND a.email IN ({}, {}) LIMIT 1) "
    'AS "b:taken" FROM event e LEFT JOIN member m ON m.id = {} WHERE e.slug = {} LIMIT 1'
)


async def _event_buyer_and_live_place(slug: str, actor: Principal, companion_email: str
                                      ) -> tuple[dict[str, Any], dict[str, Any] | None, str | None]:
    """In one round-trip: the event (as `access.event_by_slug` gives it), the buyer's row (None: the account is
    gone) and an address of the two (buyer as signed in, companion) that already has a live place at the event
    (what `check_no_live_place` asks), or None. A sold-out answer needs only the event; the rest costs the
    server a primary-key and an index lookup, and spares an order a round-trip."""
    rows = await Event.raw(_EVENT_BUYER_AND_LIVE_PLACE, True, normalise_email(actor.email), companion_email,
                           actor.id, slug)
    row = rows[0] if rows else None
    event = access.visible_event(None if row is None else {k: v for k, v in row.items() if not k.startswith("b:")},
                                 actor)
    assert row is not None
    buyer = {c: row[f"b:{c}"] for c in _BUYER_COLUMNS} if row["b:id"] is not None else None
    return event, buyer, row["b:taken"]


# The seat: taken only while capacity is left, the event is on sale and nobody waits — a freed seat belongs to the
# duos on the waiting list (ticketing.waitlist offers it to the first), never to whoever orders in the moment
# between. `waiting_duos` is a column of this very row, set by the waiting list under this row's lock, so the
# WHERE decides alone: on PostgreSQL an UPDATE that waited for the lock re-checks its WHERE on the newest row
# version (READ COMMITTED), which a subquery on the waiting list's own table would not be.
_SEAT_FREE = ("seats_taken < capacity_duos AND waiting_duos = 0 "
              f"AND status = '{EventStatus.PUBLISHED}'")


async def _take_seat(event_id: int) -> bool:
    rows = await Event.raw(f"UPDATE event SET seats_taken = seats_taken + 1 WHERE id = {{}} AND {_SEAT_FREE} "
                           "RETURNING id", event_id)
    return bool(rows)


async def insert_duo(event: Mapping[str, Any], buyer: Mapping[str, Any], companion: CompanionIn,
                     judged: Judgement, now: datetime, actor: Actor, *, expires_at: datetime | None,
                     **log: Any) -> int:
    """The order and its two live places, inside the caller's transaction (which takes the seat): held until
    `expires_at`, or paid at once with tickets for a free event. `buyer` is the member's row. Ordering
    (reserve_duo) and an offer from the waiting list (ticketing.waitlist) make a duo the same way."""
    order, _ = await insert_duo_rows(event, buyer, companion, judged, now, actor, expires_at=expires_at, **log)
    return int(order["id"])


def _duo_rows(event: Mapping[str, Any], buyer: Mapping[str, Any], companion: CompanionIn, judged: Judgement,
              now: datetime, actor: Actor, *, expires_at: datetime | None,
              **log: Any) -> tuple[TicketOrder, list[Attendee], dict[str, Any]]:
    """The rows of a new duo (order, buyer's and companion's place) and the detail of its log line, unwritten."""
    free = event["price_cents"] == 0
    buyer_email, companion_email = normalise_email(buyer["email"]), normalise_email(companion.email)
    order_row = TicketOrder(
        event=event["id"], buyer=buyer["id"], status=rules.PAID if free else rules.PENDING,
        amount_cents=event["price_cents"], currency="eur", expires_at=None if free else expires_at,
        paid_at=now if free else None, created_at=now, updated_at=now,
    )
    place_rows = [
        attendee_row(0, event["id"], rules.PlaceRole.BUYER, buyer["name"], buyer_email, now,
                     birth_date=buyer["birth_date"],
                     industry=buyer["industry"], organisation=buyer["organisation"]),
        attendee_row(0, event["id"], rules.PlaceRole.COMPANION, companion.name, companion_email, now,
                     birth_date=companion.birth_date, industry=companion.industry,
                     organisation=companion.organisation,
                     experience_level=companion.experience_level, judged=judged),
    ]
    detail = {"seat": "held" if not free else "paid", "companion": companion_email, "eligibility": judged.basis,
              **log}
    return order_row, place_rows, detail


async def insert_duo_rows(event: Mapping[str, Any], buyer: Mapping[str, Any], companion: CompanionIn,
                          judged: Judgement, now: datetime, actor: Actor, *, expires_at: datetime | None,
                          **log: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """`insert_duo`, returning the order row and its two places (buyer first) as written."""
    free = event["price_cents"] == 0
    order_row, place_rows, detail = _duo_rows(event, buyer, companion, judged, now, actor, expires_at=expires_at,
                                              **log)
    if is_postgres():
        order, places = await _insert_duo_postgres(order_row, place_rows, actor, detail)
    else:
        order = (await TicketOrder.insert(order_row).returning(*TicketOrder.all_columns()))[0]
        for place in place_rows:
            place.order = order["id"]
        places = await Attendee.insert(*place_rows).returning(*Attendee.all_columns())
        await state.log_change(order["id"], actor, "reserved", now, **detail)
    order_id = order["id"]
    if free:
        await state.issue_tickets_and_mail(order_id, now)
        await state.log_change(order_id, SYSTEM, "paid", now, amount_cents=0, reason="free event")
    return order, sorted(places, key=lambda p: p["id"])


# PostgreSQL: the order, its two places and the log line in one statement (one round-trip instead of three).
# Every column of both tables is written from the Piccolo rows, as Piccolo's own INSERT would: a column added
# later is written here too without a change.
def _written(table: type[Table], *skip: str) -> list[Column]:
    return [c for c in table._meta.columns if not c._meta.primary_key and c._meta.name not in skip]


def _cast(column: Column) -> str:
    return column.column_type.split("(")[0]


def _insert_duo_sql(*, with_hit_and_seat: bool = False) -> str:
    """Placeholders `{}` in the order of the arguments: the order's columns, each place's, then the log's.

    `with_hit_and_seat`: first the rate-limit hit (`ratelimit.UPSERT_SQL`'s arguments), then the seat for the event
    ({} event id, then `ratelimit.ALLOWED_SQL`'s arguments), taken only within the limit; the order only with the
    seat. Always one row with the hit's counts (`h:hits`, `h:previous`), with the places when the order was made."""
    order_columns, place_columns = _written(TicketOrder), _written(Attendee, "order", "event")
    order_names = ", ".join(f'"{c._meta.db_column_name}"' for c in order_columns)
    names = [f'"{c._meta.db_column_name}"' for c in place_columns]
    place_values = ", ".join(
        "(" + ", ".join([str(k)] + [f"{{}}::{_cast(c)}" for c in place_columns]) + ")" for k in range(2))
    order_out = ", ".join(f'o."{c._meta.db_column_name}" AS "o:{c._meta.db_column_name}"'
                          for c in TicketOrder._meta.columns)
    if with_hit_and_seat:
        start = (
            f"WITH h AS ({ratelimit.UPSERT_SQL}), "
            's AS (UPDATE "event" SET seats_taken = seats_taken + 1 WHERE id = {}::integer '
            f"AND {_SEAT_FREE} AND (SELECT {ratelimit.ALLOWED_SQL} FROM h) RETURNING id), "
            f"o AS (INSERT INTO ticket_order ({order_names}) "
            f"SELECT {', '.join(f'{{}}::{_cast(c)}' for c in order_columns)} FROM s RETURNING *), "
        )
    else:
        start = (f"WITH o AS (INSERT INTO ticket_order ({order_names}) "
                 f"VALUES ({', '.join('{}' for _ in order_columns)}) RETURNING *), ")
    made = f"SELECT a.*, {order_out} FROM a, o"
    return (
        start
        + f'a AS (INSERT INTO ticket_attendee ("order", event, {", ".join(names)}) '
        f"SELECT o.id, o.event, {', '.join(f'v.{n}' for n in names)} FROM o, (VALUES {place_values}) "
        f"AS v(k, {', '.join(names)}) ORDER BY v.k RETURNING *), "
        'l AS (INSERT INTO ticket_order_log ("order", actor, actor_label, action, detail, created_at) '
        "SELECT o.id, {}::integer, {}::varchar, 'reserved', {}::json, o.created_at FROM o) "
        + (f'SELECT h.hits AS "h:hits", h.previous AS "h:previous", x.* FROM h LEFT JOIN ({made}) x ON true '
           "ORDER BY x.id" if with_hit_and_seat else f"{made} ORDER BY a.id")
    )


_INSERT_DUO_SQL = _insert_duo_sql()
_HIT_SEAT_AND_DUO_SQL = _insert_duo_sql(with_hit_and_seat=True)


def _value(column: Column, row: Table) -> Any:
    value = getattr(row, column._meta.name)
    return dump_json(value) if isinstance(column, JSON | JSONB) and not isinstance(value, str) else value


def _duo_args(order: TicketOrder, places: list[Attendee], actor: Actor, detail: dict[str, Any]) -> list[Any]:
    args: list[Any] = [_value(c, order) for c in _written(TicketOrder)]
    for place in places:
        args += [_value(c, place) for c in _written(Attendee, "order", "event")]
    return [*args, actor.member_id, actor.label, dump_json(detail)]


def _split(rows: list[dict[str, Any]]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    order_row = {k[2:]: v for k, v in rows[0].items() if k.startswith("o:")}
    return order_row, [{k: v for k, v in r.items() if not k.startswith(("o:", "h:"))} for r in rows]


async def _insert_duo_postgres(order: TicketOrder, places: list[Attendee], actor: Actor,
                               detail: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    return _split(await TicketOrder.raw(_INSERT_DUO_SQL, *_duo_args(order, places, actor, detail)))


async def _hit_seat_and_duo_postgres(
    hit: ratelimit.PendingHit, order: TicketOrder, places: list[Attendee], detail: dict[str, Any], *,
    actor: Actor,
) -> tuple[ratelimit.Decision, dict[str, Any] | None, list[dict[str, Any]]]:
    """Count the hit, take the seat within the limit and make the duo with the seat, in one statement: the
    decision on the hit, and the order and its places (None, [] without a seat or over the limit)."""
    rows = await TicketOrder.raw(_HIT_SEAT_AND_DUO_SQL, *hit.upsert_args, order.event, *hit.allowed_args,
                                 *_duo_args(order, places, actor, detail))
    decision = hit.decide(int(rows[0]["h:hits"]), int(rows[0]["h:previous"] or 0))
    if rows[0]["id"] is None:
        return decision, None, []
    made, places_out = _split(rows)
    return decision, made, places_out


async def get_order(actor: Principal, order_id: int) -> OrderOut:
    """One order, for its buyer and the event's organiser."""
    row, is_buyer = await access.visible_order(actor, order_id)
    return (await order_views([row], organiser=not is_buyer))[0]


async def list_my_orders(actor: Principal) -> list[OrderOut]:
    """The member's own orders as buyer, newest first."""
    rows = await TicketOrder.select().where(TicketOrder.buyer == actor.id).order_by(TicketOrder.id,
                                                                                     ascending=False)
    return await order_views(rows)
