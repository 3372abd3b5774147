"""The door's pure rules: which ticket enters, how two scans of one ticket end in one, when a scan happened,
arrivals per five minutes, and the accent-insensitive name search."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checkin.rules import (
    BUCKET,
    MAX_SCAN_AGE,
    Collision,
    Scan,
    TicketFacts,
    Verdict,
    arrival_buckets,
    judge_ticket,
    matches_name,
    normalise_name,
    reconcile,
    scan_time,
)
from ticketing.rules import ORDER_STATUSES, PAID, TicketStatus

EVENT = 7
NOW = datetime(2027, 3, 10, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("facts", "verdict"), [
    (None, Verdict.UNKNOWN),
    (TicketFacts(EVENT, "paid", "valid"), Verdict.ADMIT),
    (TicketFacts(8, "paid", "valid"), Verdict.OTHER_EVENT),
    (TicketFacts(8, "refunded", "void"), Verdict.OTHER_EVENT),  # the wrong event first, whatever its state
    (TicketFacts(EVENT, "paid", "void", place_voided=True), Verdict.VOIDED),  # a replaced companion
    (TicketFacts(EVENT, "paid", "void"), Verdict.VOIDED),
    (TicketFacts(EVENT, "cancelled", "void"), Verdict.CANCELLED),
    (TicketFacts(EVENT, "refund_pending", "void"), Verdict.CANCELLED),
    (TicketFacts(EVENT, "refunded", "void"), Verdict.CANCELLED),
    (TicketFacts(EVENT, "pending_payment", None), Verdict.UNPAID),  # a hold (found by name: no code yet)
    (TicketFacts(EVENT, "expired", None), Verdict.UNPAID),
    (TicketFacts(EVENT, "payment_failed", "valid"), Verdict.UNPAID),
    (TicketFacts(EVENT, "paid", None), Verdict.UNKNOWN),
    (TicketFacts(EVENT, "something_new", "valid"), Verdict.CANCELLED),  # an unknown state never admits
])
def test_which_ticket_may_enter(facts: TicketFacts | None, verdict: Verdict) -> None:
    assert judge_ticket(facts, EVENT) is verdict


@given(order=st.sampled_from((*ORDER_STATUSES, "something_new")),
       ticket=st.sampled_from((None, *TicketStatus)), voided=st.booleans(), event=st.sampled_from((EVENT, 8)))
def test_only_a_valid_ticket_of_a_paid_duo_for_this_event_enters(order: str, ticket: str | None, voided: bool,
                                                                  event: int) -> None:
    verdict = judge_ticket(TicketFacts(event, order, ticket, voided), EVENT)
    admits = event == EVENT and order == PAID and ticket == TicketStatus.VALID and not voided
    assert verdict.admits is admits
    assert (verdict is Verdict.ADMIT) is admits  # a refusal is always a red reason with a code
    assert verdict.value == "admit" or verdict.value.startswith("ticket_")


def test_a_scan_happens_when_the_phone_says_within_bounds() -> None:
    assert scan_time(None, NOW) == NOW
    assert scan_time(NOW - timedelta(minutes=7), NOW) == NOW - timedelta(minutes=7)
    assert scan_time(NOW + timedelta(hours=1), NOW) == NOW  # a clock running ahead
    assert scan_time(NOW - timedelta(days=400), NOW) == NOW - MAX_SCAN_AGE  # a clock from last year


_times = st.datetimes(min_value=datetime(2027, 3, 9), max_value=datetime(2027, 3, 11), timezones=st.just(UTC))


@given(claimed=st.none() | _times)
def test_scan_time_is_never_in_the_future_nor_too_old(claimed: datetime | None) -> None:
    at = scan_time(claimed, NOW)
    assert NOW - MAX_SCAN_AGE <= at <= NOW


@given(st.lists(st.tuples(_times, st.sampled_from(("Deur A", "Deur B", "Deur C"))), min_size=1, max_size=8))
def test_scans_of_one_ticket_end_in_the_earliest_in_any_arrival_order(scans: list[tuple[datetime, str]]) -> None:
    """Feed the scans one by one as they reach the server (repeats included: retried requests); the check-in kept
    is the earliest scan, the first of them to arrive on a tie; replaying every scan changes nothing
    (idempotent sync)."""
    kept: Scan | None = None
    for at, device in scans:
        incoming = Scan(at, device, claimed=True)
        if kept is None or reconcile(kept, incoming) is Collision.EARLIER:
            kept = incoming
    earliest = min(at for at, _ in scans)
    assert kept is not None
    assert kept.scanned_at == earliest
    assert kept == next(Scan(at, d, claimed=True) for at, d in scans if at == earliest)
    for at, device in scans:  # the same batch again: nothing replaces what was kept
        assert reconcile(kept, Scan(at, device, claimed=True)) is not Collision.EARLIER


def test_the_same_scan_again_is_the_same_check_in() -> None:
    scan = Scan(NOW, "Deur A")
    assert reconcile(scan, Scan(NOW, "Deur A")) is Collision.SAME
    assert reconcile(scan, Scan(NOW, "Deur B")) is Collision.LATER  # a tie keeps the first to arrive
    assert reconcile(scan, Scan(NOW - timedelta(seconds=1), "Deur B", claimed=True)) is Collision.EARLIER


def test_an_online_scan_timed_by_the_server_never_replaces_one_it_finds() -> None:
    """Two phones racing online: the server's clock was read before the write lock, so the second to store may
    carry the earlier time; it is still the second, and told so."""
    first = Scan(NOW, "Deur A")
    assert reconcile(first, Scan(NOW - timedelta(milliseconds=3), "Deur B")) is Collision.LATER


def test_arrivals_are_counted_per_five_minutes_with_the_quiet_ones() -> None:
    times = [NOW + timedelta(minutes=m) for m in (0, 1, 4.9, 16)]
    assert arrival_buckets(times) == [(NOW, 3), (NOW + BUCKET, 0), (NOW + 2 * BUCKET, 0), (NOW + 3 * BUCKET, 1)]
    assert arrival_buckets([]) == []


@given(st.lists(_times, max_size=50))
def test_buckets_hold_every_arrival_once(times: list[datetime]) -> None:
    buckets = arrival_buckets(times)
    assert sum(n for _, n in buckets) == len(times)
    for (at, _), (nxt, _) in pairwise(buckets):
        assert nxt - at == BUCKET
    for t in times:
        assert any(at <= t < at + BUCKET for at, _ in buckets)


@pytest.mark.parametrize(("query", "name", "found"), [
    ("san", "Sanne de Vries", True),
    ("vr san", "Sanne de Vries", True),  # any order
    ("sanne vriës", "Sanne de Vries", True),  # accents ignored in the query
    ("zoe", "Zoë Çelik", True),  # and in the name
    ("cel", "Zoë Çelik", True),
    ("ANNE", "Sanne de Vries", False),  # first letters of a word, not the middle
    ("", "Sanne de Vries", False),
    ("jan", "Anne-Jan Bakker", True),  # a double name is two words
    ("strasse", "Mia Straße", True),
])
def test_the_name_search_takes_first_letters_without_accents(query: str, name: str, found: bool) -> None:
    assert matches_name(query, name) is found


def test_names_normalise_to_lower_case_without_accents() -> None:
    assert normalise_name("  Sanne  de VRIËS ") == "sanne de vries"


def test_a_scan_sent_again_is_recognised_by_the_phones_own_id() -> None:
    first = Scan(NOW, "Deur A", "scan-17")
    assert reconcile(first, Scan(NOW + timedelta(seconds=30), "Deur A", "scan-17")) is Collision.SAME  # clock ahead
    assert reconcile(first, Scan(NOW + timedelta(minutes=5), "Deur A", "scan-18")) is Collision.LATER  # scanned again
    assert reconcile(first, Scan(NOW, "Deur B", "scan-17")) is Collision.LATER  # another phone's numbering
