"""Pure ticketing rules: status transitions, seat accounting, deadlines, ticket codes, late payments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ticketing import rules


def test_only_seat_holding_statuses_count_and_every_status_has_transitions() -> None:
    assert rules.SEAT_HOLDING == {"pending_payment", "paid"}
    assert set(rules.TRANSITIONS) == set(rules.ORDER_STATUSES)
    assert rules.TRANSITIONS["refunded"] == frozenset()
    assert rules.sources_for("expired") == ("pending_payment", "payment_failed")


@given(st.sampled_from(rules.ORDER_STATUSES), st.sampled_from(rules.ORDER_STATUSES))
def test_a_transition_frees_or_takes_a_seat_never_both(source: str, target: str) -> None:
    assert not (rules.frees_seat(source, target) and rules.takes_seat(source, target))
    if rules.can_transition(source, target) and source in rules.SEAT_HOLDING:
        # Leaving a seat-holding status is the one place a seat is freed.
        assert rules.frees_seat(source, target) == (target not in rules.SEAT_HOLDING)


def test_only_revivable_orders_take_a_seat_again() -> None:
    takers = {(s, t) for s in rules.ORDER_STATUSES for t in rules.TRANSITIONS[s] if rules.takes_seat(s, t)}
    assert takers == {("expired", "paid"), ("payment_failed", "paid")}


def test_deadlines_and_holds() -> None:
    now = datetime(2027, 3, 1, 12, tzinfo=UTC)
    assert rules.hold_expires_at(now, 15) == now + timedelta(minutes=15)
    assert rules.is_hold_expired(now, now)
    assert not rules.is_hold_expired(now + timedelta(seconds=1), now)
    assert not rules.is_hold_expired(None, now)
    assert rules.can_refund(now, now + timedelta(seconds=1))
    assert not rules.can_refund(now, now)
    assert rules.can_change_companion(now, now + timedelta(days=1))
    assert not rules.can_change_companion(now, now)


def test_ticket_codes_are_readable_and_unguessable() -> None:
    codes = {rules.new_ticket_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(rules.is_ticket_code(c) for c in codes)
    assert not any(ch in c for c in codes for ch in "01IO")
    assert not rules.is_ticket_code("NG-AAAA-AAAA-AAAA")
    assert not rules.is_ticket_code("XX-AAAA-AAAA-AAAA-AAAA")


def test_late_payment_is_confirmed_or_refunded_never_lost() -> None:
    assert rules.settle_late_payment("expired", True, True).action == "confirm"
    assert rules.settle_late_payment("payment_failed", True, True).action == "confirm"
    assert rules.settle_late_payment("expired", False, True).action == "refund"
    assert rules.settle_late_payment("expired", True, False).action == "refund"
    assert rules.settle_late_payment("cancelled", True, True).action == "refund"
    assert rules.settle_late_payment("paid", True, True).action == "ignore"
    assert rules.settle_late_payment("refunded", True, True).action == "ignore"
