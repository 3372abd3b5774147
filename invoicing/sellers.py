"""An organiser's seller details: entered once in the back office, printed on every invoice of their events.

Checked when saved (python-stdnum, through invoicing.rules): an invoice never carries a number that is not one.
An issued invoice keeps the details it was issued with (its own frozen document).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.db import utcnow, write_transaction
from core.errors import Forbidden
from core.i18n import lazy_gettext as _l
from core.principal import Principal
from invoicing import rules
from invoicing.errors import InvalidInvoiceDetails, SellerDetailsMissing
from invoicing.schemas import SellerIn, SellerOut
from invoicing.tables import SellerProfile


def _check_organiser(actor: Principal) -> None:
    if not actor.is_organiser:
        raise Forbidden(_l("Alleen organisatoren hebben verkoopgegevens."))


def _out(row: dict[str, Any]) -> SellerOut:
    return SellerOut(
        legal_name=row["legal_name"], address=row["address"], postcode=row["postcode"], town=row["town"],
        country=row["country"], kvk_number=row["kvk_number"], btw_number=row["btw_number"], iban=row["iban"],
        vat_rate=rules.VatRate(row["vat_rate"]), exemption_text=row["exemption_text"], updated_at=row["updated_at"],
    )


def checked_seller(data: SellerIn) -> dict[str, Any]:
    """The columns to store, every number checked and compacted (InvalidInvoiceDetails with the rule's code)."""
    try:
        btw = data.btw_number.strip()
        if btw or data.vat_rate is not rules.VatRate.EXEMPT:
            if not btw:
                raise rules.InvalidNumber("invalid_btw_number", "btw_number",
                                          _l("Vul het btw-nummer in (alleen bij vrijstelling mag het leeg blijven)."))
            btw = rules.normalise_btw_number(btw)
        values = {
            "legal_name": data.legal_name.strip(), "address": data.address.strip(),
            "postcode": rules.normalise_postcode(data.postcode, data.country), "town": data.town.strip(),
            "country": data.country, "kvk_number": rules.normalise_kvk_number(data.kvk_number), "btw_number": btw,
            "iban": rules.normalise_iban(data.iban) if data.iban.strip() else "",
            "vat_rate": data.vat_rate.value, "exemption_text": data.exemption_text.strip(),
        }
    except rules.InvalidNumber as exc:
        raise InvalidInvoiceDetails.from_rule(exc) from exc
    for name in ("legal_name", "address", "town"):
        if not values[name]:
            raise InvalidInvoiceDetails(_l("Vul dit veld in."), field=name)
    return values


async def get_seller_details(actor: Principal) -> SellerOut:
    """The organiser's own seller details (`seller_details_missing` until entered)."""
    _check_organiser(actor)
    row = await SellerProfile.select().where(SellerProfile.organiser == actor.id).first()
    if row is None:
        raise SellerDetailsMissing(_l("Je hebt nog geen verkoopgegevens voor facturen ingevuld."))
    return _out(row)


async def save_seller_details(actor: Principal, data: SellerIn, now: datetime | None = None) -> SellerOut:
    """Enter or change the organiser's seller details (invoices issued before keep theirs)."""
    _check_organiser(actor)
    now = now or utcnow()
    values = checked_seller(data)
    async with write_transaction():
        updated = await SellerProfile.update({**{getattr(SellerProfile, k): v for k, v in values.items()},
                                              SellerProfile.updated_at: now}).where(
            SellerProfile.organiser == actor.id).returning(SellerProfile.id)
        if not updated:
            await SellerProfile.insert(SellerProfile(organiser=actor.id, updated_at=now, **values)).on_conflict(
                target=SellerProfile.organiser, action="DO NOTHING")
    return await get_seller_details(actor)


async def seller_of(organiser_id: int | None) -> rules.Seller | None:
    """What an invoice of this organiser's event says about the seller (None: nothing entered yet)."""
    if organiser_id is None:
        return None
    row = await SellerProfile.select().where(SellerProfile.organiser == organiser_id).first()
    if row is None:
        return None
    return rules.Seller(
        legal_name=row["legal_name"], address=row["address"], postcode=row["postcode"], town=row["town"],
        country=row["country"], kvk_number=row["kvk_number"], btw_number=row["btw_number"], iban=row["iban"],
        vat_rate=rules.VatRate(row["vat_rate"]), exemption_text=row["exemption_text"],
    )
