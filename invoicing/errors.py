"""Invoicing's domain errors: stable codes, mapped once to problem+json by core.errors."""

from __future__ import annotations

from core.errors import Conflict, InvalidInput, NotFound
from core.i18n import LazyMessage
from invoicing.rules import InvalidNumber


class InvalidInvoiceDetails(InvalidInput):
    """A BTW, KvK, IBAN, VAT number or postcode that is not one; `code` is the rule's own
    (`invalid_btw_number`, `invalid_kvk_number`, `invalid_iban`, `invalid_vat_number`, `invalid_postcode`),
    or `invalid_invoice_details` for a missing field."""

    code = "invalid_invoice_details"

    def __init__(self, message: LazyMessage, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message, field=field)
        if code:
            self.code = code  # type: ignore[misc]

    @classmethod
    def from_rule(cls, exc: InvalidNumber) -> InvalidInvoiceDetails:
        return cls(exc.message_nl, field=exc.field, code=exc.code)


class SellerDetailsMissing(NotFound):
    code = "seller_details_missing"


class InvoiceNotFound(NotFound):
    code = "invoice_not_found"


class BillingLocked(Conflict):
    """The invoice of this order has been issued: what it says can no longer change."""

    code = "billing_locked"
