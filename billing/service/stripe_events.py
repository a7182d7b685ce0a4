"""Stripe's webhooks: verified on the raw body, stored once by Stripe's event id, applied by a job.

The endpoint does no more than verify, store and enqueue, so it answers Stripe within milliseconds; the job
reloads the stored event and applies it to our invoice. Stripe may deliver an event twice, or events out of
order: a duplicate is ignored at the door, and a state change never moves an invoice backwards (a late
``payment_failed`` does not undo ``paid``).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import stripe

from billing.rating.currency import from_stripe_amount
from billing.service.invoices import release_invoice
from billing.tables import Invoice, StripeEvent
from retaguarda.errors import DomainError, NotFound
from retaguarda.i18n import N_
from retaguarda.jobs import enqueue
from retaguarda.settings import get_settings
from retaguarda.tenancy import system_context

log = logging.getLogger("billing.stripe_events")
TOLERANCE_S = 300
HANDLED = frozenset(
    {
        "invoice.paid",
        "invoice.payment_succeeded",
        "invoice.payment_failed",
        "invoice.voided",
        "invoice.marked_uncollectible",
        "charge.refunded",
    }
)


class InvalidSignature(DomainError):
    status = 400
    code = "invalid_signature"
    title = N_("The webhook signature is not valid.")


async def receive_event(payload: bytes, signature: str | None) -> bool:
    """Verify and store one delivery; True when the event is new (and its job was enqueued)."""
    settings = get_settings().stripe
    if not settings.webhook_secret:
        raise NotFound("Stripe webhooks are not configured.")
    try:
        stripe.WebhookSignature.verify_header(payload, signature, settings.webhook_secret, TOLERANCE_S)
        event = json.loads(payload)
        event_id, event_type = str(event["id"]), str(event["type"])
    except (stripe.SignatureVerificationError, ValueError, KeyError, TypeError) as exc:
        raise InvalidSignature(str(exc)[:200]) from exc
    inserted = (
        await StripeEvent.insert(
            StripeEvent(id=uuid4(), stripe_id=event_id, type=event_type, payload=payload.decode())
        )
        .on_conflict(action="DO NOTHING")
        .returning(StripeEvent.id)
    )
    if not inserted:
        return False
    if event_type in HANDLED:
        await enqueue("billing.apply_stripe_event", stripe_event_id=event_id)
    return True


def _payment_intent(invoice: dict[str, Any]) -> str | None:
    """Today's API names the payment under ``payments``; older versions had ``payment_intent``."""
    if isinstance(invoice.get("payment_intent"), str):
        return str(invoice["payment_intent"])
    for payment in (invoice.get("payments") or {}).get("data", []):
        intent = (payment.get("payment") or {}).get("payment_intent")
        if isinstance(intent, str):
            return intent
    return None


async def _find_invoice(obj: dict[str, Any], event_type: str) -> dict[str, Any] | None:
    if event_type.startswith("invoice."):
        ours = (obj.get("metadata") or {}).get("retaguarda_invoice_id")
        condition: Any = Invoice.stripe_invoice_id == obj.get("id")
        if ours:
            condition = condition | (Invoice.id == UUID(ours))
    else:
        intent = obj.get("payment_intent")
        if not intent:
            return None
        condition = Invoice.stripe_payment_intent_id == intent
    # scope: a Stripe event names no tenant; the row found names it, and the update is fenced to it
    row = await system_context().select(Invoice).where(condition).first()
    return dict(row) if row else None


async def apply_event(stripe_event_id: str) -> str:
    """Apply a stored event to our invoice; returns what happened (kept on the event row)."""
    stored = await StripeEvent.select().where(StripeEvent.stripe_id == stripe_event_id).first()
    if stored is None or stored["processed_at"] is not None:
        return "done"
    event = json.loads(stored["payload"])
    obj = event["data"]["object"]
    invoice = await _find_invoice(obj, event["type"])
    outcome = "unknown_invoice" if invoice is None else await _apply(event["type"], obj, invoice)
    await StripeEvent.update(
        {StripeEvent.processed_at: datetime.now(UTC), StripeEvent.outcome: outcome}
    ).where(StripeEvent.stripe_id == stripe_event_id)
    return outcome


async def _apply(event_type: str, obj: dict[str, Any], invoice: dict[str, Any]) -> str:
    ctx = system_context(invoice["tenant_id"])
    status = invoice["status"]
    at = datetime.now(UTC)
    values: dict[Any, Any] = {}
    if event_type in {"invoice.paid", "invoice.payment_succeeded"}:
        if status in {"open", "uncollectible"}:
            values = {Invoice.status: "paid", Invoice.paid_at: at, Invoice.stripe_status: "paid"}
            intent = _payment_intent(obj)
            if intent:
                values[Invoice.stripe_payment_intent_id] = intent
    elif event_type == "invoice.payment_failed":
        if status == "open":
            values = {Invoice.payment_failed_at: at}
    elif event_type == "invoice.voided":
        if status in {"open", "uncollectible", "draft"}:
            values = {Invoice.status: "void", Invoice.voided_at: at, Invoice.stripe_status: "void"}
            values[Invoice.void_reason] = invoice["void_reason"] or "Voided in Stripe"
            await release_invoice(ctx, invoice["id"])
    elif event_type == "invoice.marked_uncollectible":
        if status == "open":
            values = {Invoice.status: "uncollectible", Invoice.stripe_status: "uncollectible"}
    elif event_type == "charge.refunded":
        refunded = from_stripe_amount(int(obj.get("amount_refunded") or 0), invoice["currency"])
        if refunded > invoice["refunded_minor"]:
            values = {Invoice.refunded_minor: min(refunded, invoice["total_minor"])}
    if not values:
        return "ignored"
    values[Invoice.updated_at] = at
    await ctx.update(Invoice, values).where(Invoice.id == invoice["id"])
    return "applied"
