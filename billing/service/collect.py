"""Gathering what a period's invoice charges for: billable time grouped by rating dimension, and completed
per-item tasks.

Two ways to the same groups. On PostgreSQL the database aggregates: ``width_bucket`` over the period's span
boundaries (version in force and surcharge category, see ``calendar_segments``) puts each entry in its span,
and the GROUP BY keeps just what the rounding rule needs (each distinct duration for per-entry rounding, each
task for per-task rounding, nothing finer for per-period rounding). Elsewhere, and when the versions of one
period round at different scopes, entries are streamed in pages and classified one by one against the same
boundaries. Memory stays bounded by the number of groups, never by the number of entries.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from piccolo.querystring import QueryString

from billing.rating.calendar_segments import Category, Segments
from billing.rating.model import ItemGroup, TimeGroup
from billing.rating.rounding import round_seconds
from billing.service.contracts import ContractVersions
from billing.tables import InvoicedTask
from billing.terms import Rounding, RoundingMode, RoundingScope
from retaguarda.db import get_engine, is_postgres, transaction
from retaguarda.tenancy import TenantContext
from retaguarda.work.tables import Task, TaskStatus, TimeEntry

PAGE = 5000

# The entries an invoice may charge for: billable, closed, started in the period, and not locked by another
# invoice. {lock} is either "e.invoice_id = {}" (finalizing: exactly what was just locked) or the draft's
# "(e.invoice_id IS NULL OR e.invoice_id = {})".
_FROM = """
FROM time_entry e
JOIN task t ON t.id = e.task_id AND t.tenant_id = e.tenant_id
LEFT JOIN operator_skill os ON os.operator_id = e.operator_id AND os.skill_id = t.required_skill_id
WHERE e.tenant_id = {} AND e.started_at >= {} AND e.started_at < {}
  AND e.billable = {} AND e.ended_at IS NOT NULL AND %s
"""
_DRAFT_LOCK = "(e.invoice_id IS NULL OR e.invoice_id = {})"
_FINAL_LOCK = "e.invoice_id = {}"


# Prior-period time: entries of a period whose invoice is finalized that it did not lock (recorded or
# corrected after it was finalized). Once this invoice is finalized they are locked to it, so finalizing
# needs no such condition (and must not: that older invoice may have been voided since).
LATE_ENTRIES = (
    "EXISTS (SELECT 1 FROM billing_invoice i WHERE i.tenant_id = e.tenant_id"
    " AND i.status IN ('open', 'paid', 'uncollectible') AND i.starts_at <= e.started_at"
    " AND e.started_at < i.ends_at)"
)
# The same condition in an UPDATE of time_entry (finalizing locks the prior-period time it bills).
LATE_ENTRIES_UPDATE = (
    "EXISTS (SELECT 1 FROM billing_invoice i WHERE i.tenant_id = time_entry.tenant_id"
    " AND i.status IN ('open', 'paid', 'uncollectible') AND i.starts_at <= time_entry.started_at"
    " AND time_entry.started_at < i.ends_at)"
)

_AGGREGATE_SQL = (
    "SELECT width_bucket(e.started_at, CAST({} AS timestamptz[])) AS bucket, t.task_type_id,"
    " os.level AS skill_level, %s AS grain, SUM(e.seconds) AS seconds, SUM(%s) AS billed, COUNT(*) AS entries"
    + _FROM
    + " GROUP BY 1, 2, 3, 4"
)
# Per-entry rounding done by the database when every version of the period rounds alike: integer
# arithmetic, the same as ``round_seconds`` (ties of ``nearest`` go up).
_ROUNDED = {
    RoundingMode.UP: "((e.seconds + {step} - 1) / {step}) * {step}",
    RoundingMode.DOWN: "(e.seconds / {step}) * {step}",
    RoundingMode.NEAREST: "((e.seconds * 2 + {step}) / (2 * {step})) * {step}",
}
# asyncpg prepares each statement once per connection; after five runs PostgreSQL may switch a prepared
# statement to a generic plan, planned without the tenant and the period. For this query that plan expects a
# few dozen entries where a client has thousands, and picks nested loops that run ten times slower than the
# plan made for the actual values. The setting lasts until the end of the transaction (set_config's `true`).
_CUSTOM_PLANS = "SELECT set_config('plan_cache_mode', 'force_custom_plan', true)"
_GRAINS = {RoundingScope.ENTRY: "e.seconds", RoundingScope.TASK: "e.task_id", RoundingScope.PERIOD: "NULL"}

_STREAM_SQL = (
    "SELECT e.id, e.task_id, e.operator_id, e.started_at, e.seconds, t.task_type_id, os.level AS skill_level"
    + _FROM
    + " AND (e.started_at > {} OR (e.started_at = {} AND e.id > {})) ORDER BY e.started_at, e.id LIMIT %d"
)


@dataclass(slots=True)
class _Accumulator:
    raw: int = 0
    billed: int = 0
    entries: int = 0
    # Per-task totals, rounded when the period is complete (per-task rounding only).
    tasks: dict[Any, int] = field(default_factory=dict)


GroupKey = tuple[UUID, UUID, int | None, Category]


@dataclass(frozen=True, slots=True)
class EntryRow:
    id: UUID
    task_id: UUID
    operator_id: UUID
    started_at: datetime
    seconds: int
    task_type_id: UUID
    skill_level: int | None


def _lock_clause(finalizing: bool, late: bool = False) -> str:
    if finalizing:
        return _FINAL_LOCK
    return _DRAFT_LOCK + (" AND " + LATE_ENTRIES if late else "")


def _lock_value(invoice_id: UUID | None) -> UUID:
    # A run with no invoice yet matches only unlocked entries: no invoice has the nil id.
    return invoice_id or UUID(int=0)


async def stream_entries(
    tenant_id: UUID,
    start: datetime,
    end: datetime,
    invoice_id: UUID | None,
    *,
    finalizing: bool,
    late: bool = False,
) -> AsyncIterator[EntryRow]:
    """The period's chargeable entries in (started_at, id) order, a page at a time (``late``: the prior-period
    time in ``[start, end)``)."""
    sql = _STREAM_SQL % (_lock_clause(finalizing, late), PAGE)
    # The nil id sorts first, so the first page starts with the entries at exactly `start`.
    after_at, after_id = start, UUID(int=0)
    while True:
        rows = await TimeEntry.raw(  # scope: the caller loaded the client through its context
            sql,
            tenant_id,
            start,
            end,
            True,
            _lock_value(invoice_id),
            after_at,
            after_at,
            after_id,
        )
        for row in rows:
            yield EntryRow(
                row["id"],
                row["task_id"],
                row["operator_id"],
                row["started_at"],
                int(row["seconds"]),
                row["task_type_id"],
                row["skill_level"],
            )
        if len(rows) < PAGE:
            return
        after_at, after_id = rows[-1]["started_at"], rows[-1]["id"]


def _groups(accumulators: dict[GroupKey, _Accumulator], versions: ContractVersions) -> list[TimeGroup]:
    groups = []
    for (contract_id, task_type_id, level, category), acc in accumulators.items():
        billed = acc.billed
        rule = versions.terms[contract_id].rounding
        if rule.scope is RoundingScope.TASK:
            billed = sum(round_seconds(seconds, rule) for seconds in acc.tasks.values())
        elif rule.scope is RoundingScope.PERIOD:
            billed = round_seconds(acc.raw, rule)
        groups.append(TimeGroup(contract_id, task_type_id, level, category, acc.raw, billed, acc.entries))
    return groups


def _add(
    accumulators: dict[GroupKey, _Accumulator],
    versions: ContractVersions,
    key: GroupKey,
    seconds: int,
    entries: int,
    grain: Any,
    billed: int | None = None,
) -> None:
    acc = accumulators.setdefault(key, _Accumulator())
    acc.raw += seconds
    acc.entries += entries
    rule = versions.terms[key[0]].rounding
    if billed is not None:
        acc.billed += billed
    elif rule.scope is RoundingScope.ENTRY:
        # Grouped by duration: `entries` entries of `seconds / entries` seconds each.
        acc.billed += entries * round_seconds(seconds // entries, rule)
    elif rule.scope is RoundingScope.TASK:
        acc.tasks[grain] = acc.tasks.get(grain, 0) + seconds


async def _aggregate_in_database(
    tenant_id: UUID,
    start: datetime,
    end: datetime,
    invoice_id: UUID | None,
    segments: Segments,
    versions: ContractVersions,
    scope: RoundingScope,
    *,
    finalizing: bool,
    rule: Rounding | None = None,
    late: bool = False,
) -> list[TimeGroup]:
    """``rule``: the one per-entry rounding rule of the period, applied in SQL (else grouped by duration)."""
    grain, billed = _GRAINS[scope], "e.seconds"
    if scope is RoundingScope.ENTRY and rule is not None:
        grain, billed = "NULL", _ROUNDED[rule.mode].format(step=int(rule.increment_minutes) * 60)
    sql = _AGGREGATE_SQL % (grain, billed, _lock_clause(finalizing, late))
    async with transaction(write=False):
        await get_engine().run_querystring(QueryString(_CUSTOM_PLANS))
        rows = await TimeEntry.raw(  # scope: the caller loaded the client through its context
            sql, list(segments.boundaries), tenant_id, start, end, True, _lock_value(invoice_id)
        )
    accumulators: dict[GroupKey, _Accumulator] = {}
    for row in rows:
        contract_id, category = segments.spans[row["bucket"] - 1]
        if contract_id is None:
            continue  # before the first contract version: not billable under any terms
        key = (contract_id, row["task_type_id"], row["skill_level"], category)
        rounded = int(row["billed"]) if grain == "NULL" and scope is RoundingScope.ENTRY else None
        _add(accumulators, versions, key, int(row["seconds"]), int(row["entries"]), row["grain"], rounded)
    return _groups(accumulators, versions)


async def _aggregate_streaming(
    tenant_id: UUID,
    start: datetime,
    end: datetime,
    invoice_id: UUID | None,
    segments: Segments,
    versions: ContractVersions,
    *,
    finalizing: bool,
    late: bool = False,
) -> list[TimeGroup]:
    accumulators: dict[GroupKey, _Accumulator] = {}
    async for entry in stream_entries(tenant_id, start, end, invoice_id, finalizing=finalizing, late=late):
        located = segments.locate(entry.started_at)
        if located is None:
            continue
        contract_id, category = located
        if contract_id is None:
            continue  # before the first contract version
        key: GroupKey = (contract_id, entry.task_type_id, entry.skill_level, category)
        _add(accumulators, versions, key, entry.seconds, 1, entry.task_id)
    return _groups(accumulators, versions)


async def collect_time(
    tenant_id: UUID,
    start: datetime,
    end: datetime,
    invoice_id: UUID | None,
    segments: Segments,
    versions: ContractVersions,
    *,
    finalizing: bool = False,
    late: bool = False,
) -> list[TimeGroup]:
    """``late``: the prior-period time in ``[start, end)`` (see ``LATE_ENTRIES``), not the period's own."""
    in_period = {c for c, _ in segments.spans if c is not None}
    scopes = {versions.terms[c].rounding.scope for c in in_period}
    rules = {
        (versions.terms[c].rounding.increment_minutes, versions.terms[c].rounding.mode) for c in in_period
    }
    if is_postgres() and len(scopes) == 1:
        rule = versions.terms[next(iter(in_period))].rounding if len(rules) == 1 else None
        return await _aggregate_in_database(
            tenant_id,
            start,
            end,
            invoice_id,
            segments,
            versions,
            scopes.pop(),
            finalizing=finalizing,
            rule=rule,
            late=late,
        )
    return await _aggregate_streaming(
        tenant_id, start, end, invoice_id, segments, versions, finalizing=finalizing, late=late
    )


@dataclass(slots=True)
class Items:
    groups: list[ItemGroup]
    task_ids: list[UUID]


async def collect_items(
    ctx: TenantContext,
    tenant_id: UUID,
    start: datetime,
    end: datetime,
    invoice_id: UUID | None,
    versions: ContractVersions,
    *,
    within: list[tuple[datetime, datetime]] | None = None,
) -> Items:
    """Completed tasks of the per-item types of the versions in force when each was completed, that no other
    invoice has billed. ``within``: only those completed inside one of these spans (the finalized periods
    whose invoices did not bill them: late items, like late time)."""
    item_types = {item.task_type_id for terms in versions.terms.values() for item in terms.item_prices}
    if not item_types:
        return Items([], [])
    rows = await ctx.select(Task, Task.id, Task.task_type_id, Task.completed_at).where(
        (Task.tenant_id == tenant_id)
        & (Task.status == TaskStatus.DONE)
        & (Task.completed_at >= start)
        & (Task.completed_at < end)
        & Task.task_type_id.is_in(list(item_types))
    )
    if not rows:
        return Items([], [])
    locked = {
        row["task_id"]
        for row in await ctx.select(InvoicedTask, InvoicedTask.task_id, InvoicedTask.invoice_id).where(
            (InvoicedTask.tenant_id == tenant_id) & InvoicedTask.task_id.is_in([r["id"] for r in rows])
        )
        if row["invoice_id"] != invoice_id
    }
    starts = [v.starts_at for v in versions.versions]
    counts: dict[tuple[UUID, UUID], int] = defaultdict(int)
    task_ids = []
    for row in rows:
        if row["id"] in locked:
            continue
        if within is not None and not any(a <= row["completed_at"] < b for a, b in within):
            continue
        index = bisect.bisect_right(starts, row["completed_at"]) - 1
        if index < 0:
            continue
        contract_id = versions.versions[index].contract_id
        if versions.terms[contract_id].item_price(row["task_type_id"]) is None:
            continue
        counts[(contract_id, row["task_type_id"])] += 1
        task_ids.append(row["id"])
    return Items([ItemGroup(c, t, n) for (c, t), n in counts.items()], task_ids)
