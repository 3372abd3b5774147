"""HTTP API for invoicing: thin controllers over invoicing's use cases (seller details, billing details, invoices)."""

from __future__ import annotations

from litestar import Controller, Response, delete, get, put
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from core.auth import requires_member, requires_organiser
from core.params import DbId
from core.principal import Principal
from core.spreadsheet import csv_response
from invoicing import billing, documents, exports, sellers
from invoicing.schemas import BillingIn, BillingOut, InvoiceOut, SellerIn, SellerOut

NO_STORE = CacheControlHeader(no_store=True)


class SellerController(Controller):
    path = "/api/v1/me/seller-details"
    tags = ["invoices"]
    guards = [requires_organiser]

    @get("/", summary="My seller details for invoices (organiser)", operation_id="get_seller_details",
         cache_control=NO_STORE)
    async def get_details(self, member: NamedDependency[Principal]) -> SellerOut:
        """`seller_details_missing` (404) until entered."""
        return await sellers.get_seller_details(member)

    @put("/", summary="Enter or change my seller details for invoices (organiser)",
         operation_id="save_seller_details")
    async def save_details(self, member: NamedDependency[Principal], data: JSONBody[SellerIn]) -> SellerOut:
        """Checked with python-stdnum: `invalid_btw_number`, `invalid_kvk_number`, `invalid_iban`,
        `invalid_postcode` (422). Invoices issued before keep the details they were issued with."""
        return await sellers.save_seller_details(member, data)


class OrderBillingController(Controller):
    path = "/api/v1/orders/{order_id:int}"
    tags = ["invoices"]
    guards = [requires_member]

    @get("/billing", summary="Who the order's invoice is addressed to (buyer, and the event's organiser)",
         operation_id="get_order_billing", cache_control=NO_STORE)
    async def get_billing(self, member: NamedDependency[Principal], order_id: DbId) -> BillingOut:
        """Empty `company`: a receipt in the buyer's own name. `locked` once the invoice has been issued."""
        return await billing.get_billing(member, order_id)

    @put("/billing", summary="Op factuur van mijn werkgever: address the invoice to a company (buyer)",
         operation_id="save_order_billing")
    async def save_billing(self, member: NamedDependency[Principal], order_id: DbId,
                           data: JSONBody[BillingIn]) -> BillingOut:
        """Until the invoice is issued (`billing_locked`, 409). `invalid_vat_number` (an EU VAT number with its
        country prefix, checked with python-stdnum) and `invalid_postcode` (422)."""
        return await billing.save_billing(member, order_id, data)

    @delete("/billing", summary="No company after all: a receipt in my own name (buyer)",
            operation_id="clear_order_billing", status_code=200)
    async def clear_billing(self, member: NamedDependency[Principal], order_id: DbId) -> BillingOut:
        return await billing.clear_billing(member, order_id)

    @get("/invoices", summary="The order's invoice and credit note (buyer, and the event's organiser)",
         operation_id="list_order_invoices", cache_control=NO_STORE)
    async def invoices(self, member: NamedDependency[Principal], order_id: DbId) -> list[InvoiceOut]:
        return await documents.invoices_of_order(member, order_id)


class InvoiceController(Controller):
    path = "/api/v1/invoices"
    tags = ["invoices"]
    guards = [requires_member]

    @get("/{invoice_id:int}/pdf", summary="An invoice or credit note as PDF (buyer, and the event's organiser)",
         operation_id="get_invoice_pdf", media_type="application/pdf", cache_control=NO_STORE)
    async def pdf(self, member: NamedDependency[Principal], invoice_id: DbId) -> Response[bytes]:
        name, content = await documents.invoice_pdf(member, invoice_id)
        return Response(content, media_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})


class EventInvoiceController(Controller):
    path = "/api/v1/events/{slug:str}"
    tags = ["invoices"]
    guards = [requires_organiser]

    @get("/invoices", summary="Every invoice and credit note of this event (organiser)",
         operation_id="list_event_invoices", cache_control=NO_STORE)
    async def list_invoices(self, member: NamedDependency[Principal], slug: FromPath[str]) -> list[InvoiceOut]:
        return await exports.event_invoices(member, slug)

    @get("/invoices.csv", summary="The event's invoices and credit notes for the bookkeeping, as CSV (organiser)",
         operation_id="export_event_invoices_csv", media_type="text/csv", cache_control=NO_STORE)
    async def invoices_csv(self, member: NamedDependency[Principal], slug: FromPath[str]) -> Response[bytes]:
        """UTF-8 with a byte-order mark, `;`-separated, amounts with a decimal comma (Dutch Excel opens it as
        columns); one row per document and BTW rate; cells neutralised against formulas."""
        body = await exports.invoices_csv(member, slug)
        return csv_response(body, f"facturen-{slug}.csv")

    @get("/invoices.zip", summary="Every invoice and credit note PDF of this event, and the CSV (organiser)",
         operation_id="export_event_invoices_zip", media_type="application/zip", cache_control=NO_STORE)
    async def invoices_zip(self, member: NamedDependency[Principal], slug: FromPath[str]) -> Response[bytes]:
        body = await exports.invoices_zip(member, slug)
        return Response(body, media_type="application/zip",
                        headers={"Content-Disposition": f'attachment; filename="facturen-{slug}.zip"'})


ROUTERS = [SellerController, OrderBillingController, InvoiceController, EventInvoiceController]
