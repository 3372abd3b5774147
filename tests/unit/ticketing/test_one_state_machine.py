"""The transition table is the only place that knows which order status may follow which: outside
`ticketing/state.py` (whose `move` takes its sources from `rules.sources_for`), no application module writes an
order's status — neither through Piccolo (`TicketOrder.status: …` in an update) nor in raw SQL. Creating an order
(`status=` in an insert) is not a move and is not looked for."""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SKIP = {".venv", ".git", "tests", "bench", "piccolo_migrations", "node_modules", "build", "var", "test-results"}
# `{TicketOrder.status: …}` in an update, `TicketOrder.update(status=…)`, or SQL that sets the column.
WRITES_STATUS = re.compile(
    r"TicketOrder\.status\s*:"
    r"|TicketOrder\.update\([^)]*\bstatus\s*="
    r"|UPDATE\s+\"?ticket_order\"?\s+SET\s+(?:[\w\"]+\s*=\s*[^,;]+,\s*)*\"?status\"?\s*=",
    re.IGNORECASE,
)


def application_modules() -> list[Path]:
    found = []
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [name for name in subfolders if name not in SKIP]  # not walked at all
        found += [Path(folder) / name for name in files if name.endswith(".py")]
    return found


def test_only_the_state_module_writes_an_orders_status() -> None:
    modules = application_modules()
    assert ROOT / "ticketing" / "state.py" in modules
    writers = sorted(str(p.relative_to(ROOT)) for p in modules if WRITES_STATUS.search(p.read_text()))
    assert writers == ["ticketing/state.py"]
