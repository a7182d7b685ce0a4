"""Computing a period's invoice from the database (inputs gathered here, money decided by ``billing.rating``)
and writing its lines."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID, uuid4

from billing.labels import describe_line
from billing.rating.calendar_segments import build_segments
from billing.rating.model import Adjustment, PricedLine, PricedPeriod, TimeGroup
from billing.rating.pricing import price_period
from billing.service.clients import Client, client_calendar
from billing.service.collect import Items, collect_items, collect_time
from billing.service.contracts import ContractVersions, contract_versions
from billing.tables import Invoice, InvoiceLine
from billing.terms import ContractTerms
from retaguarda.db import bulk_insert
from retaguarda.errors import Conflict
from retaguarda.tenancy import TenantContext, system_context
from retaguarda.work.sla.service.reports import resolution_attainment as sla_attainment
from retaguarda.work.tables import TaskType


class NoContract(Conflict):
    code = "no_contract"


@dataclass(slots=True)
class Computed:
    draft: PricedPeriod
    contract_id: UUID
    terms: ContractTerms
    versions: ContractVersions
    item_task_ids: list[UUID]
    starts_at: datetime
    ends_at: datetime
    # Where prior-period time is looked for: from the start of the client's first finalized period before
    # this one, up to ``starts_at`` (None: no period before this one is invoiced).
    prior_since: datetime | None = None


class Lookup(Enum):
    """``compute_period(prior_since=Lookup.QUERY)``: the caller does not know it yet."""

    QUERY = "query"


FINALIZED = ("open", "paid", "uncollectible")


async def find_prior_since(ctx: TenantContext, client: Client, period_start: date) -> datetime | None:
    """The start of the client's earliest finalized period before ``period_start`` (see ``Computed``)."""
    row = (
        await ctx.select(Invoice, Invoice.starts_at)
        .where(
            (Invoice.tenant_id == client.id)
            & Invoice.status.is_in(list(FINALIZED))
            & (Invoice.period_end <= period_start)
        )
        .order_by(Invoice.starts_at)
        .first()
    )
    return None if row is None else row["starts_at"]


async def resolution_attainment(client: Client, start: datetime, end: datetime) -> Decimal | None:
    """SLA attainment of the client's tasks resolved in ``[start, end)``, from the work layer's SLA reports.
    Measured in a context fenced to this one client, whoever runs the invoice."""
    value = await sla_attainment(system_context(client.id), start, end)
    return None if value is None else Decimal(value)


async def compute_period(
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
    prior_since: datetime | Lookup | None = Lookup.QUERY,
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
    if prior_since is Lookup.QUERY:
        prior_since = await find_prior_since(ctx, client, period_start)
    prior_groups: list[TimeGroup] = []
    prior_items = Items([], [])
    if prior_since is not None and prior_since < start:
        prior_items = await collect_items(
            ctx,
            client.id,
            prior_since,
            start,
            invoice_id,
            versions,
            within=await finalized_spans(ctx, client, prior_since, start),
        )
        prior_segments = build_segments(calendar, versions.versions, prior_since, start)
        prior_groups = await collect_time(
            client.id,
            prior_since,
            start,
            invoice_id,
            prior_segments,
            versions,
            finalizing=finalizing,
            late=True,
        )
    if attainment is None and measure_attainment:
        attainment = await resolution_attainment(client, start, end)
    draft = price_period(
        currency=currency,
        period_terms=versions.terms[contract_id],
        terms=versions.terms,
        time_groups=time_groups,
        item_groups=items.groups,
        attainment=attainment,
        adjustments=adjustments,
        prior_time_groups=prior_groups,
        prior_detail={"priorSince": prior_since.isoformat()} if prior_since is not None else None,
        prior_item_groups=prior_items.groups,
    )
    return Computed(
        draft,
        contract_id,
        versions.terms[contract_id],
        versions,
        [*items.task_ids, *prior_items.task_ids],
        start,
        end,
        prior_since,
    )


async def finalized_spans(
    ctx: TenantContext, client: Client, since: datetime, before: datetime
) -> list[tuple[datetime, datetime]]:
    """The ``[starts_at, ends_at)`` of the client's finalized invoices between ``since`` and ``before``."""
    rows = await ctx.select(Invoice, Invoice.starts_at, Invoice.ends_at).where(
        (Invoice.tenant_id == client.id)
        & Invoice.status.is_in(list(FINALIZED))
        & (Invoice.starts_at >= since)
        & (Invoice.ends_at <= before)
    )
    return [(row["starts_at"], row["ends_at"]) for row in rows]


async def task_type_details(ctx: TenantContext, ids: set[UUID]) -> dict[UUID, dict[str, Any]]:
    if not ids:
        return {}
    rows = await ctx.select(TaskType, TaskType.id, TaskType.code, TaskType.names).where(
        TaskType.id.is_in(list(ids))
    )
    return {row["id"]: {"taskTypeCode": row["code"], "taskTypeNames": row["names"] or {}} for row in rows}


# The columns a line is written with, in the order of the tuples ``_line_values`` makes.
LINE_COLUMNS = (
    InvoiceLine.id,
    InvoiceLine.tenant_id,
    InvoiceLine.invoice_id,
    InvoiceLine.position,
    InvoiceLine.kind,
    InvoiceLine.quantity,
    InvoiceLine.unit,
    InvoiceLine.unit_price,
    InvoiceLine.amount_minor,
    InvoiceLine.contract_id,
    InvoiceLine.task_type_id,
    InvoiceLine.skill_level,
    InvoiceLine.category,
    InvoiceLine.multiplier,
    InvoiceLine.raw_seconds,
    InvoiceLine.billed_seconds,
    InvoiceLine.entries,
    InvoiceLine.included,
    InvoiceLine.description,
    InvoiceLine.reason,
    InvoiceLine.detail,
    InvoiceLine.created_by,
    InvoiceLine.created_at,
)


def _line_values(
    line: PricedLine,
    position: int,
    invoice_id: UUID,
    tenant_id: UUID,
    names: dict[UUID, dict[str, Any]],
    created_at: datetime,
) -> tuple[Any, ...]:
    """One line as the row values Piccolo would store (JSON as text), in ``LINE_COLUMNS`` order."""
    detail = dict(line.detail)
    if line.task_type_id is not None:
        detail.update(names.get(line.task_type_id, {}))
    if line.included:
        detail["included"] = True
    category = line.category.value if line.category else None
    description = describe_line(
        line.kind.value,
        locale="en",
        detail=detail,
        skill_level=line.skill_level,
        category=category,
        multiplier=line.multiplier,
        quantity=line.quantity,
        description=line.description,
    )
    return (
        uuid4(),
        tenant_id,
        invoice_id,
        position,
        line.kind.value,
        str(line.quantity),
        line.unit,
        str(line.unit_price),
        line.amount_minor,
        line.contract_id,
        line.task_type_id,
        line.skill_level,
        category,
        str(line.multiplier) if line.multiplier is not None else None,
        line.raw_seconds,
        line.billed_seconds,
        line.entries,
        line.included,
        description,
        line.reason,
        json.dumps(detail),
        UUID(detail["createdBy"]) if detail.get("createdBy") else None,
        created_at,
    )


def invoice_totals(computed: Computed) -> dict[str, Any]:
    """The invoice's columns that follow from its lines and terms (by column name)."""
    draft, terms = computed.draft, computed.terms
    return {
        "currency": draft.currency,
        "contract_id": computed.contract_id,
        "subtotal_minor": draft.subtotal_minor,
        "tax_minor": draft.tax_minor,
        "total_minor": draft.total_minor,
        "tax_inclusive": draft.tax_inclusive,
        "sla_attainment": None if draft.attainment is None else str(draft.attainment),
        "payment_terms_days": terms.payment_terms.days,
        "collection": terms.payment_terms.collection,
        "updated_at": datetime.now(UTC),
    }


async def write_lines(ctx: TenantContext, invoice_id: UUID, client: Client, draft: PricedPeriod) -> None:
    """Insert the draft's lines (one COPY on Postgres, one prepared statement elsewhere) in the caller's
    transaction. Plain tuples, not Piccolo objects: building a Table object and its SQL value by value costs
    more than the rating of the invoice."""
    names = await task_type_details(ctx, {line.task_type_id for line in draft.lines if line.task_type_id})
    ctx.require(client.id)
    created_at = datetime.now(UTC)
    rows = [
        _line_values(line, i, invoice_id, client.id, names, created_at)
        for i, line in enumerate(draft.lines, start=1)
    ]
    if rows:
        # scope: every row names the client the caller loaded through ctx (ctx.require above)
        await bulk_insert(InvoiceLine, LINE_COLUMNS, rows)


async def write_period(ctx: TenantContext, invoice_id: UUID, client: Client, computed: Computed) -> None:
    """Replace the invoice's lines and totals with ``computed`` (one transaction: the caller's)."""
    await ctx.delete(InvoiceLine).where(InvoiceLine.invoice_id == invoice_id)
    await write_lines(ctx, invoice_id, client, computed.draft)
    values = {
        Invoice._meta.get_column_by_name(name): value for name, value in invoice_totals(computed).items()
    }
    await ctx.update(Invoice, values).where(Invoice.id == invoice_id)


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
