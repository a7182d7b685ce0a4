"""The entries behind an invoice line: each line of time names its rating dimension, so the entries it covers
are found again by classifying the invoice's entries the way rating did."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from billing.rating.calendar_segments import build_segments
from billing.rating.pricing import billed_rate
from billing.rating.rounding import round_seconds
from billing.schemas import CoveredEntry
from billing.service.clients import client_calendar, load_client
from billing.service.collect import stream_entries
from billing.service.contracts import contract_versions
from billing.service.reads import invoice_row
from billing.tables import InvoicedTask, InvoiceLine
from billing.terms import RoundingScope
from retaguarda.errors import FieldError, InvalidInput, NotFound
from retaguarda.tenancy import TenantContext
from retaguarda.work.tables import Task

TIME_KINDS = {"hours", "surcharge"}


def _offset(cursor: str | None) -> int:
    if cursor is None:
        return 0
    if not cursor.isdigit():
        raise InvalidInput(errors=[FieldError("cursor", "invalid", "The cursor is not valid.")])
    return int(cursor)


async def line_entries(
    ctx: TenantContext, invoice_id: UUID, line_id: UUID, *, cursor: str | None, limit: int
) -> tuple[list[CoveredEntry], str | None]:
    invoice = await invoice_row(ctx, invoice_id)
    line = (
        await ctx.select(InvoiceLine)
        .where((InvoiceLine.id == line_id) & (InvoiceLine.invoice_id == invoice_id))
        .first()
    )
    if line is None:
        raise NotFound()
    offset = _offset(cursor)
    if line["kind"] == "items":
        return await _item_tasks(ctx, invoice, line, offset, limit)
    if line["kind"] not in TIME_KINDS or invoice["status"] == "void":
        return [], None
    client = await load_client(ctx, invoice["tenant_id"])
    versions = await contract_versions(ctx, client)
    calendar = await client_calendar(ctx, client)
    start, end, prior = _window(invoice, line)
    segments = build_segments(calendar, versions.versions, start, end)
    found: list[CoveredEntry] = []
    matched = 0
    async for entry in stream_entries(
        client.id, start, end, invoice_id, finalizing=invoice["status"] != "draft", late=prior
    ):
        located = segments.locate(entry.started_at)
        if located is None or located[0] is None or located[0] != line["contract_id"]:
            continue
        contract_id, category = located
        assert contract_id is not None
        terms = versions.terms[contract_id]
        if terms.item_price(entry.task_type_id) is not None:
            continue
        if line["kind"] == "hours":
            if (entry.task_type_id, entry.skill_level) != (line["task_type_id"], line["skill_level"]):
                continue
        else:
            rate = billed_rate(terms, entry.task_type_id, entry.skill_level, prior=prior)
            premium = rate * (Decimal(line["multiplier"]) - 1)
            if category.value != line["category"] or premium != Decimal(line["unit_price"]):
                continue
        matched += 1
        if matched <= offset:
            continue
        if len(found) == limit:
            return found, str(offset + limit)
        per_entry = terms.rounding.scope is RoundingScope.ENTRY
        found.append(
            CoveredEntry(
                entry_id=entry.id,
                task_id=entry.task_id,
                operator_id=entry.operator_id,
                started_at=entry.started_at,
                raw_seconds=entry.seconds,
                billed_seconds=round_seconds(entry.seconds, terms.rounding) if per_entry else None,
                category=category.value,
            )
        )
    return found, None


def _window(invoice: dict[str, Any], line: dict[str, Any]) -> tuple[datetime, datetime, bool]:
    """Where the line's entries are: the invoice's period, or for prior-period time where rating looked for
    it, before the period (and whether it is prior-period time)."""
    detail = line["detail"] or {}
    if detail.get("priorPeriod"):
        return datetime.fromisoformat(str(detail["priorSince"])), invoice["starts_at"], True
    return invoice["starts_at"], invoice["ends_at"], False


async def _item_tasks(
    ctx: TenantContext, invoice: dict[str, object], line: dict[str, object], offset: int, limit: int
) -> tuple[list[CoveredEntry], str | None]:
    if invoice["status"] == "draft":
        return [], None  # a draft has not claimed its tasks yet: finalize locks them
    billed = await ctx.select(InvoicedTask, InvoicedTask.task_id).where(
        InvoicedTask.invoice_id == invoice["id"]
    )
    rows = (
        await ctx.select(Task, Task.id, Task.completed_at)
        .where(
            Task.id.is_in([r["task_id"] for r in billed] or [UUID(int=0)])
            & (Task.task_type_id == line["task_type_id"])
        )
        .order_by(Task.completed_at)
        .offset(offset)
        .limit(limit + 1)
    )
    items = [
        CoveredEntry(
            entry_id=None,
            task_id=r["id"],
            operator_id=None,
            started_at=r["completed_at"],
            raw_seconds=0,
            billed_seconds=None,
            category=None,
        )
        for r in rows[:limit]
    ]
    return items, str(offset + limit) if len(rows) > limit else None
