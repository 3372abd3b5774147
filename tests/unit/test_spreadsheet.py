"""core.spreadsheet: no cell of a CSV the project writes is read as a formula (OWASP CSV injection), and every CSV
opens in Dutch Excel (semicolons, a byte-order mark, decimal commas)."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from core.spreadsheet import BOM, FORMULA_STARTS, csv_text, decimal_comma, safe_cell


def test_formula_cells_get_a_quote_and_plain_cells_stay() -> None:
    for value in ("=1+1", "+31 6", "-2", "@SUM(A1)", "\t=1+1", "\r=1", "\n@x", "  =1+1", " \t+1", "＝1", "\tplain"):
        assert safe_cell(value) == "'" + value, value
    for value in ("Sam Jong", "sam@example.nl", "", "1+1", "'quoted", "a=b", 42, None):
        assert safe_cell(value) == value


@given(st.lists(st.lists(st.text(max_size=12), min_size=1, max_size=4), max_size=6))
def test_no_text_cell_read_back_starts_a_formula(rows: list[list[object]]) -> None:
    # (Numbers are written as numbers: -1 is a value, not a formula.)
    width = max((len(r) for r in rows), default=1)
    header = [f"c{i}" for i in range(width)]
    text = csv_text(header, rows)
    assert text.startswith(BOM)
    read = list(csv.reader(io.StringIO(text.removeprefix(BOM), newline=""), delimiter=";"))
    assert len(read) == len(rows) + 1
    assert all(len(r) == len(w) for r, w in zip(read[1:], rows, strict=True))
    for row in read:
        for cell in row:
            assert not cell.lstrip(" \t\r\n").startswith(FORMULA_STARTS), cell
            assert not cell.startswith(("\t", "\r", "\n")), cell


def test_dutch_excel_reads_the_columns_and_the_accents() -> None:
    text = csv_text(["naam", "bedrag"], [["Zoë; de Vries", decimal_comma(123450)], ["Jan", decimal_comma(5)]])
    assert text.startswith("\ufeffnaam;bedrag\r\n")
    assert text.splitlines()[1:] == ['"Zoë; de Vries";1234,50', "Jan;0,05"]


def test_decimal_comma() -> None:
    assert [decimal_comma(c) for c in (0, 7, 4500, 123456, -250)] == ["0,00", "0,07", "45,00", "1234,56", "-2,50"]


def test_amounts_with_a_decimal_comma_are_numbers_not_neutralised_text() -> None:
    from core.spreadsheet import CommaAmount

    text = csv_text(["bedrag", "omschrijving"], [[CommaAmount(-7851), "-78,51"], [CommaAmount(5), "ok"]])
    assert text.splitlines() == ["\ufeffbedrag;omschrijving", "-78,51;'-78,51", "0,05;ok"]
