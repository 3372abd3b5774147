"""Pure waiting-list rules: the queue order, how long an offer lasts, what became of an offer, who may join."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ticketing import rules
from ticketing.rules import OfferOutcome

NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)


def test_offers_last_the_organisers_hours_far_from_the_close_and_shorter_near_it() -> None:
    def hours(left: timedelta, setting: int = 24) -> float | None:
        duration = rules.offer_duration(NOW, setting, NOW + left)
        return None if duration is None else duration / timedelta(hours=1)

    assert hours(timedelta(days=30)) == 24  # the default, far from the close of sales
    assert hours(timedelta(days=30), setting=48) == 48
    assert hours(timedelta(days=4)) == 24  # a quarter of 4 days is exactly a day
    assert hours(timedelta(days=2)) == 12  # a quarter of what is left
    assert hours(timedelta(hours=8)) == 2
    assert hours(timedelta(hours=3)) == 1  # never shorter than an hour...
    assert hours(timedelta(minutes=30)) == 0.5  # ...unless sales close sooner: then until the close
    assert hours(timedelta(0)) is None
    assert hours(timedelta(minutes=-5)) is None
    assert hours(timedelta(days=30), setting=0) == 1
    assert hours(timedelta(days=90), setting=1000) == 168
    assert rules.offer_expires_at(NOW, 24, NOW + timedelta(days=30)) == NOW + timedelta(hours=24)
    assert rules.offer_expires_at(NOW, 24, NOW) is None


@given(left=st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=400)),
       setting=st.integers(min_value=1, max_value=168))
def test_an_offer_never_outlasts_the_sales_nor_the_setting_and_is_never_empty(left: timedelta, setting: int) -> None:
    duration = rules.offer_duration(NOW, setting, NOW + left)
    assert duration is not None
    assert timedelta(0) < duration <= min(left, timedelta(hours=setting))
    assert duration >= min(rules.MIN_OFFER, left)  # at least an hour, or the time left


@given(shorter=st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=60)),
       more=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=60)),
       setting=st.integers(min_value=1, max_value=168))
def test_more_time_left_never_gives_a_shorter_offer(shorter: timedelta, more: timedelta, setting: int) -> None:
    near = rules.offer_duration(NOW, setting, NOW + shorter)
    far = rules.offer_duration(NOW, setting, NOW + shorter + more)
    assert near is not None
    assert far is not None
    assert far >= near


@given(st.lists(st.integers(min_value=1, max_value=10_000), max_size=60))
def test_the_line_is_first_come_first_served_by_entry_id(ids: list[int]) -> None:
    positions = rules.queue_positions(ids)
    assert sorted(positions.values()) == list(range(1, len(set(ids)) + 1))  # 1..n, no gaps, no ties
    for a in positions:
        for b in positions:
            assert (positions[a] < positions[b]) == (a < b)  # who joined earlier stands earlier
    if ids:
        assert positions[min(ids)] == 1


def test_leaving_moves_everyone_behind_one_place_up() -> None:
    before = rules.queue_positions([4, 9, 12, 20])
    after = rules.queue_positions([4, 12, 20])  # 9 left
    assert (before[12], before[20]) == (3, 4)
    assert (after[12], after[20]) == (2, 3)
    assert after[4] == before[4]


def test_what_became_of_an_offer_is_read_from_its_order() -> None:
    assert rules.offer_outcome("pending_payment", paid=False) is OfferOutcome.OPEN
    assert rules.offer_outcome("paid", paid=True) is OfferOutcome.ACCEPTED
    # Paid and cancelled (refunded) later: the offer was still taken.
    assert rules.offer_outcome("refund_pending", paid=True) is OfferOutcome.ACCEPTED
    assert rules.offer_outcome("refunded", paid=True) is OfferOutcome.ACCEPTED
    assert rules.offer_outcome("expired", paid=False) is OfferOutcome.EXPIRED
    assert rules.offer_outcome("payment_failed", paid=False) is OfferOutcome.PAYMENT_FAILED
    assert rules.offer_outcome("cancelled", paid=False) is OfferOutcome.DECLINED


@given(st.sampled_from(rules.ORDER_STATUSES), st.booleans())
def test_every_order_status_has_an_outcome_and_only_holds_are_open(status: str, paid: bool) -> None:
    outcome = rules.offer_outcome(status, paid)
    assert outcome in OfferOutcome
    assert (outcome is OfferOutcome.OPEN) == (status == rules.PENDING and not paid)


def test_a_duo_may_join_while_no_seat_is_free_or_others_wait() -> None:
    assert rules.may_join(sales="open", seats_free=0, duos_waiting=0)
    assert rules.may_join(sales="open", seats_free=2, duos_waiting=1)  # free seats are the list's first
    assert not rules.may_join(sales="open", seats_free=1, duos_waiting=0)  # order instead
    for sales in ("closed", "not_started", "cancelled", "not_published"):
        assert not rules.may_join(sales=sales, seats_free=0, duos_waiting=3)


def test_conversion_is_the_share_of_offers_paid() -> None:
    assert rules.conversion(0, 0) is None
    assert rules.conversion(4, 1) == 0.25
    assert rules.conversion(3, 3) == 1.0
