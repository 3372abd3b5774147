"""What must hold in the ticketing tables after any fault, any race, any load: one place to check it.

`ticketing_violations(fetch)` runs plain SQL (portable between SQLite and PostgreSQL) through `fetch`, an
async callable taking a SQL string and returning rows as dicts, so it works through Piccolo inside the app's
tests (`piccolo_fetch`) and through a separate connection in the load tests (which watch a server in
another process). It returns a list of violations (empty when all is well) and the figures it counted.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

Fetch = Callable[[str], Awaitable[list[Mapping[str, Any]]]]
HOLDING = "('pending_payment', 'paid')"

CHECKS: dict[str, str] = {
    # One valid ticket per person per event (a "place": the event and the holder's e-mail).
    "double tickets": (
        "SELECT t.event, a.email, COUNT(*) AS n FROM duo_ticket t JOIN ticket_attendee a ON a.id = t.attendee "
        "WHERE t.status = 'valid' GROUP BY t.event, a.email HAVING COUNT(*) > 1"
    ),
    "paid orders without 2 valid tickets": (
        "SELECT o.id, (SELECT COUNT(*) FROM duo_ticket t JOIN ticket_attendee a ON a.id = t.attendee "
        "WHERE t.\"order\" = o.id AND t.status = 'valid' AND a.live) AS n "
        "FROM ticket_order o WHERE o.status = 'paid' AND (SELECT COUNT(*) FROM duo_ticket t "
        "JOIN ticket_attendee a ON a.id = t.attendee WHERE t.\"order\" = o.id AND t.status = 'valid' "
        "AND a.live) <> 2"
    ),
    "valid tickets of orders that are not paid": (
        "SELECT t.id, o.status FROM duo_ticket t JOIN ticket_order o ON o.id = t.\"order\" "
        "WHERE t.status = 'valid' AND o.status <> 'paid'"
    ),
    "seats_taken differs from the seat-holding orders": (
        "SELECT e.id, e.seats_taken, (SELECT COUNT(*) FROM ticket_order o WHERE o.event = e.id "
        f"AND o.status IN {HOLDING}) AS holding FROM event e WHERE e.seats_taken <> (SELECT COUNT(*) "
        f"FROM ticket_order o WHERE o.event = e.id AND o.status IN {HOLDING})"
    ),
    "more seats taken than capacity": (
        "SELECT id, seats_taken, capacity_duos FROM event WHERE seats_taken > capacity_duos"
    ),
    "seat-holding orders without exactly 2 live places": (
        f"SELECT o.id FROM ticket_order o WHERE o.status IN {HOLDING} AND ((SELECT COUNT(*) FROM ticket_attendee a "
        "WHERE a.\"order\" = o.id AND a.live AND a.role = 'buyer') <> 1 OR (SELECT COUNT(*) FROM ticket_attendee a "
        "WHERE a.\"order\" = o.id AND a.live AND a.role = 'companion') <> 1)"
    ),
    "orphan attendees (live without a seat-holding order)": (
        "SELECT a.id, o.status FROM ticket_attendee a LEFT JOIN ticket_order o ON o.id = a.\"order\" "
        f"WHERE a.live AND (o.id IS NULL OR o.status NOT IN {HOLDING})"
    ),
    "paid orders without their payment": (
        "SELECT id FROM ticket_order WHERE status = 'paid' AND amount_cents > 0 AND payment_intent_id IS NULL"
    ),
    "refund_pending or refunded orders without a refund row": (
        "SELECT o.id FROM ticket_order o WHERE o.status IN ('refund_pending', 'refunded') AND NOT EXISTS "
        "(SELECT 1 FROM ticket_refund r WHERE r.\"order\" = o.id)"
    ),
    # The waiting list (ticketing/waitlist.py): one place per person across places and the list, one offer per order.
    "waiting people who hold a live place": (
        "SELECT w.id, a.email FROM waiting_entry w JOIN ticket_attendee a ON a.event = w.event AND a.live "
        "AND (a.email = w.buyer_email OR a.email = w.companion_email) WHERE w.status = 'waiting'"
    ),
    "an e-mail address waiting twice for one event": (
        "SELECT x.event, x.email, COUNT(*) AS n FROM (SELECT event, buyer_email AS email FROM waiting_entry "
        "WHERE status = 'waiting' UNION ALL SELECT event, companion_email AS email FROM waiting_entry "
        "WHERE status = 'waiting') x GROUP BY x.event, x.email HAVING COUNT(*) > 1"
    ),
    # Ordering's seat UPDATE trusts the event row's count of duos waiting (ticketing.waitlist keeps it).
    "waiting_duos differs from the duos waiting": (
        "SELECT e.id, e.waiting_duos, (SELECT COUNT(*) FROM waiting_entry w WHERE w.event = e.id "
        "AND w.status = 'waiting') AS waiting FROM event e WHERE e.waiting_duos <> (SELECT COUNT(*) "
        "FROM waiting_entry w WHERE w.event = e.id AND w.status = 'waiting')"
    ),
    "one order offered to two entries": (
        "SELECT \"order\", COUNT(*) AS n FROM waiting_entry WHERE \"order\" IS NOT NULL GROUP BY \"order\" "
        "HAVING COUNT(*) > 1"
    ),
    "offered entries without their order": (
        "SELECT w.id FROM waiting_entry w LEFT JOIN ticket_order o ON o.id = w.\"order\" "
        "WHERE w.status = 'offered' AND o.id IS NULL"
    ),
}

FIGURES = (
    "SELECT (SELECT COUNT(*) FROM ticket_order WHERE status = 'paid') AS paid, "
    "(SELECT COUNT(*) FROM ticket_order WHERE status = 'pending_payment') AS held, "
    "(SELECT COUNT(*) FROM duo_ticket WHERE status = 'valid') AS valid_tickets, "
    "(SELECT COALESCE(SUM(seats_taken), 0) FROM event) AS seats_taken, "
    "(SELECT COUNT(*) FROM ticket_order) AS orders, "
    "(SELECT COUNT(*) FROM ticket_refund) AS refunds"
)


async def ticketing_violations(fetch: Fetch) -> tuple[list[str], dict[str, int]]:
    problems = []
    for name, sql in CHECKS.items():
        rows = await fetch(sql)
        if rows:
            problems.append(f"{name}: {[dict(r) for r in rows[:5]]}{' …' if len(rows) > 5 else ''}")
    figures = {k: int(v) for k, v in dict((await fetch(FIGURES))[0]).items()}
    if figures["valid_tickets"] != 2 * figures["paid"]:
        problems.append(f"valid tickets {figures['valid_tickets']} != 2 × paid orders {figures['paid']}")
    return problems, figures


async def piccolo_fetch(sql: str) -> list[Mapping[str, Any]]:
    from ticketing.tables import TicketOrder

    return await TicketOrder.raw(sql)  # no placeholders: the checks are constant SQL


async def assert_ticketing_invariants(fetch: Fetch = piccolo_fetch) -> dict[str, int]:
    """Fail with every broken invariant listed; return the figures (paid, held, valid tickets, …)."""
    problems, figures = await ticketing_violations(fetch)
    assert not problems, "ticketing invariants broken:\n" + "\n".join(problems)
    return figures
