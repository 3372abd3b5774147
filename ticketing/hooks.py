"""What higher folders do when ticketing changes money, without ticketing importing them (docs/architecture.md,
"Layers"): a folder registers its hooks at start-up, as pretix does with signals.

- `order_paid(order_id, now)` runs inside the transaction that marks an order paid (invoicing issues the invoice
  there: a rolled-back payment leaves no invoice and burns no invoice number);
- `order_refunded(order_id, now)` runs inside the transaction that marks an order refunded (the credit note);
- `attachments(kind, order_id, role)` adds files to a ticketing mail when it is composed (the invoice PDF on the
  buyer's payment mail).

A mail of its own (an invoice for the employer's address, a credit note) a higher folder composes itself: it
registers a composer with notifications.outbox.

A hook that raises rolls its transaction back: the payment or refund is then applied again by the next webhook
delivery or the reconcile job, so nothing is lost. Registering the same function twice registers it once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content: bytes
    maintype: str
    subtype: str


OrderHook = Callable[[int, datetime], Awaitable[None]]
AttachmentHook = Callable[[str, int, str], Awaitable[list[Attachment]]]

_paid: list[OrderHook] = []
_refunded: list[OrderHook] = []
_attachments: list[AttachmentHook] = []


def on_order_paid(hook: OrderHook) -> OrderHook:
    if hook not in _paid:
        _paid.append(hook)
    return hook


def on_order_refunded(hook: OrderHook) -> OrderHook:
    if hook not in _refunded:
        _refunded.append(hook)
    return hook


def on_mail_attachments(hook: AttachmentHook) -> AttachmentHook:
    if hook not in _attachments:
        _attachments.append(hook)
    return hook


async def order_paid(order_id: int, now: datetime) -> None:
    for hook in _paid:
        await hook(order_id, now)


async def order_refunded(order_id: int, now: datetime) -> None:
    for hook in _refunded:
        await hook(order_id, now)


async def attachments(kind: str, order_id: int, role: str) -> list[Attachment]:
    found: list[Attachment] = []
    for hook in _attachments:
        found += await hook(kind, order_id, role)
    return found

