"""The organiser's attendee list is searched and paged (frontend.pages.organiser_sales.page_of_duos): pure."""

from __future__ import annotations

from datetime import UTC, datetime

from frontend.pages.organiser_sales import page_of_duos
from ticketing.results import EventRef, OrderOut, PlaceOut

NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)


def place(n: int, role: str, name: str, email: str, organisation: str, ticket_code: str | None) -> PlaceOut:
    return PlaceOut(id=n, role=role, name=name, email=email, industry="retail", organisation=organisation,
                    eligibility_basis="industry", eligibility_reason_nl="", eligibility_reason_en="", live=True,
                    voided_at=None, ticket_code=ticket_code, ticket_status="valid" if ticket_code else None)


def duo(n: int, organisation: str = "Bel BV") -> OrderOut:
    return OrderOut(
        id=n, status="paid", amount_cents=0, currency="EUR", expires_at=None, paid_at=NOW, cancelled_at=None,
        refunded_at=None, created_at=NOW, event=EventRef(1, "hack", "Hack", NOW, "Europe/Amsterdam"),
        buyer=place(2 * n, "buyer", f"Koper {n}", f"koper{n}@example.nl", organisation, f"NG-B{n:04d}"),
        companion=place(2 * n + 1, "companion", f"Partner {n}", f"partner{n}@example.nl", "", None),
        former_companions=[], change_deadline=NOW, refund_deadline=NOW, can_change_companion=False,
        can_cancel=False)


def test_pages_of_fifty() -> None:
    duos = [duo(n) for n in range(1, 121)]
    first = page_of_duos(duos)
    assert (first["page"], first["pages"], first["first"], first["last"], first["found"]) == (1, 3, 1, 50, 120)
    assert [d.id for d in first["duos"]] == list(range(1, 51))
    last = page_of_duos(duos, page_param="3")
    assert [d.id for d in last["duos"]] == list(range(101, 121))
    assert (last["first"], last["last"]) == (101, 120)
    assert page_of_duos(duos, page_param="99")["page"] == 3  # past the end: the last page
    assert page_of_duos(duos, page_param="0")["page"] == 1
    assert page_of_duos(duos, page_param="-2")["page"] == 1
    assert page_of_duos(duos, page_param="x")["page"] == 1


def test_search_matches_either_person_every_word_case_insensitively() -> None:
    duos = [duo(1, "Zorg & Co"), duo(2), duo(3, "zorgverzekeraar")]
    assert [d.id for d in page_of_duos(duos, "ZORG")["duos"]] == [1, 3]
    assert [d.id for d in page_of_duos(duos, "partner2@example")["duos"]] == [2]
    assert [d.id for d in page_of_duos(duos, "ng-b0003")["duos"]] == [3]
    assert [d.id for d in page_of_duos(duos, "zorg koper 1")["duos"]] == [1]
    none = page_of_duos(duos, "  niemand  ")
    assert none["duos"] == []
    assert none["found"] == 0
    assert none["first"] == 0
    assert none["query"] == "niemand"


def test_no_duos_is_one_empty_page() -> None:
    empty = page_of_duos([])
    assert (empty["page"], empty["pages"], empty["found"], empty["duos"]) == (1, 1, 0, [])
