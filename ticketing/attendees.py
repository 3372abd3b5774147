"""The organiser's view of an event's duos: the attendee list (with eligibility reasons and exceptions), its CSV
export, the sales figures, and the log of one order. Reads only.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from core.db import as_utc
from core.principal import Principal
from core.spreadsheet import csv_text
from events import rules as event_rules
from members.rules import Language, industry_label
from members.tables import Member
from ticketing import access, rules, waitlist
from ticketing.results import (
    AttendeeEventOut,
    AttendeeListOut,
    LogEntryOut,
    RefundFiguresOut,
    SalesDayOut,
    SalesEventOut,
    SalesSummaryOut,
)
from ticketing.rules import RefundStatus
from ticketing.tables import EligibilityOverride, OrderLog, Refund, TicketOrder
from ticketing.views import order_views, override_view

# The attendee list shows the live duos (held or paid), or on request the cancelled ones (refunded or not).
CANCELLED_STATES = (rules.CANCELLED, rules.REFUND_PENDING, rules.REFUNDED)
AttendeeState = Literal["live", "cancelled"]


async def attendee_list(actor: Principal, slug: str, state: AttendeeState = "live") -> AttendeeListOut:
    """The event's duos with both people and why the companion may come (about the companion, by name: the
    organiser reads it), and every exception to the companion rule, revoked ones included (who, when)."""
    return (await _attendee_listing(actor, slug, state))[1]


async def _attendee_listing(actor: Principal, slug: str, state: AttendeeState = "live"
                            ) -> tuple[Mapping[str, Any], AttendeeListOut]:
    """`attendee_list` with the event's row (its time zone, for the CSV)."""
    event = await access.managed_event(actor, slug)
    shown = rules.SEAT_HOLDING if state == "live" else CANCELLED_STATES
    counted = await TicketOrder.select(TicketOrder.id, TicketOrder.status).where(
        (TicketOrder.event == event["id"]) & TicketOrder.status.is_in([*rules.SEAT_HOLDING, *CANCELLED_STATES]))
    orders = await TicketOrder.select().where(
        (TicketOrder.event == event["id"]) & TicketOrder.status.is_in(list(shown))
    ).order_by(TicketOrder.id)
    overrides = await EligibilityOverride.select().where(EligibilityOverride.event == event["id"]).order_by(
        EligibilityOverride.id)
    people = {o[k] for o in overrides for k in ("created_by", "revoked_by") if o[k]}
    names = {m["id"]: m["name"] for m in await Member.select(Member.id, Member.name).where(
        Member.id.is_in(list(people) or [-1]))}
    by_id = {o["id"]: override_view(o, names) for o in overrides}
    return event, AttendeeListOut(
        event=AttendeeEventOut(id=event["id"], slug=event["slug"], title=event["title"],
                               capacity_duos=event["capacity_duos"], seats_taken=event["seats_taken"]),
        state=state,
        paid_duos=sum(1 for o in counted if o["status"] == rules.PAID),
        held_duos=sum(1 for o in counted if o["status"] == rules.PENDING),
        cancelled_duos=sum(1 for o in counted if o["status"] in CANCELLED_STATES),
        duos=await order_views(orders, organiser=True, overrides=by_id),
        overrides=list(by_id.values()),
    )


async def sales_summary(actor: Principal, slug: str) -> SalesSummaryOut:
    """For the organiser: duo places held / paid / free, cancellations and refunds, and orders per local day
    (reserved by `created_at`; paid by `paid_at`, for the duos still paid; in the event's zone). Reads only."""
    event = await access.managed_event(actor, slug)
    orders = await TicketOrder.select(
        TicketOrder.status, TicketOrder.amount_cents, TicketOrder.created_at, TicketOrder.paid_at
    ).where(TicketOrder.event == event["id"])
    refunds = await Refund.select(Refund.status, Refund.amount_cents).where(Refund.order.event == event["id"])
    tz = event["timezone"]
    days: dict[date, dict[str, int]] = {}
    for order in orders:
        # Paid per day counts the duos that are paid now, so the days add up to "paid" (a cancelled duo leaves both).
        paid_at = order["paid_at"] if order["status"] == rules.PAID else None
        for key, moment in (("reserved", order["created_at"]), ("paid", paid_at)):
            if moment is not None:
                day = event_rules.to_local(as_utc(moment), tz).date()
                days.setdefault(day, {"reserved": 0, "paid": 0})[key] += 1
    count = {status: sum(1 for o in orders if o["status"] == status) for status in rules.ORDER_STATUSES}
    refund_count = {s: sum(1 for r in refunds if r["status"] == s) for s in RefundStatus}
    in_progress = (RefundStatus.PENDING, RefundStatus.SUBMITTED)
    return SalesSummaryOut(
        event=SalesEventOut(id=event["id"], slug=event["slug"], title=event["title"], status=event["status"],
                            price_cents=event["price_cents"], timezone=tz),
        capacity_duos=event["capacity_duos"],
        held_duos=count[rules.PENDING],
        paid_duos=count[rules.PAID],
        free_duos=max(0, event["capacity_duos"] - event["seats_taken"]),
        paid_cents=sum(o["amount_cents"] for o in orders if o["status"] == rules.PAID),
        cancelled_duos=count[rules.CANCELLED] + count[rules.REFUND_PENDING] + count[rules.REFUNDED],
        expired_duos=count[rules.EXPIRED] + count[rules.PAYMENT_FAILED],
        refunds=RefundFiguresOut(
            in_progress=sum(refund_count[s] for s in in_progress),
            succeeded=refund_count[RefundStatus.SUCCEEDED],
            failed=refund_count[RefundStatus.FAILED],
            refunded_cents=sum(r["amount_cents"] for r in refunds if r["status"] == RefundStatus.SUCCEEDED),
            in_progress_cents=sum(r["amount_cents"] for r in refunds if r["status"] in in_progress),
        ),
        daily=[SalesDayOut(day=day, reserved=days[day]["reserved"], paid=days[day]["paid"]) for day in sorted(days)],
        waiting_list=await waitlist.figures_for_event(event["id"]),
    )


CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "nl": ("Bestelling", "Status", "Rol", "Naam", "E-mailadres", "Organisatie", "Sector", "Toegelaten op grond van",
           "Toelichting", "Uitzondering: reden", "Uitzondering door", "Uitzondering op", "Ticketcode"),
    "en": ("Order", "Status", "Role", "Name", "Email", "Organisation", "Industry", "Admitted on the basis of",
           "Explanation", "Exception: reason", "Exception by", "Exception at", "Ticket code"),
}


async def attendee_csv(actor: Principal, slug: str, language: str = "nl") -> str:
    """One row per person, in words (Dutch, or English), times in the event's zone; every cell neutralised for
    spreadsheets (core.spreadsheet: names are typed by buyers)."""
    event, listing = await _attendee_listing(actor, slug)
    lang: Language = "en" if language == "en" else "nl"
    tz = event["timezone"]
    rows = []
    for duo in listing.duos:
        for place in (duo.buyer, duo.companion):
            override = place.override
            reason = place.eligibility_reason_en if lang == "en" else place.eligibility_reason_nl
            rows.append([
                duo.id, rules.words(rules.STATUS_WORDS, duo.status, lang),
                rules.words(rules.ROLE_WORDS, place.role, lang), place.name, place.email,
                place.organisation, _industry(place.industry, lang),
                rules.words(rules.BASIS_WORDS, place.eligibility_basis, lang),
                reason or place.eligibility_reason_nl,
                override.reason if override else "", override.created_by if override else "",
                f"{event_rules.to_local(override.created_at, tz):%d-%m-%Y %H:%M}" if override else "",
                place.ticket_code or "",
            ])
    return csv_text(CSV_COLUMNS[lang], rows)


def _industry(code: str, lang: Language) -> str:
    try:
        return industry_label(code, lang)
    except KeyError:  # a code from before the list changed: still worth a column
        return code


async def order_log(actor: Principal, order_id: int) -> list[LogEntryOut]:
    await access.visible_order(actor, order_id)
    rows = await OrderLog.select().where(OrderLog.order == order_id).order_by(OrderLog.id)
    return [LogEntryOut(action=r["action"], actor_id=r["actor"], actor=r["actor_label"],
                        at=as_utc(r["created_at"]), detail=r["detail"]) for r in rows]
