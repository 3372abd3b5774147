"""CSV files that open safely in a spreadsheet (OWASP "CSV Injection").

Names and organisations in an export are typed by buyers. A cell that starts with `=`, `+`, `-` or `@` (or their
full-width forms, which some spreadsheet locales accept too) is read as a formula by Excel, LibreOffice and
Google Sheets: `=HYPERLINK("https://…","klik")` becomes a link in the organiser's sheet, `=1+1` a sum. A leading
tab, carriage return or line feed is dropped by some of them before they look, and so are spaces. As OWASP
recommends, such a cell gets a single quote in front, which the spreadsheet shows as text; the csv module then
quotes the cell as needed. Every CSV the project writes goes through `csv_text`.

Every CSV is made for Dutch Excel, which is what organisers open it with: cells separated by semicolons (Excel in
a Dutch locale reads a comma as the decimal sign, so comma-separated files land in one column), UTF-8 with a
byte-order mark (without it Excel reads the accents of "Zoë" as Latin-1), amounts with a decimal comma
(`decimal_comma`). `csv_response` serves it with one `charset` in its Content-Type.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from litestar import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_LEADING = " \t\r\n"


@dataclass(frozen=True, slots=True)
class CommaAmount:
    """An amount of euro cents written with a decimal comma and no thousands separator (`-7851` → `-78,51`), as
    Dutch Excel reads a number. Not text, so `safe_cell` leaves it alone: a credit note's minus is a sign, and made
    from an integer it can hold nothing else."""

    cents: int

    def __str__(self) -> str:
        return decimal_comma(self.cents)


def safe_cell(value: Any) -> Any:
    """A cell value that no spreadsheet evaluates: text starting (after any leading whitespace) with a formula
    character, or starting with a tab or line break, gets a leading `'`. Numbers and empty cells stay as they are."""
    if not isinstance(value, str) or not value:
        return value
    if value[0] in "\t\r\n" or value.lstrip(_LEADING).startswith(FORMULA_STARTS):
        return "'" + value
    return value


DELIMITER = ";"
BOM = "\ufeff"


def csv_text(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    """The CSV document for Dutch Excel: a byte-order mark, then `;`-separated cells (RFC 4180 quoting, `\\r\\n`
    line ends), every cell passed through `safe_cell`."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, delimiter=DELIMITER)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()


def decimal_comma(cents: int) -> str:
    """An amount in euros as Dutch Excel reads a number: `1234,50` (no thousands separator, no currency sign)."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100},{abs(cents) % 100:02d}"


def csv_response(body: str, filename: str) -> Response[bytes]:
    """A download of `body` (from `csv_text`) named `filename`. The media type is given without a charset: Litestar
    adds `charset=utf-8` to text types itself, and a second one confuses some clients."""
    return Response(body.encode("utf-8"), media_type="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
