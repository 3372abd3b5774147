"""HTTP API for invoicing: thin controllers over invoicing's use cases (seller details, billing details, invoices)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, put
from litestar.datastructures import CacheControlHeader
from litestar.params import JSONBody

from core.auth import requires_organiser, signed_in
from invoicing import sellers
from invoicing.schemas import SellerIn, SellerOut

NO_STORE = CacheControlHeader(no_store=True)


class SellerController(Controller):
    path = "/api/v1/me/seller-details"
    tags = ["invoices"]
    guards = [requires_organiser]

    @get("/", summary="My seller details for invoices (organiser)", operation_id="get_seller_details",
         cache_control=NO_STORE)
    async def get_details(self, request: Request[Any, Any, Any]) -> SellerOut:
        """`seller_details_missing` (404) until entered."""
        return await sellers.get_seller_details(signed_in(request))

    @put("/", summary="Enter or change my seller details for invoices (organiser)",
         operation_id="save_seller_details")
    async def save_details(self, request: Request[Any, Any, Any], data: JSONBody[SellerIn]) -> SellerOut:
        """Checked with python-stdnum: `invalid_btw_number`, `invalid_kvk_number`, `invalid_iban`,
        `invalid_postcode` (422). Invoices issued before keep the details they were issued with."""
        return await sellers.save_seller_details(signed_in(request), data)


ROUTERS = [SellerController]
