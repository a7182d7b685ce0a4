"""Our finalized invoices, issued in Stripe: a customer per client, the invoice item by item (amounts we
computed, in Stripe's minor units), finalized, then charged or sent.

Every call carries an idempotency key derived from our ids, and every Stripe id is saved as soon as it
exists, each in its own committed transaction: a job killed at any point and run again picks up where it
stopped, and a call it repeats is answered by Stripe with the first result. So a retried job never bills
twice.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any
from uuid import UUID

import stripe

from billing.labels import describe_line
from billing.rating.currency import stripe_item_amounts, to_stripe_amount
from billing.tables import BillingAccount, CreditNote, CreditNoteLine, Invoice, InvoiceLine, InvoiceStatus
from retaguarda.db import transaction
from retaguarda.i18n import normalize_locale
from retaguarda.settings import StripeSettings, get_settings
from retaguarda.tenancy import TenantContext, system_context
from tenants.tables import Tenant

log = logging.getLogger("billing.stripe")


@lru_cache(maxsize=4)
def _client(api_key: str, api_base: str) -> stripe.StripeClient:
    base: Any = {"api": api_base} if api_base else None
    return stripe.StripeClient(
        api_key,
        base_addresses=base,
        max_network_retries=2,
        http_client=stripe.HTTPXClient(),
    )


def stripe_client(settings: StripeSettings | None = None) -> stripe.StripeClient:
    settings = settings or get_settings().stripe
    return _client(settings.api_key, settings.api_base)


def _key(invoice_id: UUID, step: str) -> str:
    return f"retaguarda-invoice-{invoice_id}-{step}"


async def ensure_customer(ctx: TenantContext, tenant_id: UUID) -> str:
    account = await ctx.select(BillingAccount).where(BillingAccount.tenant_id == tenant_id).first()
    if account is not None:
        return str(account["stripe_customer_id"])
    tenant = await ctx.select(Tenant).where(Tenant.id == tenant_id).first()
    assert tenant is not None
    customer = await stripe_client().v1.customers.create_async(
        {
            "name": tenant["name"],
            "metadata": {"retaguarda_tenant_id": str(tenant_id), "slug": tenant["slug"]},
            "preferred_locales": [tenant["locale"].replace("_", "-")],
        },
        {"idempotency_key": f"retaguarda-customer-{tenant_id}"},
    )
    async with transaction():
        ctx.require(tenant_id)
        await BillingAccount.insert(  # scope: the job's context is fenced to this tenant (require above)
            BillingAccount(tenant_id=tenant_id, stripe_customer_id=customer.id)
        ).on_conflict(action="DO NOTHING")
    return str(customer.id)


async def _save(ctx: TenantContext, invoice_id: UUID, values: dict[Any, Any]) -> None:
    async with transaction():
        await ctx.update(Invoice, values).where(Invoice.id == invoice_id)


async def push_invoice(invoice_id: UUID, tenant_id: UUID) -> None:
    """Issue a finalized invoice in Stripe; safe to run again at any point."""
    if not get_settings().stripe.enabled:
        return
    ctx = system_context(tenant_id)
    invoice = await ctx.select(Invoice).where(Invoice.id == invoice_id).first()
    if invoice is None or invoice["status"] != "open" or invoice["stripe_status"] in {"sent", "charged"}:
        return
    client = stripe_client()
    currency = invoice["currency"]
    customer = await ensure_customer(ctx, tenant_id)
    stripe_id = invoice["stripe_invoice_id"]
    send = invoice["collection"] == "send_invoice"
    if stripe_id is None:
        params: dict[str, Any] = {
            "customer": customer,
            "currency": currency.lower(),
            "collection_method": invoice["collection"],
            "auto_advance": False,
            "description": invoice["number"],
            "metadata": {"retaguarda_invoice_id": str(invoice_id), "number": invoice["number"]},
        }
        if send:
            params["days_until_due"] = invoice["payment_terms_days"] or 1
        created = await client.v1.invoices.create_async(
            params,  # type: ignore[arg-type]
            {"idempotency_key": _key(invoice_id, "create")},
        )
        stripe_id = created.id
        await _save(ctx, invoice_id, {Invoice.stripe_invoice_id: stripe_id, Invoice.stripe_status: "draft"})
    if invoice["stripe_status"] in {None, "draft"}:
        await _add_items(ctx, client, invoice, customer, stripe_id)
        await client.v1.invoices.finalize_invoice_async(
            stripe_id, None, {"idempotency_key": _key(invoice_id, "finalize")}
        )
        await _save(ctx, invoice_id, {Invoice.stripe_status: "finalized"})
    if send:
        await client.v1.invoices.send_invoice_async(
            stripe_id, None, {"idempotency_key": _key(invoice_id, "send")}
        )
        await _save(ctx, invoice_id, {Invoice.stripe_status: "sent"})
    else:
        await client.v1.invoices.pay_async(stripe_id, None, {"idempotency_key": _key(invoice_id, "pay")})
        await _save(ctx, invoice_id, {Invoice.stripe_status: "charged"})


async def _add_items(
    ctx: TenantContext, client: stripe.StripeClient, invoice: dict[str, Any], customer: str, stripe_id: str
) -> None:
    """One Stripe invoice item per line that adds to the total (a tax already included in the prices does
    not), each keyed by our line id."""
    tenant = await ctx.select(Tenant, Tenant.locale).where(Tenant.id == invoice["tenant_id"]).first()
    locale = normalize_locale(tenant["locale"] if tenant else None) or "en"
    lines = (
        await ctx.select(InvoiceLine)
        .where(InvoiceLine.invoice_id == invoice["id"])
        .order_by(InvoiceLine.position)
    )
    currency = invoice["currency"]
    charged = [line for line in lines if not line["included"] and line["amount_minor"] != 0]
    # Three-decimal currencies: Stripe takes multiples of 10 fils per item; the invoice's total already is
    # one (its rounding line), and the items are spread over that total without changing it.
    amounts = stripe_item_amounts([line["amount_minor"] for line in charged], currency)
    for line, amount in zip(charged, amounts, strict=True):
        if amount == 0:
            continue
        description = describe_line(
            line["kind"],
            locale=locale,
            detail=line["detail"] or {},
            skill_level=line["skill_level"],
            category=line["category"],
            quantity=None,
            description=(line["detail"] or {}).get("description", ""),
        )
        await client.v1.invoice_items.create_async(
            {
                "customer": customer,
                "invoice": stripe_id,
                "amount": to_stripe_amount(amount, currency),
                "currency": currency.lower(),
                "description": description[:500],
                "metadata": {"retaguarda_line_id": str(line["id"])},
            },
            {"idempotency_key": _key(invoice["id"], f"line-{line['id']}")},
        )


async def void_in_stripe(invoice_id: UUID, tenant_id: UUID) -> None:
    if not get_settings().stripe.enabled:
        return
    ctx = system_context(tenant_id)
    invoice = await ctx.select(Invoice).where(Invoice.id == invoice_id).first()
    if invoice is None or invoice["stripe_invoice_id"] is None or invoice["stripe_status"] == "void":
        return
    client = stripe_client()
    remote = await client.v1.invoices.retrieve_async(invoice["stripe_invoice_id"])
    if remote.status == "draft":
        await client.v1.invoices.delete_async(invoice["stripe_invoice_id"])
    elif remote.status in {"open", "uncollectible"}:
        await client.v1.invoices.void_invoice_async(
            invoice["stripe_invoice_id"], None, {"idempotency_key": _key(invoice_id, "void")}
        )
    await _save(ctx, invoice_id, {Invoice.stripe_status: "void"})


# Our reasons in Stripe's words, where Stripe has one (the memo carries the rest).
STRIPE_CREDIT_REASONS = {"duplicate": "duplicate", "service_issue": "product_unsatisfactory"}


async def push_credit_note(credit_note_id: UUID, tenant_id: UUID) -> None:
    """Issue our credit note against its Stripe invoice; safe to run again (keyed by our id)."""
    if not get_settings().stripe.enabled:
        return
    ctx = system_context(tenant_id)
    note = await ctx.select(CreditNote).where(CreditNote.id == credit_note_id).first()
    if note is None or note["stripe_credit_note_id"]:
        return
    invoice = await ctx.select(Invoice).where(Invoice.id == note["invoice_id"]).first()
    if invoice is None or not invoice["stripe_invoice_id"]:
        return
    lines = await ctx.select(CreditNoteLine).where(CreditNoteLine.credit_note_id == credit_note_id)
    currency = note["currency"]
    params: dict[str, Any] = {
        "invoice": invoice["stripe_invoice_id"],
        "lines": [
            {
                "type": "custom_line_item",
                "description": (line["description"] or note["number"])[:500],
                "quantity": 1,
                "unit_amount": to_stripe_amount(line["amount_minor"], currency),
            }
            for line in sorted(lines, key=lambda row: row["position"])
        ],
        "memo": note["memo"][:500] or note["number"],
        "metadata": {"retaguarda_credit_note_id": str(credit_note_id), "number": note["number"]},
    }
    if note["reason"] in STRIPE_CREDIT_REASONS:
        params["reason"] = STRIPE_CREDIT_REASONS[note["reason"]]
    if invoice["status"] == InvoiceStatus.PAID:
        # Paid: the credit goes to the customer's balance, for the next invoice (a refund is Stripe's own).
        params["credit_amount"] = to_stripe_amount(note["total_minor"], currency)
    created = await stripe_client().v1.credit_notes.create_async(
        params,  # type: ignore[arg-type]
        {"idempotency_key": f"retaguarda-credit-note-{credit_note_id}"},
    )
    async with transaction():
        await ctx.update(CreditNote, {CreditNote.stripe_credit_note_id: created.id}).where(
            CreditNote.id == credit_note_id
        )
