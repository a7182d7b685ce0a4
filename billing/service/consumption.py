"""A client's current period so far: time used against the retainer and the invoice it would make today."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from billing.rating.pricing import hours
from billing.schemas import Consumption
from billing.service.clients import load_client, next_month
from billing.service.invoice_lines import compute_period
from billing.tables import Invoice, InvoiceLine, InvoiceStatus
from retaguarda.clock import now
from retaguarda.tenancy import TenantContext, owning_client

ZERO = Decimal(0)


async def consumption(
    ctx: TenantContext, tenant_id: UUID | None = None, at: datetime | None = None
) -> Consumption:
    """Rated as the invoice would rate it (same contract, rounding, surcharges), over time not yet
    invoiced, from the start of the client's current month to ``at`` (now)."""
    client = await load_client(ctx, owning_client(ctx, tenant_id))
    at = at or now()
    start = client.today(at).replace(day=1)
    end = next_month(start)
    issued = await _issued_invoice(ctx, client.id, start)
    if issued is not None:
        return await _from_invoice(ctx, issued, end, at)
    computed = await compute_period(ctx, client, start, end, None, [], until=at)
    lines = computed.draft.lines
    # The month's own time: prior-period time does not use this month's retainer.
    own = [line for line in lines if line.kind == "hours" and not line.detail.get("priorPeriod")]
    raw = sum((line.raw_seconds for line in own), 0)
    billed = sum((line.billed_seconds for line in own), 0)
    retainer = computed.terms.retainer
    return Consumption(
        tenant_id=client.id,
        period_start=start,
        period_end=end,
        currency=computed.draft.currency,
        raw_hours=hours(raw),
        **_against_retainer(billed, retainer.included_hours if retainer else None),
        items=sum(int(line.quantity) for line in lines if line.kind == "items"),
        estimated_total_minor=computed.draft.total_minor,
        as_of=at,
    )


def _against_retainer(billed_seconds: int, included: Decimal | None) -> dict[str, Any]:
    """The hours billed, and what is left of (or beyond) the retainer's included hours, if there is one."""
    billed = hours(billed_seconds)
    return {
        "billed_hours": billed,
        "included_hours": included,
        "remaining_hours": max(ZERO, included - billed) if included is not None else None,
        "overage_hours": max(ZERO, billed - included) if included is not None else ZERO,
    }


async def _issued_invoice(ctx: TenantContext, client_id: UUID, start: date) -> dict[str, Any] | None:
    row = (
        await ctx.select(Invoice)
        .where(
            (Invoice.tenant_id == client_id)
            & (Invoice.period_start == start)
            & Invoice.status.is_in([InvoiceStatus.OPEN, InvoiceStatus.PAID, InvoiceStatus.UNCOLLECTIBLE])
        )
        .first()
    )
    return dict(row) if row else None


async def _from_invoice(ctx: TenantContext, invoice: dict[str, Any], end: date, at: datetime) -> Consumption:
    """The period as its issued invoice bills it: the same hours, items and total."""
    lines = await ctx.select(InvoiceLine).where(InvoiceLine.invoice_id == invoice["id"])
    own = [
        line for line in lines if line["kind"] == "hours" and not (line["detail"] or {}).get("priorPeriod")
    ]
    retainer = next((line for line in lines if line["kind"] == "retainer"), None)
    return Consumption(
        tenant_id=invoice["tenant_id"],
        period_start=invoice["period_start"],
        period_end=end,
        currency=invoice["currency"],
        raw_hours=hours(sum(line["raw_seconds"] for line in own)),
        **_against_retainer(
            sum(line["billed_seconds"] for line in own),
            Decimal(str(retainer["detail"]["includedHours"])) if retainer else None,
        ),
        items=sum(int(Decimal(line["quantity"])) for line in lines if line["kind"] == "items"),
        estimated_total_minor=invoice["total_minor"],
        as_of=at,
        invoice_id=invoice["id"],
        invoice_number=invoice["number"],
    )
