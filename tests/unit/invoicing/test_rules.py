"""Invoicing's money rules: prices including BTW split per line, totals to the cent, credit notes, numbers."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from invoicing.rules import (
    DEFAULT_EXEMPTION_TEXT,
    Buyer,
    InvalidNumber,
    InvoiceDocument,
    InvoiceKind,
    InvoiceLine,
    Seller,
    VatRate,
    credit_note_of,
    exact_vat,
    format_amount,
    format_euro,
    invoice_number,
    missing_legal_content,
    normalise_btw_number,
    normalise_eu_vat_number,
    normalise_iban,
    normalise_kvk_number,
    normalise_postcode,
    split_incl,
    totals,
)

rates = st.sampled_from(list(VatRate))
prices = st.integers(min_value=0, max_value=10_000_000_00)  # up to ten million euro, in cents


@given(prices, rates)
def test_excl_plus_btw_is_incl_for_any_price_and_rate(incl: int, rate: VatRate) -> None:
    split = split_incl(incl, rate)
    assert split.excl_cents + split.vat_cents == split.incl_cents == incl
    # The BTW is the exact fraction rounded to the nearest cent (never more than half a cent off) …
    assert abs(Fraction(split.vat_cents) - exact_vat(incl, rate)) <= Fraction(1, 2)
    # … so the excl. amount times the rate gives the BTW back to within a cent.
    assert abs(Fraction(split.excl_cents * rate.percent, 100) - split.vat_cents) <= 1
    assert split.excl_cents >= 0
    assert split.vat_cents >= 0


@given(prices, rates)
def test_a_negated_amount_splits_into_exactly_the_negated_parts(incl: int, rate: VatRate) -> None:
    plus, minus = split_incl(incl, rate), split_incl(-incl, rate)
    assert (minus.excl_cents, minus.vat_cents) == (-plus.excl_cents, -plus.vat_cents)


@given(st.lists(st.tuples(st.integers(1, 5), st.integers(0, 100_000), rates), min_size=1, max_size=8))
def test_totals_add_up_to_the_cent_per_rate_and_overall(raw: list[tuple[int, int, VatRate]]) -> None:
    lines = [InvoiceLine(f"regel {i}", q, unit, rate) for i, (q, unit, rate) in enumerate(raw)]
    result = totals(lines)
    assert result.incl_cents == sum(q * unit for q, unit, _ in raw)
    assert result.excl_cents + result.vat_cents == result.incl_cents
    for per in result.per_rate:
        assert per.excl_cents + per.vat_cents == per.incl_cents
        mine = [line for line in lines if line.rate is per.rate]
        assert per.vat_cents == sum(line.split.vat_cents for line in mine)  # rounded per line, then summed
    assert [p.rate for p in result.per_rate] == sorted({r for *_, r in raw}, key=list(VatRate).index)


@pytest.mark.parametrize(("incl", "rate", "excl", "vat"), [
    (9500, VatRate.STANDARD, 7851, 1649),   # 95,00 incl. 21 %: 78,51 + 16,49
    (12100, VatRate.STANDARD, 10000, 2100),
    (10900, VatRate.REDUCED, 10000, 900),
    (1, VatRate.STANDARD, 1, 0),            # 0,17 ct BTW rounds to nothing
    (3, VatRate.STANDARD, 2, 1),            # 0,52 ct rounds up
    (5000, VatRate.ZERO, 5000, 0),
    (5000, VatRate.EXEMPT, 5000, 0),
])
def test_known_splits(incl: int, rate: VatRate, excl: int, vat: int) -> None:
    assert (split_incl(incl, rate).excl_cents, split_incl(incl, rate).vat_cents) == (excl, vat)


@given(prices, st.sampled_from([VatRate.STANDARD, VatRate.REDUCED]))
def test_the_btw_is_never_exactly_half_a_cent_so_the_rounding_is_unambiguous(incl: int, rate: VatRate) -> None:
    # incl·r / (100 + r) = k + ½ needs 2·incl·r = (100 + r)(2k + 1): odd on the right (121, 109 are odd), even
    # on the left. So half-up, half-even and half-away all give the same BTW for 21 % and 9 %.
    assert exact_vat(incl, rate) % 1 != Fraction(1, 2)


def test_small_amounts_round_to_the_nearest_cent() -> None:
    assert split_incl(6, VatRate.REDUCED).vat_cents == 0   # 0,495 ct
    assert split_incl(7, VatRate.REDUCED).vat_cents == 1   # 0,578 ct
    assert split_incl(-7, VatRate.REDUCED).vat_cents == -1


def test_money_is_written_the_dutch_way() -> None:
    assert format_amount(123456) == "1234,56"
    assert format_amount(-50) == "-0,50"
    assert format_amount(7) == "0,07"
    assert format_euro(123456789) == "€ 1.234.567,89"
    assert format_euro(-1210) == "€ -12,10"


def test_invoice_numbers_have_their_own_series_per_kind() -> None:
    assert invoice_number(InvoiceKind.INVOICE, 2026, 42) == "2026-00042"
    assert invoice_number(InvoiceKind.CREDIT_NOTE, 2026, 3) == "C2026-00003"


@pytest.mark.parametrize(("check", "good", "compact"), [
    (normalise_btw_number, "nl 0044.95.445.B01", "NL004495445B01"),
    (normalise_btw_number, "004495445B01", "NL004495445B01"),
    (normalise_kvk_number, "1234 5678", "12345678"),
    (normalise_iban, "NL91 ABNA 0417 1643 00", "NL91ABNA0417164300"),
    (normalise_eu_vat_number, "NL004495445B01", "NL004495445B01"),
    (normalise_eu_vat_number, "DE 136 695 976", "DE136695976"),
])
def test_good_numbers_are_compacted(check, good: str, compact: str) -> None:  # type: ignore[no-untyped-def]
    assert check(good) == compact


@pytest.mark.parametrize(("check", "bad", "code"), [
    (normalise_btw_number, "NL123456789B01", "invalid_btw_number"),  # wrong check digit
    (normalise_btw_number, "DE136695976", "invalid_btw_number"),     # not Dutch
    (normalise_kvk_number, "1234567", "invalid_kvk_number"),
    (normalise_kvk_number, "1234567a", "invalid_kvk_number"),
    (normalise_iban, "NL91ABNA0417164301", "invalid_iban"),
    (normalise_eu_vat_number, "NL123456789B01", "invalid_vat_number"),
    (normalise_eu_vat_number, "XX123", "invalid_vat_number"),
])
def test_bad_numbers_are_refused_with_a_stable_code(check, bad: str, code: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidNumber) as caught:
        check(bad)
    assert caught.value.code == code


def test_dutch_postcodes_are_checked_and_others_kept() -> None:
    assert normalise_postcode("1234ab", "NL") == "1234 AB"
    assert normalise_postcode(" 10115 ", "DE") == "10115"
    with pytest.raises(InvalidNumber):
        normalise_postcode("0123 AB", "NL")


SELLER = Seller(legal_name="Stichting Nieuw Geluid", address="Kanaalweg 1", postcode="3526 KL", town="Utrecht",
                country="NL", kvk_number="12345678", btw_number="NL004495445B01")
BUYER = Buyer(name="Ada Lovelace", email="ada@example.nl", company="Contact BV", address="Straat 2",
              postcode="1234 AB", town="Amsterdam", country="NL", vat_number="NL004495445B01", reference="PO-7")


def _invoice(rate: VatRate = VatRate.STANDARD) -> InvoiceDocument:
    return InvoiceDocument(
        kind=InvoiceKind.INVOICE, number="2026-00001", issued_on=date(2026, 12, 1), supply_date=date(2027, 1, 15),
        seller=SELLER, buyer=BUYER, lines=(InvoiceLine("Duoticket Hackathon", 1, 9500, rate),),
        event_title="Hackathon", order_id=7,
    )


def test_a_credit_note_negates_the_invoice_and_refers_to_it() -> None:
    invoice = _invoice()
    credit = credit_note_of(invoice, "C2026-00001", date(2026, 12, 5))
    assert credit.kind is InvoiceKind.CREDIT_NOTE
    assert credit.credits_number == "2026-00001"
    assert credit.credits_issued_on == date(2026, 12, 1)
    assert (credit.totals.excl_cents, credit.totals.vat_cents, credit.totals.incl_cents) == (-7851, -1649, -9500)
    assert missing_legal_content(credit) == []
    with pytest.raises(ValueError, match="only an invoice"):
        credit_note_of(credit, "C2026-00002", date(2026, 12, 6))


def test_an_invoice_lacking_what_the_law_asks_says_what() -> None:
    assert missing_legal_content(_invoice()) == []
    bare = Seller(legal_name="", address="", postcode="", town="", country="NL", kvk_number="", btw_number="")
    doc = msgspec.structs.replace(_invoice(), seller=bare, buyer=Buyer(name="X", email="x@y.nl", company="C"))
    assert set(missing_legal_content(doc)) == {"seller.legal_name", "seller.address", "seller.postcode",
                                               "seller.town", "seller.kvk_number", "seller.btw_number",
                                               "buyer.address"}


def test_exempt_lines_carry_the_exemption_text() -> None:
    assert _invoice().exemption_text == ""
    assert _invoice(VatRate.EXEMPT).exemption_text == DEFAULT_EXEMPTION_TEXT
