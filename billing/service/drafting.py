"""Computing a period's invoice from the database (inputs gathered here, money decided by ``billing.rating``)
and writing its lines."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from billing.labels import describe_line
from billing.rating.calendar_segments import build_segments
from billing.rating.drafts import build_invoice_draft
from billing.rating.model import Adjustment, DraftLine, InvoiceDraft
from billing.service.collect import collect_items, collect_time
from billing.service.common import Client, client_calendar
from billing.service.contracts import ContractVersions, contract_versions
from billing.tables import Invoice, InvoiceLine
from billing.terms import ContractTerms
from retaguarda.errors import Conflict
from retaguarda.tenancy import TenantContext, system_context
from retaguarda.work.tables import TaskType

log = logging.getLogger("billing.drafting")


class NoContract(Conflict):
    code = "no_contract"


@dataclass(slots=True)
class Computed:
    draft: InvoiceDraft
    contract_id: UUID
    terms: ContractTerms
    versions: ContractVersions
    item_task_ids: list[UUID]
    starts_at: datetime
    ends_at: datetime


async def resolution_attainment(client: Client, start: datetime, end: datetime) -> Decimal | None:
    """SLA attainment of the client's tasks resolved in ``[start, end)``, from the work layer's SLA reports.
    Measured in a context fenced to this one client, whoever runs the invoice."""
    try:
        from retaguarda.work.sla.reports import (  # type: ignore[import-not-found, unused-ignore]
            resolution_attainment as measure,
        )
    except ImportError:
        log.warning("retaguarda.work.sla.reports is not available: invoices carry no SLA credit")
        return None
    value = await measure(system_context(client.id), start, end)
    return None if value is None else Decimal(value)


async def compute_draft(
    ctx: TenantContext,
    client: Client,
    period_start: date,
    period_end: date,
    invoice_id: UUID | None,
    adjustments: list[Adjustment],
    *,
    finalizing: bool = False,
    until: datetime | None = None,
    attainment: Decimal | None = None,
    measure_attainment: bool = True,
) -> Computed:
    versions = await contract_versions(ctx, client)
    start = client.instant(period_start)
    end = client.instant(period_end)
    if until is not None:
        end = min(end, until)
    contract_id = versions.in_force_for_period(start, end)
    if contract_id is None:
        raise NoContract("No contract version is in force in this period.")
    in_period = {v.contract_id for v in versions.versions if v.starts_at < end}
    currency = versions.currencies[contract_id]
    if any(versions.currencies[c] != currency for c in in_period if c in versions.currencies):
        raise Conflict("The contract versions of this period use different currencies.")
    calendar = await client_calendar(ctx, client)
    segments = build_segments(calendar, versions.versions, start, end)
    time_groups = await collect_time(
        client.id, start, end, invoice_id, segments, versions, finalizing=finalizing
    )
    items = await collect_items(ctx, client.id, start, end, invoice_id, versions)
    if attainment is None and measure_attainment:
        attainment = await resolution_attainment(client, start, end)
    draft = build_invoice_draft(
        currency=currency,
        period_terms=versions.terms[contract_id],
        terms=versions.terms,
        time_groups=time_groups,
        item_groups=items.groups,
        attainment=attainment,
        adjustments=adjustments,
    )
    return Computed(draft, contract_id, versions.terms[contract_id], versions, items.task_ids, start, end)


async def task_type_details(ctx: TenantContext, ids: set[UUID]) -> dict[UUID, dict[str, Any]]:
    if not ids:
        return {}
    rows = await ctx.select(TaskType, TaskType.id, TaskType.code, TaskType.names).where(
        TaskType.id.is_in(list(ids))
    )
    return {row["id"]: {"taskTypeCode": row["code"], "taskTypeNames": row["names"] or {}} for row in rows}


def _line_row(
    line: DraftLine, position: int, invoice_id: UUID, tenant_id: UUID, names: dict[UUID, dict[str, Any]]
) -> InvoiceLine:
    detail = dict(line.detail)
    if line.task_type_id is not None:
        detail.update(names.get(line.task_type_id, {}))
    if line.included:
        detail["included"] = True
    return InvoiceLine(
        id=uuid4(),
        tenant_id=tenant_id,
        invoice_id=invoice_id,
        position=position,
        kind=line.kind.value,
        quantity=str(line.quantity),
        unit=line.unit,
        unit_price=str(line.unit_price),
        amount_minor=line.amount_minor,
        contract_id=line.contract_id,
        task_type_id=line.task_type_id,
        skill_level=line.skill_level,
        category=line.category.value if line.category else None,
        multiplier=str(line.multiplier) if line.multiplier is not None else None,
        raw_seconds=line.raw_seconds,
        billed_seconds=line.billed_seconds,
        entries=line.entries,
        included=line.included,
        description=describe_line(
            line.kind.value,
            locale="en",
            detail=detail,
            skill_level=line.skill_level,
            category=line.category.value if line.category else None,
            multiplier=line.multiplier,
            quantity=line.quantity,
            description=line.description,
        ),
        reason=line.reason,
        detail=detail,
        created_by=UUID(detail["createdBy"]) if detail.get("createdBy") else None,
    )


async def write_draft(ctx: TenantContext, invoice_id: UUID, client: Client, computed: Computed) -> None:
    """Replace the invoice's lines and totals with ``computed`` (one transaction: the caller's)."""
    draft = computed.draft
    names = await task_type_details(ctx, {line.task_type_id for line in draft.lines if line.task_type_id})
    rows = [_line_row(line, i, invoice_id, client.id, names) for i, line in enumerate(draft.lines, start=1)]
    await ctx.delete(InvoiceLine).where(InvoiceLine.invoice_id == invoice_id)
    if rows:
        # One multi-row INSERT; every row belongs to the client the caller just loaded through its context.
        await InvoiceLine.insert(*rows)  # scope: rows of the client loaded through ctx
    terms = computed.terms
    await ctx.update(
        Invoice,
        {
            Invoice.currency: draft.currency,
            Invoice.contract_id: computed.contract_id,
            Invoice.subtotal_minor: draft.subtotal_minor,
            Invoice.tax_minor: draft.tax_minor,
            Invoice.total_minor: draft.total_minor,
            Invoice.tax_inclusive: draft.tax_inclusive,
            Invoice.sla_attainment: None if draft.attainment is None else str(draft.attainment),
            Invoice.payment_terms_days: terms.payment_terms.days,
            Invoice.collection: terms.payment_terms.collection,
            Invoice.updated_at: datetime.now(computed.starts_at.tzinfo),
        },
    ).where(Invoice.id == invoice_id)


async def stored_adjustments(ctx: TenantContext, invoice_id: UUID) -> list[Adjustment]:
    rows = await (
        ctx.select(
            InvoiceLine,
            InvoiceLine.unit_price,
            InvoiceLine.reason,
            InvoiceLine.description,
            InvoiceLine.detail,
        )
        .where((InvoiceLine.invoice_id == invoice_id) & (InvoiceLine.kind == "adjustment"))
        .order_by(InvoiceLine.position)
    )
    return [
        Adjustment(Decimal(row["unit_price"]), row["reason"], _own_description(row), _created_by(row))
        for row in rows
    ]


def _own_description(row: dict[str, Any]) -> str:
    detail = row["detail"] or {}
    return str(detail.get("description", ""))


def _created_by(row: dict[str, Any]) -> str:
    detail = row["detail"] or {}
    return str(detail.get("createdBy", ""))
