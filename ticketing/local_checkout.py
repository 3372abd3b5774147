"""Paying in the browser against the local Stripe-compatible server (development and tests only).

Real Stripe confirms a PaymentIntent in the browser: Stripe.js's Payment Element collects the card and
calls ``stripe.confirmPayment`` with the intent's client secret, and the webhook tells us it succeeded.
localstripe's fake Stripe.js cannot confirm a PaymentIntent from the browser (it only offers
``createToken`` with the publishable key), so the pay page, when it finds the fake library, turns the typed
card into a token there and hands the token's card id to :func:`confirm_with_local_card`, which attaches it
to THE intent of the order and confirms it with the secret key. Everything after that is the real path:
localstripe charges the card and delivers ``payment_intent.succeeded`` to our webhook.

Refused whenever real Stripe is switched on (``settings.stripe_api_base`` unset).
"""

from __future__ import annotations

import re

import stripe

from core.errors import DomainError, Forbidden, NotFound
from core.i18n import lazy_gettext as _l
from core.principal import Principal
from ticketing import access, rules, stripe_gateway
from ticketing.errors import CardDeclined, ReservationExpired
from ticketing.results import LocalPaymentOut

CARD_ID = re.compile(r"^card_[A-Za-z0-9]{1,64}$")


async def confirm_with_local_card(actor: Principal, order_id: int, card_id: str) -> LocalPaymentOut:
    """Attach a card tokenised by the fake Stripe.js to the order's PaymentIntent and confirm it."""
    current = stripe_gateway.current()
    if current.settings.uses_real_stripe:
        raise NotFound(_l("Deze betaalroute bestaat alleen met de lokale testserver van Stripe."))
    if not CARD_ID.match(card_id or ""):
        raise DomainError(_l("Onbekende kaart."), field="card")
    order, is_buyer = await access.visible_order(actor, order_id)
    if not is_buyer:
        raise Forbidden(_l("Alleen de koper kan deze bestelling betalen."))
    if order["status"] != rules.PENDING or not order["payment_intent_id"]:
        raise ReservationExpired(_l("Je reservering is verlopen of al betaald."))
    intents = current.client.v1.payment_intents
    try:
        await intents.update_async(order["payment_intent_id"], {"payment_method": card_id})
        intent = await intents.confirm_async(order["payment_intent_id"])
    except stripe.CardError as exc:
        raise CardDeclined(_l("Je kaart is geweigerd. Probeer een andere kaart."), field="card") from exc
    except stripe.StripeError as exc:
        raise DomainError(_l("De betaling kon niet worden gestart. Probeer het opnieuw."), field="card") from exc
    return LocalPaymentOut(order_id=order_id, status=intent.status)
