"""Invoicing pages: the organiser's seller details (entered once), the buyer's invoices and credit notes as PDF
("Mijn tickets"), and the organiser's export of an event's invoices (ZIP, CSV).

Every handler calls one use case of invoicing (sellers, billing, issuing, exports); a ``DomainError`` becomes a
message next to the field it concerns.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.auth import requires_member, requires_organiser
from core.errors import DomainError
from core.principal import Principal
from core.spreadsheet import csv_response
from frontend.forms import _
from frontend.i18n import gettext, request_language
from frontend.pages.common import FormBody, page, page_message, path_for, redirect, text
from invoicing import billing, documents, exports, sellers
from invoicing.errors import SellerDetailsMissing
from invoicing.rules import VatRate
from invoicing.schemas import BillingIn, SellerIn

SELLER_FIELDS = ("legal_name", "address", "postcode", "town", "country", "kvk_number", "btw_number", "iban",
                 "vat_rate", "exemption_text")
VAT_RATE_LABELS: dict[str, str] = {
    "21": _("21 % (standard rate)"),
    "9": _("9 % (reduced rate, e.g. admission to cultural events)"),
    "0": _("0 %"),
    "exempt": _("Exempt from BTW (give the legal ground below)"),
}
# Problem codes -> what we tell people on the forms (English msgids, Dutch in the catalogue).
FRIENDLY: dict[str, str] = {
    "invalid_btw_number": _("This is not a valid Dutch BTW number (such as NL123456789B01)."),
    "invalid_vat_number": _("This is not a valid VAT number (with its country code, such as NL123456789B01)."),
    "invalid_kvk_number": _("A KvK number has eight digits."),
    "invalid_iban": _("This is not a valid IBAN."),
    "invalid_postcode": _("This is not a valid postcode (such as 1234 AB)."),
}


def friendly(exc: DomainError, lang: str) -> str:
    message = FRIENDLY.get(exc.code)
    return gettext(lang, message) if message else page_message(exc, lang)


BILLING_FIELDS = ("company", "address", "postcode", "town", "country", "vat_number", "reference", "invoice_email")


def billing_from_form(data: dict[str, Any], lang: str
                      ) -> tuple[BillingIn | None, dict[str, str], dict[str, str]]:
    """"Op factuur van mijn werkgever" from the order form: (details or None, the form as typed with `billing_`
    names, errors by `billing_` field). None and no errors when the box is not ticked: a receipt in the buyer's
    own name. The numbers are checked here, before anything is ordered."""
    form = {f"billing_{name}": text(data, f"billing_{name}") for name in BILLING_FIELDS}
    form["billing_country"] = (form["billing_country"] or "NL").upper()
    form["billing_wanted"] = "1" if text(data, "billing_wanted") else ""
    if not form["billing_wanted"]:
        return None, form, {}
    errors = {f"billing_{name}": gettext(lang, _("Fill in this field.")) for name in ("company", "address",
                                                                                      "postcode", "town")
              if not form[f"billing_{name}"]}
    if form["billing_invoice_email"] and "@" not in form["billing_invoice_email"].strip("@"):
        errors["billing_invoice_email"] = gettext(lang, _("Enter an e-mail address, such as naam@voorbeeld.nl."))
    if errors:
        return None, form, errors
    try:
        details = msgspec.convert({name: form[f"billing_{name}"] for name in BILLING_FIELDS}, BillingIn)
    except msgspec.ValidationError:
        return None, form, {"billing_company": gettext(lang, _("Some fields are too long or not valid."))}
    try:
        billing.checked_billing(details)
    except DomainError as exc:
        return None, form, {f"billing_{exc.field or 'company'}": friendly(exc, lang)}
    return details, form, {}


def seller_from_form(data: dict[str, Any], lang: str) -> tuple[SellerIn | None, dict[str, str], dict[str, str]]:
    """(details or None, the form as typed, errors) from the posted seller form."""
    form = {name: text(data, name) for name in SELLER_FIELDS}
    form["country"] = (form["country"] or "NL").upper()
    errors = {name: gettext(lang, _("Fill in this field.")) for name in ("legal_name", "address", "postcode", "town",
                                                                         "kvk_number") if not form[name]}
    if form["vat_rate"] not in {r.value for r in VatRate}:
        errors["vat_rate"] = gettext(lang, _("Choose the BTW rate of your tickets."))
    if errors:
        return None, form, errors
    try:
        details = msgspec.convert(form, SellerIn)
    except msgspec.ValidationError:
        return None, form, {"form": gettext(lang, _("Some fields are too long or not valid."))}
    return details, form, {}


class InvoicingPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/organiseren/factuurgegevens", name="seller_details", guards=[requires_organiser])
    async def seller_page(self, request: Request[Any, Any, Any], member: NamedDependency[Principal]) -> Template:
        try:
            saved = msgspec.to_builtins(await sellers.get_seller_details(member))
        except SellerDetailsMissing:  # the first visit: an empty form with the usual defaults
            saved = {"country": "NL", "vat_rate": "21"}
        form = {name: str(saved.get(name) or "") for name in SELLER_FIELDS}
        return self._seller_page(request, form, {})

    @post("/organiseren/factuurgegevens", name="seller_details_save", guards=[requires_organiser])
    async def seller_save(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                          data: FormBody) -> Template | Redirect:
        lang = request_language(request)
        details, form, errors = seller_from_form(data, lang)
        if details is not None:
            try:
                await sellers.save_seller_details(member, details)
            except DomainError as exc:
                errors = {exc.field if exc.field in SELLER_FIELDS else "form": friendly(exc, lang)}
            else:
                return redirect(path_for(request, "seller_details"), "factuurgegevens")
        return self._seller_page(request, form, errors, status_code=422)

    @get("/mijn/facturen/{invoice_id:int}", name="invoice_pdf", guards=[requires_member])
    async def invoice_pdf(self, member: NamedDependency[Principal], invoice_id: FromPath[int]) -> Response[bytes]:
        """An invoice or credit note of the member's own order (or of an event they organise) as PDF."""
        name, content = await documents.invoice_pdf(member, invoice_id)
        return Response(content, media_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @get("/organiseren/{slug:str}/facturen.csv", name="organiser_invoices_csv", guards=[requires_organiser])
    async def invoices_csv(self, member: NamedDependency[Principal], slug: FromPath[str]) -> Response[bytes]:
        """The same export as the API: every invoice and credit note of the event, for the bookkeeping."""
        body = await exports.invoices_csv(member, slug)
        return csv_response(body, f"facturen-{slug}.csv")

    @get("/organiseren/{slug:str}/facturen.zip", name="organiser_invoices_zip", guards=[requires_organiser])
    async def invoices_zip(self, member: NamedDependency[Principal], slug: FromPath[str]) -> Response[bytes]:
        body = await exports.invoices_zip(member, slug)
        return Response(body, media_type="application/zip",
                        headers={"Content-Disposition": f'attachment; filename="facturen-{slug}.zip"'})

    @staticmethod
    def _seller_page(request: Request[Any, Any, Any], form: dict[str, str], errors: dict[str, str],
                     status_code: int = 200) -> Template:
        lang = request_language(request)
        return page(request, "organiser/seller.html", status_code=status_code, form=form, errors=errors,
                    vat_rates=[(rate, gettext(lang, label)) for rate, label in VAT_RATE_LABELS.items()],
                    active_nav="organise")
