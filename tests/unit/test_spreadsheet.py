"""core.spreadsheet: no cell of a CSV the project writes is read as a formula (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from core.spreadsheet import FORMULA_STARTS, csv_text, safe_cell


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
    for row in csv.reader(io.StringIO(csv_text(header, rows), newline="")):
        for cell in row:
            assert not cell.lstrip(" \t\r\n").startswith(FORMULA_STARTS), cell
            assert not cell.startswith(("\t", "\r", "\n")), cell
