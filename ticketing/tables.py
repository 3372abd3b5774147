"""Ticketing tables: duo orders, the two places of a duo, tickets, Stripe events, refunds, the order log,
eligibility overrides, the waiting list and companion links (the mail outbox is notifications.tables'; this
app's migrations made its table, so the AppConfig still lists it).

Constraints that must hold under any concurrency live in the database (see the raw migration):
one e-mail holds at most one *live* place per event (partial unique index), a ticket code, a Stripe
event id, a PaymentIntent id, and a refund per order each exist once.
"""

from piccolo.columns import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    SmallInt,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from events.tables import Event
from members.tables import Member
from ticketing.rules import OrderStatus, PlaceRole, RefundStatus, TicketStatus, WaitingStatus


class TicketOrder(Table, tablename="ticket_order"):
    """One duo: a buyer and a companion, taken, paid, cancelled and refunded together."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker
    event = ForeignKey(references=Event, on_delete=OnDelete.restrict, index=True)
    buyer = ForeignKey(references=Member, on_delete=OnDelete.restrict, index=True)
    # Which status may follow which: ticketing.rules.TRANSITIONS; only pending_payment and paid hold a seat.
    status = Varchar(length=20, index=True, choices=OrderStatus)
    amount_cents = Integer()
    currency = Varchar(length=3, default="eur")
    expires_at = Timestamptz(null=True, default=None)
    payment_intent_id = Varchar(length=255, null=True, default=None, unique=True)
    # Who is creating the PaymentIntent right now (a claim that times out), so one order gets one intent.
    payment_claimed_at = Timestamptz(null=True, default=None)
    # Last time the reconcile job asked Stripe about this order (a claim, too).
    reconciled_at = Timestamptz(null=True, default=None)
    paid_at = Timestamptz(null=True, default=None)
    cancelled_at = Timestamptz(null=True, default=None)
    refunded_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class Attendee(Table, tablename="ticket_attendee"):
    """A place in a duo (role buyer or companion). `live` while its order holds a seat and the place is
    not voided; a partial unique index on (event, email) WHERE live keeps one live place per person."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker
    order = ForeignKey(references=TicketOrder, on_delete=OnDelete.cascade, index=True)
    event = ForeignKey(references=Event, on_delete=OnDelete.restrict, index=True)
    role = Varchar(length=10, choices=PlaceRole)
    name = Varchar(length=120)
    email = Varchar(length=254, index=True)  # normalised (trimmed, lower case)
    birth_date = Date(null=True, default=None)
    industry = Varchar(length=40, default="")
    organisation = Varchar(length=120, default="")
    # 0 starter .. 4 expert (members.rules.EXPERIENCE_LEVELS), as the buyer gave it for a companion; NULL when
    # nobody did ("weet ik niet"): the grouping engine keeps it unknown, never a starter (issue 15).
    experience_level = SmallInt(null=True, default=None)
    # When the companion gave their experience and organisation themselves (on their own page): from then on
    # their word wins over what the buyer typed and over an account profile (pairing.context).
    details_confirmed_at = Timestamptz(null=True, default=None)
    eligible = Boolean(default=True)
    # "age" | "industry" | "override" | "buyer"
    eligibility_basis = Varchar(length=10, default="")
    eligibility_reason_nl = Text(default="")
    eligibility_reason_en = Text(default="")
    override_id = Integer(null=True, default=None)
    live = Boolean(default=True)
    voided_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()


class Ticket(Table, tablename="duo_ticket"):
    id: Serial  # the primary key Piccolo adds, declared for the type checker
    # (Not "ticket": the index on ticket.order would be named "ticket_order", like the orders table.)
    order = ForeignKey(references=TicketOrder, on_delete=OnDelete.cascade, index=True)
    # One ticket per place, ever: a second issue for the same place is a unique violation.
    attendee = ForeignKey(references=Attendee, on_delete=OnDelete.cascade, unique=True)
    event = ForeignKey(references=Event, on_delete=OnDelete.restrict, index=True)
    code = Varchar(length=40, unique=True)
    status = Varchar(length=10, default=TicketStatus.VALID.value, choices=TicketStatus)
    issued_at = Timestamptz()
    voided_at = Timestamptz(null=True, default=None)


class StripeEvent(Table, tablename="stripe_event"):
    """Every Stripe event id handled, stored once: a duplicate or replay finds its id and does nothing."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker
    stripe_id = Varchar(length=255, unique=True)
    type = Varchar(length=80)
    order_id = Integer(null=True, default=None)
    outcome = Varchar(length=40, default="")
    received_at = Timestamptz()


class Refund(Table, tablename="ticket_refund"):
    """A refund of one payment. Unique per PaymentIntent: the same payment is never refunded twice."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker
    order = ForeignKey(references=TicketOrder, on_delete=OnDelete.cascade, index=True)
    payment_intent_id = Varchar(length=255, unique=True)
    amount_cents = Integer()
    reason = Varchar(length=40)  # requested_by_customer | organiser | event_cancelled | late_payment
    status = Varchar(length=12, default=RefundStatus.PENDING.value, choices=RefundStatus)
    stripe_refund_id = Varchar(length=255, null=True, default=None, unique=True)
    claimed_until = Timestamptz(null=True, default=None)
    attempts = SmallInt(default=0)
    last_error = Text(default="")
    created_at = Timestamptz()
    updated_at = Timestamptz()


class OrderLog(Table, tablename="ticket_order_log"):
    """Every change to an order: who (member, or 'system'/'stripe'), when, what."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker
    order = ForeignKey(references=TicketOrder, on_delete=OnDelete.cascade, index=True)
    actor = ForeignKey(references=Member, on_delete=OnDelete.set_null, null=True, default=None)
    actor_label = Varchar(length=20, default="member")  # member | organiser | system | stripe
    action = Varchar(length=40)
    detail = JSON(default="{}")
    created_at = Timestamptz()


class EligibilityOverride(Table, tablename="eligibility_override"):
    """An organiser admits a companion the rule refuses, by e-mail, with a reason (one in force per event and
    address). Revoking keeps the row, with who revoked it and when: the exception's log."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    email = Varchar(length=254)
    reason = Text()
    created_by = ForeignKey(references=Member, on_delete=OnDelete.set_null, null=True)
    created_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)
    revoked_by = ForeignKey(references=Member, on_delete=OnDelete.set_null, null=True, default=None)


class WaitingList(Table, tablename="waiting_list"):
    """An event's waiting list: the organiser's setting and when the list closed. Made when first needed (a duo
    joins, or the organiser changes the setting); an event without a row has the defaults."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, unique=True)
    # How long an offer lasts (ticketing.rules.offer_duration: shorter near the close of sales).
    offer_hours = SmallInt(default=24)
    # Off: freed seats stay free for the list, and the organiser sends each offer by hand.
    auto_offer = Boolean(default=True)
    closed_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class WaitingEntry(Table, tablename="waiting_entry"):
    """A duo in line for an event: the member who joined (the buyer-to-be) and their companion, as typed.

    Its place in line is its id among the event's `waiting` entries (ids are handed out under the event's row
    lock). An offer is an order (`order`): the entry is then `offered`, its two people hold live places like any
    hold, and the order's status tells what became of the offer. Partial unique indexes (raw migration) keep an
    e-mail address in at most one waiting duo per event, as buyer and as companion; the cross-check with places
    runs under the event's row lock (ticketing.waitlist)."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    member = ForeignKey(references=Member, on_delete=OnDelete.cascade, index=True)
    status = Varchar(length=12, index=True, choices=WaitingStatus)
    buyer_email = Varchar(length=254)  # normalised; the member's address when they joined
    companion_name = Varchar(length=120)
    companion_email = Varchar(length=254)  # normalised
    # Only for the companion rule when the duo's turn comes; erased as soon as the entry stops waiting.
    companion_birth_date = Date(null=True, default=None)
    companion_industry = Varchar(length=40, default="")
    companion_organisation = Varchar(length=120, default="")
    joined_at = Timestamptz()
    order = ForeignKey(references=TicketOrder, on_delete=OnDelete.set_null, null=True, default=None)
    offered_at = Timestamptz(null=True, default=None)
    offer_expires_at = Timestamptz(null=True, default=None)
    offered_by = Varchar(length=12, default="")  # system | organiser
    ended_at = Timestamptz(null=True, default=None)  # left, closed or refused
    # Why the rule refused the companion when their turn came (status refused).
    reason_nl = Text(default="")
    reason_en = Text(default="")


class CompanionLink(Table, tablename="companion_link"):
    """The companion's own page without an account: a 256-bit token in the mailed link, stored as its SHA-256
    only. One row per place; a new link (a resent mail, or the companion's "new link") replaces the hash, so the
    old link stops working at once. The companion's calendar feed has a token of its own (rotated apart from the
    page link, so a resent mail never breaks a subscription)."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker
    attendee = ForeignKey(references=Attendee, on_delete=OnDelete.cascade, unique=True)
    token_hash = Varchar(length=64, unique=True)
    feed_token_hash = Varchar(length=64, null=True, default=None, unique=True)
    issued_at = Timestamptz()
    # The first time the link was opened: the companion has shown they read this address (the buyer sees it).
    opened_at = Timestamptz(null=True, default=None)
