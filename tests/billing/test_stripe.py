"""Stripe through the real SDK against localstripe, and Stripe's webhooks signed by the SDK's helper."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import date
from typing import Any
from uuid import UUID

import pytest
import stripe

from billing.rating.currency import to_stripe_amount
from billing.service import stripe_sync
from billing.tables import BillingAccount, Invoice, StripeEvent
from retaguarda.db import transaction
from retaguarda.jobs import run_outbox_job
from retaguarda.kernel.tables import OutboxJob
from retaguarda.settings import get_settings
from tests.billing.builders import add_contract, add_work, at
from tests.billing.conftest import WEBHOOK_SECRET
from tests.support.work import Floor
from tests.support.world import World


async def _finalized(
    world: World, floor: Floor, tenant_id: UUID, terms: dict[str, Any] | None = None
) -> dict[str, Any]:
    admin = await world.sign_in("admin")
    await add_contract(admin, tenant_id, terms)
    await add_work(floor, tenant_id, at(date(2026, 10, 6), 10), 5400)
    await add_work(floor, tenant_id, at(date(2026, 10, 10), 10), 1800)  # a Saturday
    run = await admin.post(
        "/api/v1/billing/invoices/runs", json={"tenantId": str(tenant_id), "month": "2026-10"}
    )
    finalized = await admin.post(f"/api/v1/billing/invoices/{run.json()['id']}/finalize")
    assert finalized.status_code == 200, finalized.text
    return finalized.json()  # type: ignore[no-any-return]


async def _stripe_invoices(tenant_id: UUID) -> list[Any]:
    account = await BillingAccount.select().where(BillingAccount.tenant_id == tenant_id).first()
    assert account is not None
    client = stripe_sync.stripe_client()
    listed = await client.v1.invoices.list_async({"customer": account["stripe_customer_id"]})
    return list(listed.data)


def test_stripe_amounts_use_stripe_exponents() -> None:
    assert to_stripe_amount(1234, "BRL") == 1234
    assert to_stripe_amount(1500, "JPY") == 1500
    assert to_stripe_amount(12345, "KWD") == 12345
    assert to_stripe_amount(500, "ISK") == 50000  # ISK: whole krónur, sent two-decimal


async def test_finalize_issues_the_invoice_in_stripe(world: World, floor: Floor, stripe_on: str) -> None:
    invoice = await _finalized(
        world, floor, world.client_a.id, {"surcharges": {"weekend": "1.5"}, "tax": {"ratePercent": "10"}}
    )
    await world.settle_jobs()
    row = await Invoice.select().where(Invoice.id == UUID(invoice["id"])).first()
    assert row is not None and row["stripe_status"] == "sent" and row["stripe_invoice_id"]
    remote = await _stripe_invoices(world.client_a.id)
    assert len(remote) == 1
    assert remote[0].status == "open" and remote[0].total == invoice["totalMinor"] == 24750
    assert remote[0].metadata["retaguarda_invoice_id"] == invoice["id"]
    lines = await stripe_sync.stripe_client().v1.invoices.line_items.list_async(remote[0].id)
    assert sorted(line.amount for line in lines.data) == sorted(
        line["amountMinor"] for line in invoice["lines"] if line["amountMinor"] and not line["included"]
    )


async def test_zero_decimal_currency_in_stripe(world: World, floor: Floor, stripe_on: str) -> None:
    from tenants.tables import Tenant

    await Tenant.update({Tenant.currency: "JPY"}).where(Tenant.id == world.client_b.id)
    invoice = await _finalized(world, floor, world.client_b.id, {"defaultHourlyRate": "3333"})
    assert invoice["currency"] == "JPY"
    assert invoice["totalMinor"] == 6666  # 2 h x 3333 yen
    await world.settle_jobs()
    remote = await _stripe_invoices(world.client_b.id)
    assert [(r.currency, r.total) for r in remote] == [("jpy", 6666)]


async def test_invoice_job_killed_mid_run_bills_once(
    world: World, floor: Floor, stripe_on: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The job dies right after Stripe created the invoice, before our row learnt its id (the worst moment),
    and again after Stripe finalized it; the outbox runs it again each time: one Stripe invoice, each line
    once, finalized once."""
    real_save = stripe_sync._save
    crash_on = {"draft", "finalized"}

    async def killed_before_saving(ctx: Any, invoice_id: UUID, values: dict[Any, Any]) -> None:
        status = values.get(Invoice.stripe_status)
        if status in crash_on:
            crash_on.discard(status)
            raise RuntimeError("worker killed")
        await real_save(ctx, invoice_id, values)

    monkeypatch.setattr(stripe_sync, "_save", killed_before_saving)
    invoice = await _finalized(world, floor, world.client_a.id, {"surcharges": {"weekend": "1.5"}})
    # What redelivery does, without waiting for the backoff (the app's own runner may take a turn too).
    for _ in range(20):
        rows = await OutboxJob.select(OutboxJob.id).where(OutboxJob.job == "billing.push_invoice")
        if not rows:
            break
        for job_row in rows:
            await run_outbox_job(job_row["id"])
        await asyncio.sleep(0.05)
    assert not crash_on
    row = await Invoice.select().where(Invoice.id == UUID(invoice["id"])).first()
    assert row is not None and row["stripe_status"] == "sent"
    remote = await _stripe_invoices(world.client_a.id)
    assert len(remote) == 1
    assert remote[0].total == invoice["totalMinor"] and remote[0].status == "open"
    lines = await stripe_sync.stripe_client().v1.invoices.line_items.list_async(remote[0].id)
    assert len(lines.data) == len([line for line in invoice["lines"] if line["amountMinor"]])


async def test_charge_automatically_pays_with_the_saved_card(
    world: World, floor: Floor, stripe_on: str
) -> None:
    """A client paying by card: its Stripe customer has a saved default payment method (Stripe's test card
    ``pm_card_visa``), so finalizing charges the invoice instead of sending it."""
    a = world.client_a.id
    client = stripe_sync.stripe_client()
    customer = await client.v1.customers.create_async({"name": "Client A"})
    await client.v1.payment_methods.attach_async("pm_card_visa", {"customer": customer.id})
    await client.v1.customers.update_async(
        customer.id, {"invoice_settings": {"default_payment_method": "pm_card_visa"}}
    )
    async with transaction():
        await BillingAccount(tenant_id=a, stripe_customer_id=customer.id).save()
    invoice = await _finalized(
        world,
        floor,
        a,
        {"paymentTerms": {"collection": "charge_automatically"}, "tax": {"ratePercent": "10"}},
    )
    await world.settle_jobs()
    row = await Invoice.select().where(Invoice.id == UUID(invoice["id"])).first()
    assert row is not None and row["collection"] == "charge_automatically"
    assert row["stripe_status"] == "charged"
    remote = await _stripe_invoices(a)
    assert len(remote) == 1
    assert remote[0].collection_method == "charge_automatically"
    assert remote[0].status == "paid" and remote[0].amount_paid == invoice["totalMinor"] == 22000


async def test_stripe_off_still_invoices(world: World, floor: Floor) -> None:
    assert not get_settings().stripe.enabled
    invoice = await _finalized(world, floor, world.client_a.id)
    await world.settle_jobs()
    row = await Invoice.select().where(Invoice.id == UUID(invoice["id"])).first()
    assert row is not None and row["status"] == "open" and row["stripe_invoice_id"] is None


def _signed(event: dict[str, Any], secret: str = WEBHOOK_SECRET) -> tuple[str, dict[str, str]]:
    payload = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(payload, secret)
    return payload, {"Stripe-Signature": header, "Content-Type": "application/json"}


def _event(event_id: str, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": event_id,
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": int(time.time()),
        "type": kind,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "data": {"object": obj},
    }


async def test_webhooks_verify_store_once_and_apply(world: World, floor: Floor, webhooks_on: None) -> None:
    invoice = await _finalized(world, floor, world.client_a.id)
    async with transaction():
        await Invoice.update({Invoice.stripe_invoice_id: "in_test_1"}).where(
            Invoice.id == UUID(invoice["id"])
        )
    anonymous = world.anonymous()
    paid = {
        "id": "in_test_1",
        "object": "invoice",
        "status": "paid",
        "metadata": {"retaguarda_invoice_id": invoice["id"]},
        "payments": {
            "object": "list",
            "data": [{"payment": {"type": "payment_intent", "payment_intent": "pi_1"}}],
        },
    }
    payload, headers = _signed(_event("evt_1", "invoice.paid", paid))
    first = await anonymous.post("/webhooks/stripe", content=payload, headers=headers)
    assert first.status_code == 200, first.text
    assert first.json() == {"received": True, "duplicate": False}
    again = await anonymous.post("/webhooks/stripe", content=payload, headers=headers)
    assert again.json() == {"received": True, "duplicate": True}
    forged, forged_headers = _signed(_event("evt_2", "invoice.voided", paid), secret="whsec_wrong")
    rejected = await anonymous.post("/webhooks/stripe", content=forged, headers=forged_headers)
    assert rejected.status_code == 400 and rejected.json()["code"] == "invalid_signature"
    tampered = await anonymous.post(
        "/webhooks/stripe", content=payload.replace("paid", "void"), headers=headers
    )
    assert tampered.status_code == 400
    await world.settle_jobs()
    assert await StripeEvent.count() == 1
    row = await Invoice.select().where(Invoice.id == UUID(invoice["id"])).first()
    assert row is not None and row["status"] == "paid" and row["stripe_payment_intent_id"] == "pi_1"
    # A late failure does not undo the payment; a refund is recorded against the total.
    late, late_headers = _signed(_event("evt_3", "invoice.payment_failed", paid))
    await anonymous.post("/webhooks/stripe", content=late, headers=late_headers)
    refund = {
        "id": "ch_1",
        "object": "charge",
        "payment_intent": "pi_1",
        "amount_refunded": 5000,
        "refunded": False,
    }
    refunded, refund_headers = _signed(_event("evt_4", "charge.refunded", refund))
    await anonymous.post("/webhooks/stripe", content=refunded, headers=refund_headers)
    await world.settle_jobs()
    a_admin = await world.sign_in("a_admin")
    seen = (await a_admin.get(f"/api/v1/billing/invoices/{invoice['id']}")).json()
    assert seen["status"] == "paid" and seen["refundedMinor"] == 5000
    assert seen["paymentStatus"] == "partially_refunded"


async def test_webhook_void_and_uncollectible(world: World, floor: Floor, webhooks_on: None) -> None:
    invoice = await _finalized(world, floor, world.client_a.id)
    anonymous = world.anonymous()
    obj = {"id": "in_x", "object": "invoice", "metadata": {"retaguarda_invoice_id": invoice["id"]}}
    payload, headers = _signed(_event("evt_u", "invoice.marked_uncollectible", obj))
    await anonymous.post("/webhooks/stripe", content=payload, headers=headers)
    await world.settle_jobs()
    row = await Invoice.select().where(Invoice.id == UUID(invoice["id"])).first()
    assert row is not None and row["status"] == "uncollectible"
    payload, headers = _signed(_event("evt_v", "invoice.voided", obj))
    await anonymous.post("/webhooks/stripe", content=payload, headers=headers)
    await world.settle_jobs()
    row = await Invoice.select().where(Invoice.id == UUID(invoice["id"])).first()
    assert row is not None and row["status"] == "void"


async def test_webhooks_off_answer_404(world: World) -> None:
    response = await world.anonymous().post("/webhooks/stripe", content=b"{}")
    assert response.status_code == 404


@pytest.mark.parametrize("currency", ["KWD", "BHD"])
async def test_three_decimal_currency_is_charged_in_tens_of_fils(
    world: World, floor: Floor, stripe_on: str, currency: str
) -> None:
    """Stripe takes only multiples of 10 in BHD, JOD, KWD, OMR and TND: the invoice's total is rounded once,
    shown on a rounding line, and every item sent to Stripe is a multiple of 10 adding up to that total."""
    from tenants.tables import Tenant

    await Tenant.update({Tenant.currency: currency}).where(Tenant.id == world.client_b.id)
    # 1.5 h and 0.5 h at 33.333 (3 decimals): 49.9995 and 16.6665, rounded half to even per line.
    invoice = await _finalized(world, floor, world.client_b.id, {"defaultHourlyRate": "33.333"})
    assert invoice["currency"] == currency
    charged = [line for line in invoice["lines"] if not line["included"]]
    assert sum(line["amountMinor"] for line in charged) == invoice["totalMinor"]
    assert invoice["totalMinor"] % 10 == 0
    rounding = [line for line in charged if line["kind"] == "rounding"]
    assert len(rounding) == 1 and abs(rounding[0]["amountMinor"]) <= 5
    await world.settle_jobs()
    remote = await _stripe_invoices(world.client_b.id)
    assert [(r.currency, r.total) for r in remote] == [(currency.lower(), invoice["totalMinor"])]
    items = await stripe_sync.stripe_client().v1.invoices.line_items.list_async(remote[0].id)
    assert items.data and all(item.amount % 10 == 0 for item in items.data)
    assert sum(item.amount for item in items.data) == invoice["totalMinor"]


async def test_a_total_stripe_cannot_charge_is_refused_before_anything_is_sent(
    world: World, floor: Floor, stripe_on: str
) -> None:
    admin = await world.sign_in("admin")
    await add_contract(admin, world.client_a.id, {"defaultHourlyRate": "0.40"})
    await add_work(floor, world.client_a.id, at(date(2026, 10, 6), 10), 3600)  # 1 h at R$ 0,40
    run = await admin.post(
        "/api/v1/billing/invoices/runs", json={"tenantId": str(world.client_a.id), "month": "2026-10"}
    )
    refused = await admin.post(f"/api/v1/billing/invoices/{run.json()['id']}/finalize")
    assert refused.status_code == 409, refused.text
    assert refused.json()["errors"][0]["code"] == "below_minimum_charge"
    row = await Invoice.select().where(Invoice.id == UUID(run.json()["id"])).first()
    assert row is not None and row["status"] == "draft" and row["number"] is None
    assert not await OutboxJob.exists().where(OutboxJob.job == "billing.push_invoice")
