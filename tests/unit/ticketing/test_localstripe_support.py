"""The localstripe test support works end to end, with the exact calls ticketing.stripe_gateway makes."""

from __future__ import annotations

import json
import socket
import time

import pytest
import stripe

from tests.support.stripe import LocalStripe, event_payload, sign_payload, webhook_receiver

pytestmark = [
    pytest.mark.anyio,
    # stripe 16's HTTPXClient posts raw bytes with httpx's deprecated `data=`; not ours to fix, and
    # the app will see the same warning until stripe changes it.
    pytest.mark.filterwarnings("ignore:Use 'content=<...>' to upload raw bytes:DeprecationWarning:httpx"),
]

SECRET = "whsec_test_nieuw_geluid"

# The create call that works against real Stripe (API 2026-09-30 and later refuse `payment_method_types`) and
# localstripe alike (devtools/localstripe_server.py takes the new name for it; docs/stack-notes.md):
# no description, receipt_email, automatic_payment_methods or return_url, which localstripe rejects.
CREATE_PARAMS: stripe.params.PaymentIntentCreateParams = {
    "amount": 9500,
    "currency": "eur",
    "allowed_payment_method_types": ["card", "ideal"],
    "metadata": {"order_id": "ord_42"},
}


async def test_server_listens_on_loopback_only(localstripe: LocalStripe) -> None:
    assert localstripe.base_url.startswith("http://127.0.0.1:")
    port = int(localstripe.base_url.rsplit(":", 1)[1])
    # Linux routes all of 127/8 to this machine: a server bound to every interface (localstripe's own
    # CLI binds "::") accepts on 127.0.0.2 too, one bound to 127.0.0.1 alone refuses.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(2)
        assert probe.connect_ex(("127.0.0.2", port)) != 0
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(2)
        assert probe.connect_ex(("127.0.0.1", port)) == 0


async def test_payment_succeeds_and_the_webhook_verifies(
    localstripe: LocalStripe, stripe_client: stripe.StripeClient
) -> None:
    async with webhook_receiver() as receiver:
        await localstripe.register_webhook(
            receiver.url, SECRET, ["payment_intent.succeeded", "payment_intent.payment_failed"]
        )
        intent = await stripe_client.v1.payment_intents.create_async(CREATE_PARAMS)
        assert intent.status == "requires_payment_method"
        assert intent.client_secret.startswith(intent.id)
        # localstripe answers confirm(id, payment_method=…) with a 500: set the method first, then confirm.
        await stripe_client.v1.payment_intents.update_async(intent.id, {"payment_method": "pm_card_visa"})
        confirmed = await stripe_client.v1.payment_intents.confirm_async(intent.id)
        assert confirmed.status == "succeeded"

        hook = await receiver.wait_for("payment_intent.succeeded")
        await localstripe.disable_webhook()

    assert hook.signature is not None
    event = stripe.Webhook.construct_event(hook.body, hook.signature, SECRET)
    assert event.type == "payment_intent.succeeded"
    paid = event.data.object
    assert (paid.id, paid.amount, paid.currency) == (intent.id, 9500, "eur")
    assert paid.metadata["order_id"] == "ord_42"
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(hook.body, hook.signature, "whsec_someone_else")


async def test_declined_card(localstripe: LocalStripe, stripe_client: stripe.StripeClient) -> None:
    async with webhook_receiver() as receiver:
        await localstripe.register_webhook(receiver.url, SECRET, ["payment_intent.payment_failed"])
        intent = await stripe_client.v1.payment_intents.create_async(CREATE_PARAMS)
        await stripe_client.v1.payment_intents.update_async(
            intent.id, {"payment_method": "pm_card_chargeCustomerFail"}
        )
        with pytest.raises(stripe.CardError) as declined:
            await stripe_client.v1.payment_intents.confirm_async(intent.id)
        hook = await receiver.wait_for("payment_intent.payment_failed")
        await localstripe.disable_webhook()

    assert declined.value.http_status == 402
    assert declined.value.code == "card_declined"
    after = await stripe_client.v1.payment_intents.retrieve_async(intent.id)
    assert after.status == "requires_payment_method"
    assert after.last_payment_error is not None
    assert after.last_payment_error.code == "card_declined"
    event = stripe.Webhook.construct_event(hook.body, hook.signature, SECRET)
    assert event.data.object.id == intent.id


async def test_own_signed_events_verify() -> None:
    refund = {"id": "re_test_1", "object": "refund", "amount": 9500, "currency": "eur",
              "payment_intent": "pi_test_1", "status": "succeeded", "metadata": {"order_id": "ord_42"}}
    for event_type, obj in (
        ("charge.refund.updated", refund),
        ("payment_intent.canceled", {"id": "pi_test_1", "object": "payment_intent", "status": "canceled",
                                     "metadata": {"order_id": "ord_42"}}),
    ):
        body = event_payload(event_type, obj)
        event = stripe.Webhook.construct_event(body, sign_payload(body, SECRET), SECRET)
        assert event.type == event_type
        assert event.data.object.metadata["order_id"] == "ord_42"
        assert event.id.startswith("evt_")


async def test_forged_or_stale_signatures_are_refused() -> None:
    body = event_payload("payment_intent.canceled", {"id": "pi_x", "object": "payment_intent"})
    tampered = body.replace(b"pi_x", b"pi_y")
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(tampered, sign_payload(body, SECRET), SECRET)
    stale = sign_payload(body, SECRET, timestamp=int(time.time()) - 3600)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body, stale, SECRET)
    assert json.loads(body)["data"]["object"]["id"] == "pi_x"


async def test_wipe_empties_the_store(localstripe: LocalStripe, stripe_client: stripe.StripeClient) -> None:
    intent = await stripe_client.v1.payment_intents.create_async(CREATE_PARAMS)
    await localstripe.wipe()
    with pytest.raises(stripe.InvalidRequestError):
        await stripe_client.v1.payment_intents.retrieve_async(intent.id)
