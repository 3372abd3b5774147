"""Typed results (issue 12): the use cases of events/, members/, invoicing/, checkin/, pairing/, ideas/ and ticketing/
return frozen values (the response Structs of their schemas.py — ticketing's results.py —, or a frozen value of
their own), their handlers return
those as they are, and the pages render them without writing into them. Read from the source: no public function
of a use-case module is annotated to return a dict, no handler converts what a use case gave it, and every response
Struct is frozen.

Dicts that are no result between layers are named here with the reason they stay.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import msgspec
import pytest

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("events", "members", "invoicing", "checkin", "pairing", "ideas", "ticketing")
# Where a folder's response bodies are, when not in its schemas.py (ticketing's schemas.py keeps the request bodies
# and the shape a signed Stripe webhook must have, which are no results).
BODIES = {"ticketing": "ticketing.results"}
# Not use cases: pure rules, tables, the bodies themselves, the mails the outbox composes.
NOT_USE_CASES = {"rules.py", "tables.py", "schemas.py", "piccolo_app.py", "mail.py", "calendar.py", "banner.py"}
# Public functions that return a dict and why they may.
PLAIN_DICTS = {
    # The columns a check hands to its own folder's insert (and the order form checks with it before ordering).
    "invoicing/billing.py:checked_billing",
    "invoicing/sellers.py:checked_seller",
    # A Piccolo row read inside invoicing (issuing addresses the invoice with it).
    "invoicing/billing.py:billing_row",
    # The account behind a password, a row inside members (sign-in and account deletion).
    "members/sessions.py:authenticate",
    # Typed results (InvoiceOut) looked up by order id.
    "invoicing/documents.py:my_invoices",
    # Rows read and written inside pairing: the stored plan, its pins, the agenda's breakout rounds, bulk inserts;
    # and what every change of a plan starts from (the event as an EventRef, the plan row, the theme keys).
    "pairing/store.py:find_plan",
    "pairing/store.py:existing_plan",
    "pairing/store.py:plan_pins",
    "pairing/store.py:insert_rows",
    "pairing/access.py:breakout_sessions",
    "pairing/board.py:edit_context",
    # Lookups inside pairing: theme key → title, place → stored ranking, old group → new group.
    "pairing/context.py:theme_titles",
    "pairing/rankings.py:stored_rankings",
    "pairing/plans.py:match_groups",
    # Inside checkin: a place's duo partner among the rows read for a scan or the door list; member id → name.
    "checkin/scans.py:partner_of",
    "checkin/scans.py:member_names",
    # Rows read inside ideas (ideas, their authors, a vote, the jury's scores) that its use cases make results of.
    "ideas/views.py:idea_rows",
    "ideas/views.py:authors_of",
    "ideas/votes.py:vote_row",
    "ideas/votes.py:lock_vote",
    "ideas/results.py:jury_of",
    # Rows read inside ticketing: the event and the order each use case starts from (after its access check), the
    # order as a state change left it, the rows ordering has just inserted (its answer is built from them).
    "ticketing/access.py:event_by_slug",
    "ticketing/access.py:visible_event",
    "ticketing/access.py:event_by_id",
    "ticketing/access.py:managed_event",
    "ticketing/access.py:visible_order",
    "ticketing/state.py:move",
    "ticketing/state.py:cancel_in_transaction",
    "ticketing/orders.py:insert_duo_rows",
    # Typed results (companion_links.LinkState) looked up by place id.
    "ticketing/companion_links.py:link_states",
    # The members' export keeps orders and waiting-list places as plain documents (members.schemas.MemberExport):
    # the results made into them, the order with the buyer's and the payment's id as the export always had them.
    "ticketing/member_data.py:orders_for_export",
    "ticketing/member_data.py:waiting_for_export",
    # What a background job did, counted for its log line (core.jobs).
    "ticketing/jobs.py:waiting_lists_job",
    "ticketing/jobs.py:reconcile_payments_job",
    "ticketing/payments.py:reconcile_payments",
    "ticketing/waitlist.py:tend_waiting_lists",
}


def _use_case_modules() -> list[Path]:
    return sorted(p for folder in FOLDERS for p in (ROOT / folder).glob("*.py")
                  if p.name not in NOT_USE_CASES and not p.name.startswith("__"))


def _dict_returning_functions(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not node.name.startswith("_"):
            returns = ast.unparse(node.returns) if node.returns is not None else ""
            if "dict[" in returns or "Mapping[" in returns:
                found.append(f"{path.relative_to(ROOT)}:{node.name}")
    return found


def test_no_use_case_returns_a_dict() -> None:
    modules = _use_case_modules()
    assert ROOT / "events" / "service.py" in modules
    assert ROOT / "members" / "accounts.py" in modules
    found = {name for path in modules for name in _dict_returning_functions(path)}
    assert found - PLAIN_DICTS == set()


@pytest.mark.parametrize("folder", FOLDERS)
def test_handlers_return_what_the_use_case_gave(folder: str) -> None:
    source = (ROOT / folder / "api.py").read_text()
    assert "msgspec.convert(" not in source
    assert "**await" not in source  # a result spread into another body


@pytest.mark.parametrize("folder", FOLDERS)
def test_response_bodies_are_frozen(folder: str) -> None:
    schemas = importlib.import_module(BODIES.get(folder, f"{folder}.schemas"))
    bodies = [value for name, value in vars(schemas).items()
              if inspect.isclass(value) and issubclass(value, msgspec.Struct) and value.__module__ == schemas.__name__
              and not getattr(value.__struct_config__, "forbid_unknown_fields", False)]  # request bodies forbid them
    assert bodies
    assert [b.__name__ for b in bodies if not b.__struct_config__.frozen] == []
