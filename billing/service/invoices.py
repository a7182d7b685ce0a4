"""The invoice lifecycle: build (or rebuild) a period's draft, adjust it, finalize it (which locks the time
and tasks it covers and hands it to Stripe), void it (which releases them for a re-issue)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from piccolo.query import WhereRaw

from billing.rating.currency import minimum_charge_minor
from billing.rating.model import Adjustment
from billing.schemas import AdjustmentCreate, InvoiceDetail, InvoiceRun
from billing.service.clients import Client, load_client, month_bounds
from billing.service.collect import LATE_ENTRIES_UPDATE
from billing.service.invoice_lines import (
    FINALIZED,
    compute_period,
    invoice_totals,
    stored_adjustments,
    write_lines,
    write_period,
)
from billing.service.numbering import Series, next_number
from billing.service.reads import get_invoice, invoice_row, list_invoices
from billing.tables import Invoice, InvoicedTask, InvoiceLine, InvoiceStatus
from retaguarda import audit
from retaguarda.audit import AuditAction, Target
from retaguarda.clock import now
from retaguarda.errors import Conflict, FieldError, InvalidInput
from retaguarda.i18n import format_money, minor_unit_digits
from retaguarda.jobs import enqueue
from retaguarda.settings import get_settings
from retaguarda.tenancy import TenantContext, owning_client
from retaguarda.work.tables import TimeEntry

MAX_PERIOD_DAYS = 366
MAX_ADJUSTMENT = Decimal("1e10")

__all__ = [
    "add_adjustment",
    "finalize_invoice",
    "get_invoice",
    "list_invoices",
    "run_period",
    "void_invoice",
]


def _period(data: InvoiceRun) -> tuple[date, date]:
    if data.month is not None:
        if data.period_start is not None or data.period_end is not None:
            raise InvalidInput(
                errors=[FieldError("month", "conflict", "Give a month or a period, not both.")]
            )
        return month_bounds(data.month)
    if data.period_start is None or data.period_end is None:
        raise InvalidInput(
            errors=[FieldError("month", "required", "Give a month, or periodStart and periodEnd.")]
        )
    if data.period_end <= data.period_start:
        raise InvalidInput(
            errors=[FieldError("periodEnd", "before_start", "The end must be after the start.")]
        )
    if (data.period_end - data.period_start).days > MAX_PERIOD_DAYS:
        raise InvalidInput(errors=[FieldError("periodEnd", "too_long", "A period lasts at most a year.")])
    return data.period_start, data.period_end


async def run_period(ctx: TenantContext, data: InvoiceRun) -> InvoiceDetail:
    client = await load_client(ctx, owning_client(ctx, data.tenant_id))
    start, end = _period(data)
    if start > client.today():
        raise InvalidInput(
            errors=[FieldError("periodStart", "in_the_future", "This period has not started.")]
        )
    invoice_id = await draft_for_period(ctx, client, start, end)
    return await get_invoice(ctx, invoice_id)


async def _current(ctx: TenantContext, client: Client, start: date) -> dict[str, Any] | None:
    row = (
        await ctx.select(Invoice, Invoice.id, Invoice.status, Invoice.period_end)
        .where(
            (Invoice.tenant_id == client.id)
            & (Invoice.period_start == start)
            & (Invoice.status != InvoiceStatus.VOID)
        )
        .first()
    )
    return dict(row) if row else None


async def _period_invoices(
    ctx: TenantContext, client: Client, start: date, end: date
) -> list[dict[str, Any]]:
    """In one query: the client's invoices of this period start (the current one, the voided ones it may
    replace), those whose period overlaps it, and the finalized ones before it (prior-period time)."""
    rows = await ctx.select(
        Invoice,
        Invoice.id,
        Invoice.status,
        Invoice.period_start,
        Invoice.period_end,
        Invoice.starts_at,
        Invoice.created_at,
    ).where(
        (Invoice.tenant_id == client.id)
        & (
            (Invoice.period_start == start)
            | ((Invoice.period_start < end) & (Invoice.period_end > start))
            | ((Invoice.period_end <= start) & Invoice.status.is_in(list(FINALIZED)))
        )
    )
    return [dict(row) for row in rows]


async def draft_for_period(
    ctx: TenantContext, client: Client, start: date, end: date, *, created_by: UUID | None = None
) -> UUID:
    """The period's invoice id: its draft rebuilt, or a new draft; an invoice already finalized is left as it
    is. Running a period twice, or two runs at once, never makes two invoices (a partial unique index)."""
    rows = await _period_invoices(ctx, client, start, end)
    since = min(
        (row["starts_at"] for row in rows if row["status"] in FINALIZED and row["period_end"] <= start),
        default=None,
    )
    rows = [row for row in rows if row["period_end"] > start or row["period_start"] == start]
    live = [row for row in rows if row["status"] != "void"]
    current = next((row for row in live if row["period_start"] == start), None)
    if current is not None and current["period_end"] != end:
        raise Conflict(
            errors=[FieldError("periodEnd", "mismatch", "This period has an invoice with another end.")]
        )
    if current is not None and current["status"] != "draft":
        return UUID(str(current["id"]))
    if any(row["period_start"] != start for row in live):
        raise Conflict(
            errors=[FieldError("periodStart", "overlap", "Another invoice covers part of this period.")]
        )
    if current is not None:
        invoice_id: UUID = current["id"]
        adjustments = await stored_adjustments(ctx, invoice_id)
        computed = await compute_period(ctx, client, start, end, invoice_id, adjustments, prior_since=since)
        await write_period(ctx, invoice_id, client, computed)
        return invoice_id
    voided = [row for row in rows if row["status"] == "void" and row["period_start"] == start]
    replaced = max(voided, key=lambda row: row["created_at"], default=None)
    # A new draft has no adjustments and no time locked to it yet: rate first, then insert the invoice with
    # its totals and its lines. Two runs at once both rate; the unique index lets one insert, and the other
    # returns the winner's invoice (ON CONFLICT waits for the winner's transaction, so it is complete).
    computed = await compute_period(ctx, client, start, end, None, [], prior_since=since)
    ctx.require(client.id)
    inserted = (
        await Invoice.insert(  # scope: the client was loaded through ctx (ctx.require above)
            Invoice(
                id=uuid4(),
                tenant_id=client.id,
                period_start=start,
                period_end=end,
                starts_at=client.instant(start),
                ends_at=client.instant(end),
                replaces_id=replaced["id"] if replaced else None,
                created_by=created_by or ctx.principal.user_id,
                **invoice_totals(computed),
            )
        )
        .on_conflict(action="DO NOTHING")
        .returning(Invoice.id)
    )
    if not inserted:
        current = await _current(ctx, client, start)
        assert current is not None
        return UUID(str(current["id"]))
    invoice_id = inserted[0]["id"]
    await write_lines(ctx, invoice_id, client, computed.draft)
    return invoice_id


async def _draft_invoice(ctx: TenantContext, invoice_id: UUID) -> tuple[dict[str, Any], Client]:
    row = await invoice_row(ctx, invoice_id)
    if row["status"] != "draft":
        raise Conflict("Only a draft can change; void the invoice and re-issue it instead.")
    return row, await load_client(ctx, row["tenant_id"])


async def add_adjustment(ctx: TenantContext, invoice_id: UUID, data: AdjustmentCreate) -> InvoiceDetail:
    row, client = await _draft_invoice(ctx, invoice_id)
    digits = minor_unit_digits(str(row["currency"]))
    amount = data.amount
    if not amount.is_finite() or abs(amount) >= MAX_ADJUSTMENT or amount == 0:
        raise InvalidInput(
            errors=[FieldError("amount", "out_of_range", "Use a non-zero amount below 10^10.")]
        )
    if amount != amount.quantize(Decimal(1).scaleb(-digits)):
        raise InvalidInput(
            errors=[
                FieldError("amount", "precision", f"{row['currency']} amounts have {digits} decimal places.")
            ]
        )
    adjustments = await stored_adjustments(ctx, invoice_id)
    adjustments.append(Adjustment(amount, data.reason, data.description, str(ctx.principal.user_id or "")))
    computed = await compute_period(
        ctx,
        client,
        row["period_start"],
        row["period_end"],
        invoice_id,
        adjustments,
    )
    await write_period(ctx, invoice_id, client, computed)
    await audit.record(
        ctx,
        AuditAction.INVOICE_ADJUSTED,
        tenant_id=client.id,
        target=_invoice_target(invoice_id, row),
        details={
            "amount": str(amount),
            "currency": row["currency"],
            "reason": data.reason,
            "description": data.description,
            "totalMinor": computed.draft.total_minor,
        },
    )
    return await get_invoice(ctx, invoice_id)


def _invoice_target(invoice_id: UUID, row: dict[str, Any], number: str | None = None) -> Target:
    """An invoice as people know it: its number once it has one, else its period."""
    return Target("invoice", invoice_id, number or row["number"] or f"{row['period_start']:%Y-%m}")


async def finalize_invoice(ctx: TenantContext, invoice_id: UUID) -> InvoiceDetail:
    """Lock the period's chargeable time for this invoice, rate exactly what was locked, number the
    invoice and hand it to Stripe (after commit, by a job). Locking first means an entry closing concurrently
    is either in this invoice and its lines, or in neither."""
    row, client = await _draft_invoice(ctx, invoice_id)
    start, end = row["period_start"], row["period_end"]
    computed = await compute_period(
        ctx,
        client,
        start,
        end,
        invoice_id,
        await stored_adjustments(ctx, invoice_id),
    )
    first_version = computed.versions.versions[0].starts_at
    await ctx.update(TimeEntry, {TimeEntry.invoice_id: invoice_id}).where(
        (TimeEntry.tenant_id == client.id)
        & (TimeEntry.started_at >= max(computed.starts_at, first_version))
        & (TimeEntry.started_at < computed.ends_at)
        & (TimeEntry.billable == True)  # noqa: E712
        & TimeEntry.ended_at.is_not_null()
        & TimeEntry.invoice_id.is_null()
    )
    if computed.prior_since is not None:
        await ctx.update(TimeEntry, {TimeEntry.invoice_id: invoice_id}).where(
            (TimeEntry.tenant_id == client.id)
            & (TimeEntry.started_at >= max(computed.prior_since, first_version))
            & (TimeEntry.started_at < computed.starts_at)
            & (TimeEntry.billable == True)  # noqa: E712
            & TimeEntry.ended_at.is_not_null()
            & TimeEntry.invoice_id.is_null()
            & WhereRaw(LATE_ENTRIES_UPDATE)
        )
    computed = await compute_period(
        ctx,
        client,
        start,
        end,
        invoice_id,
        await stored_adjustments(ctx, invoice_id),
        finalizing=True,
        attainment=computed.draft.attainment,
        measure_attainment=False,
        prior_since=computed.prior_since,
    )
    if computed.draft.total_minor < 0:
        raise Conflict("The total is negative: reduce the adjustments (credit notes are not issued).")
    if computed.item_task_ids:
        ctx.require(client.id)
        await InvoicedTask.insert(  # scope: the client was loaded through ctx (ctx.require above)
            *(
                InvoicedTask(id=uuid4(), tenant_id=client.id, invoice_id=invoice_id, task_id=t)
                for t in computed.item_task_ids
            )
        )
    total = computed.draft.total_minor
    if total > 0 and get_settings().stripe.enabled:
        refuse_uncollectable(total, computed.draft.currency)
    await write_period(ctx, invoice_id, client, computed)
    issued = now()
    number = await next_number(Series.INVOICE, client.today(issued).year)
    await ctx.update(
        Invoice,
        {
            Invoice.status: "open" if total > 0 else "paid",
            Invoice.number: number,
            Invoice.finalized_at: issued,
            Invoice.finalized_by: ctx.principal.user_id,
            Invoice.paid_at: None if total > 0 else issued,
            Invoice.due_date: client.today(issued) + timedelta(days=computed.terms.payment_terms.days),
        },
    ).where(Invoice.id == invoice_id)
    await audit.record(
        ctx,
        AuditAction.INVOICE_FINALIZED,
        tenant_id=client.id,
        target=_invoice_target(invoice_id, row, number),
        details={"totalMinor": total, "currency": row["currency"]},
    )
    await enqueue("billing.archive_invoice_pdf", tenant_id=client.id, invoice_id=str(invoice_id))
    if total > 0 and get_settings().stripe.enabled:
        await enqueue("billing.push_invoice", tenant_id=client.id, invoice_id=str(invoice_id))
    return await get_invoice(ctx, invoice_id)


def refuse_uncollectable(total_minor: int, currency: str) -> None:
    """Stripe refuses a charge below its minimum for the currency: say so before anything is sent."""
    minimum = minimum_charge_minor(currency)
    if minimum is not None and total_minor < minimum:
        shown = format_money(minimum, currency, "en")
        raise Conflict(
            f"Stripe cannot collect less than {shown}: add to this invoice or carry it to the next period.",
            errors=[FieldError("total", "below_minimum_charge", f"The total is below {shown}.")],
        )


async def release_invoice(ctx: TenantContext, invoice_id: UUID) -> None:
    """Unlock the time and tasks of a voided invoice, so a re-issue can bill them."""
    await ctx.update(TimeEntry, {TimeEntry.invoice_id: None}).where(TimeEntry.invoice_id == invoice_id)
    await ctx.delete(InvoicedTask).where(InvoicedTask.invoice_id == invoice_id)


async def void_invoice(ctx: TenantContext, invoice_id: UUID, reason: str) -> InvoiceDetail:
    row = await invoice_row(ctx, invoice_id)
    if row["status"] == "paid":
        raise Conflict("A paid invoice is refunded, not voided.")
    if row["status"] == "void":
        raise Conflict("The invoice is void already.")
    await ctx.update(
        Invoice, {Invoice.status: "void", Invoice.voided_at: now(), Invoice.void_reason: reason}
    ).where(Invoice.id == invoice_id)
    await release_invoice(ctx, invoice_id)
    await audit.record(
        ctx,
        AuditAction.INVOICE_VOIDED,
        tenant_id=row["tenant_id"],
        target=_invoice_target(invoice_id, row),
        details={"reason": reason, "from": row["status"]},
    )
    if row["stripe_invoice_id"] and get_settings().stripe.enabled:
        await enqueue("billing.void_stripe_invoice", tenant_id=row["tenant_id"], invoice_id=str(invoice_id))
    return await get_invoice(ctx, invoice_id)


async def delete_adjustment(ctx: TenantContext, invoice_id: UUID, line_id: UUID) -> InvoiceDetail:
    row, client = await _draft_invoice(ctx, invoice_id)
    removed = await (
        ctx.delete(InvoiceLine)
        .where(
            (InvoiceLine.invoice_id == invoice_id)
            & (InvoiceLine.id == line_id)
            & (InvoiceLine.kind == "adjustment")
        )
        .returning(InvoiceLine.amount_minor)
    )
    if removed:
        await audit.record(
            ctx,
            AuditAction.INVOICE_ADJUSTMENT_REMOVED,
            tenant_id=client.id,
            target=_invoice_target(invoice_id, row),
            details={"lineId": str(line_id), "amountMinor": removed[0]["amount_minor"]},
        )
    computed = await compute_period(
        ctx,
        client,
        row["period_start"],
        row["period_end"],
        invoice_id,
        await stored_adjustments(ctx, invoice_id),
    )
    await write_period(ctx, invoice_id, client, computed)
    return await get_invoice(ctx, invoice_id)
