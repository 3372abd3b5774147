"""CSV files that open safely in a spreadsheet (OWASP "CSV Injection").

Names and organisations in an export are typed by buyers. A cell that starts with `=`, `+`, `-` or `@` (or their
full-width forms, which some spreadsheet locales accept too) is read as a formula by Excel, LibreOffice and
Google Sheets: `=HYPERLINK("https://…","klik")` becomes a link in the organiser's sheet, `=1+1` a sum. A leading
tab, carriage return or line feed is dropped by some of them before they look, and so are spaces. As OWASP
recommends, such a cell gets a single quote in front, which the spreadsheet shows as text; the csv module then
quotes the cell as needed. Every CSV the project writes goes through `csv_text`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_LEADING = " \t\r\n"


def safe_cell(value: Any) -> Any:
    """A cell value that no spreadsheet evaluates: text starting (after any leading whitespace) with a formula
    character, or starting with a tab or line break, gets a leading `'`. Numbers and empty cells stay as they are."""
    if not isinstance(value, str) or not value:
        return value
    if value[0] in "\t\r\n" or value.lstrip(_LEADING).startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    """The CSV document (RFC 4180 quoting, `\\r\\n` line ends) with every cell passed through `safe_cell`."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()
