"""A small adapter around the official Stripe SDK (async, HTTPX client), created once per app.

Real keys talk to Stripe; in development and tests `settings.stripe_api_base` points the SDK at a local
Stripe-compatible server (localstripe). The calls here use only what both accept: no `description`,
`receipt_email` or `automatic_payment_methods` (localstripe answers 400). Stripe honours the
idempotency keys; localstripe ignores them, so ticketing.payments enforces "one intent per order" itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import stripe

from settings import Settings

log = logging.getLogger("nieuw_geluid.payments")
WEBHOOK_PATH = "/api/v1/stripe/webhook"
DEV_WEBHOOK_ID = "nieuw-geluid"
# What we ask localstripe to deliver (it can send only the two payment_intent ones itself).
WEBHOOK_EVENTS = [
    "payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled",
    "charge.refunded", "refund.created", "refund.updated",
]


# Every Stripe call gives up after this long (the SDK's default is 80 s): a provider that hangs must answer
# `payment_provider_unavailable` well within the intent-creation claim (payments.PAYMENT_CLAIM_TIMEOUT).
REQUEST_TIMEOUT_SECONDS = 15.0
# How many intents `find_order_intent` reads at most (100 per page).
LOOKUP_PAGES = 20


class PaymentProviderError(RuntimeError):
    """Stripe could not be reached or refused a call we expected to work."""


@dataclass(frozen=True, slots=True)
class Intent:
    id: str
    client_secret: str | None
    status: str
    amount: int
    currency: str
    order_id: int | None
    created: int = 0  # Unix time at the provider


@dataclass(frozen=True, slots=True)
class RefundResult:
    id: str
    status: str


def _plain(obj: Any) -> Any:
    # The SDK's objects refuse dict methods; webhook payloads arrive as plain dicts already.
    return obj.to_dict() if hasattr(obj, "to_dict") and not isinstance(obj, dict) else obj


def intent_from(obj: Any) -> Intent:
    """An Intent from a Stripe SDK object or a webhook payload's plain dict."""
    obj = _plain(obj)
    metadata = obj.get("metadata") or {}
    raw_order = metadata.get("order_id")
    return Intent(
        id=obj["id"], client_secret=obj.get("client_secret"), status=obj.get("status") or "",
        amount=int(obj.get("amount") or 0), currency=obj.get("currency") or "eur",
        order_id=int(raw_order) if raw_order and str(raw_order).isdigit() else None,
        created=int(obj.get("created") or 0),
    )


class StripeGateway:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._http = stripe.HTTPXClient(timeout=REQUEST_TIMEOUT_SECONDS)
        base = {"api": settings.stripe_api_base} if settings.stripe_api_base else {}
        self.client = stripe.StripeClient(
            settings.stripe_secret_key,
            http_client=self._http,
            base_addresses=base,  # type: ignore[arg-type]
            # Against the local server a failure should show at once; real Stripe gets the SDK's retries.
            max_network_retries=0 if settings.stripe_api_base else 2,
        )

    @property
    def publishable_key(self) -> str:
        return self.settings.stripe_publishable_key

    async def close(self) -> None:
        await self._http.close_async()

    async def create_intent(self, order_id: int, amount_cents: int, idempotency_key: str) -> Intent:
        try:
            obj = await self.client.v1.payment_intents.create_async(
                {"amount": amount_cents, "currency": "eur", "allowed_payment_method_types": ["card", "ideal"],
                 "metadata": {"order_id": str(order_id)}},
                {"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            raise PaymentProviderError(str(exc)) from exc
        return intent_from(obj)

    async def retrieve_intent(self, intent_id: str) -> Intent:
        try:
            return intent_from(await self.client.v1.payment_intents.retrieve_async(intent_id))
        except stripe.StripeError as exc:
            raise PaymentProviderError(str(exc)) from exc

    async def find_order_intent(self, order_id: int, created_after: datetime) -> Intent | None:
        """The intent created for this order since `created_after`, if any: for a worker that died (or timed
        out) after asking Stripe for an intent but before storing its id. Real Stripe answers a retry with
        the same idempotency key with the same intent anyway; localstripe ignores the key, so the app looks.
        Prefers a succeeded intent, then the oldest one that is not cancelled."""
        since = int(created_after.timestamp())
        params: stripe.params.PaymentIntentListParams = {"limit": 100}
        if not self.settings.stripe_api_base:
            params["created"] = {"gte": since}  # localstripe refuses list filters; it is small, read it all
        found: list[Intent] = []
        try:
            for _ in range(LOOKUP_PAGES):
                page = await self.client.v1.payment_intents.list_async(params)
                items = [intent_from(obj) for obj in page.data]
                found += [i for i in items if i.order_id == order_id and i.created >= since]
                if not page.has_more or not items:
                    break
                params["starting_after"] = items[-1].id
        except stripe.StripeError as exc:
            raise PaymentProviderError(str(exc)) from exc
        live = [i for i in found if i.status != "canceled"]
        live.sort(key=lambda i: (i.status != "succeeded", i.created))
        return live[0] if live else None

    async def cancel_intent(self, intent_id: str) -> None:
        """Best effort: an intent that already succeeded or was cancelled cannot be cancelled again."""
        try:
            await self.client.v1.payment_intents.cancel_async(intent_id)
        except stripe.StripeError as exc:
            log.info("Could not cancel PaymentIntent %s: %s", intent_id, exc)

    async def refund(self, intent_id: str, amount_cents: int, idempotency_key: str,
                     metadata: dict[str, str]) -> RefundResult:
        try:
            obj = await self.client.v1.refunds.create_async(
                {"payment_intent": intent_id, "amount": amount_cents, "metadata": metadata},
                {"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            raise PaymentProviderError(str(exc)) from exc
        data = _plain(obj)
        return RefundResult(id=data["id"], status=data.get("status") or "pending")

    async def find_refund(self, intent_id: str, refund_id: int) -> RefundResult | None:
        """The refund an earlier, failed-looking attempt made for our refund row (a timeout after Stripe acted),
        found by the `refund_id` in its metadata; None when there is none."""
        try:
            listed = await self.client.v1.refunds.list_async({"payment_intent": intent_id, "limit": 100})
        except stripe.StripeError as exc:
            raise PaymentProviderError(str(exc)) from exc
        for obj in listed.data:
            data = _plain(obj)
            if str((data.get("metadata") or {}).get("refund_id")) == str(refund_id) and data.get("status") != "failed":
                return RefundResult(id=data["id"], status=data.get("status") or "pending")
        return None

    def verify(self, payload: bytes, signature: str | None) -> None:
        """Returns when `Stripe-Signature` is valid and fresh (5 minutes); raises ValueError otherwise.

        Only the signature: the SDK's construct_event also builds an Event object and fails with an
        AttributeError on a signed body of another shape (a JSON list), which the caller checks itself."""
        if not signature:
            raise ValueError("Stripe-Signature header missing")
        try:
            stripe.WebhookSignature.verify_header(payload.decode("utf-8"), signature,
                                                  self.settings.stripe_webhook_secret,
                                                  stripe.Webhook.DEFAULT_TOLERANCE)
        except (stripe.SignatureVerificationError, UnicodeDecodeError) as exc:
            raise ValueError(str(exc)) from exc


_current: StripeGateway | None = None


def install(settings: Settings) -> StripeGateway:
    global _current
    _current = StripeGateway(settings)
    return _current


def current() -> StripeGateway:
    if _current is None:
        raise RuntimeError("Payments are not set up: the app's lifespan installs them")
    return _current


async def uninstall(payments: StripeGateway) -> None:
    global _current
    await payments.close()
    if _current is payments:
        _current = None


async def register_dev_webhook(settings: Settings, target_base_url: str | None = None) -> bool:
    """Ask the local Stripe-compatible server to deliver our events to this app (development only).

    Never raises: with the local server down, the app still starts (payments then fail visibly).
    """
    if not settings.stripe_api_base:
        return False
    url = f"{(target_base_url or settings.public_base_url).rstrip('/')}{WEBHOOK_PATH}"
    try:
        async with httpx.AsyncClient(timeout=2.0) as client:
            response = await client.post(
                f"{settings.stripe_api_base.rstrip('/')}/_config/webhooks/{DEV_WEBHOOK_ID}",
                json={"url": url, "secret": settings.stripe_webhook_secret, "events": WEBHOOK_EVENTS},
            )
            response.raise_for_status()
    except httpx.HTTPError as exc:
        log.warning("Local Stripe server at %s not reachable (%s): webhooks not registered",
                    settings.stripe_api_base, exc)
        return False
    return True
