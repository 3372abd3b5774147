"""Invoice numbers: consecutive per organiser, series and year; a transaction that fails after taking a number
gives it back (no gap); issuing again changes nothing. (Under concurrency: tests/load/test_invoice_numbers.py.)"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from tests.support.invoicing import enter_seller_details
from tests.support.members import Members, quick_members
from tests.support.shop import Shop, held_order

pytestmark = pytest.mark.anyio


class Boom(Exception):
    pass


async def test_a_failed_transaction_burns_no_number_and_each_year_and_organiser_count_alone(
    client: httpx.AsyncClient, members: Members,
) -> None:
    from core.db import write_transaction
    from invoicing.issuing import issue_credit_note, issue_invoice
    from invoicing.tables import Invoice, InvoiceCounter

    first, second = Shop(client, members), Shop(client, members)
    first.organiser = await members.create("organiser", email="een@example.nl")
    second.organiser = await members.create("organiser", email="twee@example.nl")
    a = await first.event(price_cents=9500, title="Eerste")
    b = await second.event(price_cents=5000, title="Tweede")
    for shop in (first, second):
        await enter_seller_details(client, shop.organiser["headers"])
    buyers = await quick_members(5)
    orders = [await held_order(first, a["slug"], buyer) for buyer in buyers[:4]] + [
        await held_order(second, b["slug"], buyers[4])]
    december = datetime(2026, 12, 31, 12, tzinfo=UTC)

    async def fail_after_issuing() -> None:
        async with write_transaction():  # e.g. the payment's transaction fails after the invoice was made
            assert await issue_invoice(orders[0]["id"], december) is not None
            raise Boom

    with pytest.raises(Boom):
        await fail_after_issuing()
    assert await Invoice.count() == 0
    assert {r["last_number"] for r in await InvoiceCounter.select()} <= {0}  # given back (or never kept)

    async def issue(order: dict, when: datetime) -> dict:  # type: ignore[type-arg]
        async with write_transaction():
            invoice_id = await issue_invoice(order["id"], when)
        return await Invoice.select().where(Invoice.id == invoice_id).first()  # type: ignore[return-value]

    one = await issue(orders[1], december)
    two = await issue(orders[0], december)
    assert (one["number"], two["number"]) == ("2026-00001", "2026-00002")
    assert (await issue(orders[0], december))["id"] == two["id"]  # again: the same invoice, no new number
    january = datetime(2027, 1, 1, 9, tzinfo=UTC)
    assert (await issue(orders[2], january))["number"] == "2027-00001"  # a new year, a new series
    assert (await issue(orders[4], december))["number"] == "2026-00001"  # another organiser counts alone
    assert (await issue(orders[3], december))["number"] == "2026-00003"

    async with write_transaction():
        credit_id = await issue_credit_note(orders[0]["id"], january)
        assert await issue_credit_note(orders[0]["id"], january) == credit_id
    credit = await Invoice.select().where(Invoice.id == credit_id).first()
    assert credit is not None
    assert (credit["number"], credit["credits_invoice_id"]) == ("C2027-00001", two["id"])
    async with write_transaction():
        assert await issue_credit_note(orders[4]["id"] + 1000, january) is None  # no invoice, nothing to credit
