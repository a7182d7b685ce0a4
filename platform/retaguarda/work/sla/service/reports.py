"""Attainment reports: how many clocks met or breached their targets, how many are still running, and how
long responses and resolutions took in business hours — per client, queue, task type, priority or period,
with periods cut in the client's time zone.

Which clocks count in a period ``[from, to)``: those that closed in it (met when they closed at or before
their due instant), those still open whose due instant passed in it (breached: nothing can meet them any
more), and, as in progress, the open ones of tasks created before its end. Attainment is
met / (met + breached).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from retaguarda.clock import now
from retaguarda.db import json_value
from retaguarda.i18n import N_, format_date, format_decimal, format_percent, gettext_for
from retaguarda.spreadsheets import write_csv
from retaguarda.tenancy import TenantContext
from retaguarda.work.sla.clocks import ClockKind, Terms, remaining_s
from retaguarda.work.sla.schemas import AttainmentReport, AttainmentRow
from retaguarda.work.sla.service.terms import load_terms
from retaguarda.work.tables import Queue, Task, TaskType
from tenants.tables import Tenant


class GroupBy(StrEnum):
    CLIENT = "client"
    QUEUE = "queue"
    TASK_TYPE = "taskType"
    PRIORITY = "priority"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


PRIORITY_LABELS = {1: N_("Low"), 2: N_("Normal"), 3: N_("High"), 4: N_("Urgent")}
TOTAL_LABEL = N_("Total")


@dataclass
class _Tally:
    met: int = 0
    breached: int = 0
    in_progress: int = 0
    hours: list[float] = field(default_factory=list)

    def attainment(self) -> float | None:
        decided = self.met + self.breached
        return round(self.met / decided, 4) if decided else None


@dataclass
class _Group:
    label: str
    response: _Tally = field(default_factory=_Tally)
    resolution: _Tally = field(default_factory=_Tally)


@dataclass(frozen=True, slots=True)
class _Outcome:
    """One clock's part in the report: 'met' | 'breached' | 'in_progress', when, and its business hours."""

    result: str
    at: datetime
    hours: float | None


def _clock_outcome(
    terms: Terms, row: Mapping[str, Any], kind: ClockKind, start: datetime, end: datetime, at: datetime
) -> _Outcome | None:
    due = row[f"{kind}_due_at"]
    closed_at = row["first_claimed_at"] if kind is ClockKind.RESPONSE else row["completed_at"]
    if closed_at is None and row["status"] in ("done", "cancelled"):
        return None  # cancelled before this clock closed: it counts nowhere
    target_s = terms.target_s(kind, row["priority"])
    if closed_at is not None:
        if not start <= closed_at < end:
            return None
        used = target_s - remaining_s(terms, closed_at, due)
        return _Outcome("met" if closed_at <= due else "breached", closed_at, used / 3600)
    if due < min(at, end):
        return _Outcome("breached", due, None) if due >= start else None
    if row["created_at"] < end:
        return _Outcome("in_progress", row["created_at"], None)
    return None


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 2)
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return round(cuts[int(share * 100) - 1], 2)


def _row(key: str, group: _Group) -> AttainmentRow:
    r, s = group.response, group.resolution
    return AttainmentRow(
        group=key,
        label=group.label,
        response_met=r.met,
        response_breached=r.breached,
        response_in_progress=r.in_progress,
        response_attainment=r.attainment(),
        resolution_met=s.met,
        resolution_breached=s.breached,
        resolution_in_progress=s.in_progress,
        resolution_attainment=s.attainment(),
        response_hours_p50=_percentile(r.hours, 0.5),
        response_hours_p90=_percentile(r.hours, 0.9),
        resolution_hours_p50=_percentile(s.hours, 0.5),
        resolution_hours_p90=_percentile(s.hours, 0.9),
    )


def _count(tally: _Tally, outcome: _Outcome) -> None:
    if outcome.result == "met":
        tally.met += 1
    elif outcome.result == "breached":
        tally.breached += 1
    else:
        tally.in_progress += 1
    if outcome.hours is not None:
        tally.hours.append(outcome.hours)


def _period_key(group_by: GroupBy, at: datetime, zone: ZoneInfo) -> date:
    local = at.astimezone(zone).date()
    if group_by is GroupBy.WEEK:
        return local - timedelta(days=local.weekday())
    if group_by is GroupBy.MONTH:
        return local.replace(day=1)
    return local


async def _rows(
    ctx: TenantContext, tenant_id: UUID | None, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    query = ctx.select(
        Task,
        Task.id,
        Task.tenant_id,
        Task.queue_id,
        Task.task_type_id,
        Task.priority,
        Task.status,
        Task.created_at,
        Task.first_claimed_at,
        Task.completed_at,
        Task.sla_version_id,
        Task.response_due_at,
        Task.resolution_due_at,
    ).where(
        Task.sla_version_id.is_not_null()
        & (Task.created_at < end)
        & (Task.completed_at.is_null() | (Task.completed_at >= start))
    )
    if tenant_id is not None:
        query = query.where(Task.tenant_id == tenant_id)
    rows: list[dict[str, Any]] = await query
    return rows


async def _labels(ctx: TenantContext, group_by: GroupBy, locale: str) -> Callable[[Any], str]:
    _ = gettext_for(locale)
    if group_by is GroupBy.CLIENT:
        names = {r["id"]: r["name"] for r in await ctx.select(Tenant, Tenant.id, Tenant.name)}
        return lambda key: names.get(key, str(key))
    if group_by is GroupBy.QUEUE:
        names = {r["id"]: r["name"] for r in await ctx.select(Queue, Queue.id, Queue.name)}
        return lambda key: names.get(key, str(key))
    if group_by is GroupBy.TASK_TYPE:
        rows = await ctx.select(TaskType, TaskType.id, TaskType.names, TaskType.code)
        names = {
            r["id"]: (json_value(r["names"]) or {}).get(locale)
            or (json_value(r["names"]) or {}).get("en")
            or r["code"]
            for r in rows
        }
        return lambda key: names.get(key, str(key))
    if group_by is GroupBy.PRIORITY:
        return lambda key: _(PRIORITY_LABELS.get(key, str(key)))
    return lambda key: format_date(key, locale)


# The task column each non-period grouping keys on.
GROUP_COLUMNS = {
    GroupBy.CLIENT: "tenant_id",
    GroupBy.QUEUE: "queue_id",
    GroupBy.TASK_TYPE: "task_type_id",
    GroupBy.PRIORITY: "priority",
}


def _key(group_by: GroupBy, row: Mapping[str, Any], at: datetime, zone: ZoneInfo) -> Any:
    column = GROUP_COLUMNS.get(group_by)
    return row[column] if column is not None else _period_key(group_by, at, zone)


async def report_zone(ctx: TenantContext, tenant_id: UUID | None) -> str:
    """A client's report runs in the client's time zone; a provider-wide one in the provider's."""
    target = tenant_id or ctx.principal.tenant_id
    row = await ctx.select(Tenant, Tenant.timezone).where(Tenant.id == target).first()
    return str(row["timezone"]) if row else "UTC"


def period_bounds(date_from: date, date_to: date, timezone: str) -> tuple[datetime, datetime]:
    """Local dates → UTC instants: ``[from 00:00, to 00:00)`` in the report's time zone."""
    zone = ZoneInfo(timezone)
    return (
        datetime.combine(date_from, time(0), tzinfo=zone),
        datetime.combine(date_to, time(0), tzinfo=zone),
    )


async def attainment_report(
    ctx: TenantContext,
    *,
    date_from: date,
    date_to: date,
    group_by: GroupBy,
    tenant_id: UUID | None,
    locale: str,
) -> AttainmentReport:
    if tenant_id is not None:
        ctx.require(tenant_id)
    timezone = await report_zone(ctx, tenant_id)
    zone = ZoneInfo(timezone)
    start, end = period_bounds(date_from, date_to, timezone)
    at = now()
    groups: dict[Any, _Group] = {}
    total = _Group(label=gettext_for(locale)(TOTAL_LABEL))
    for row in await _rows(ctx, tenant_id, start, end):
        terms = await load_terms(row["sla_version_id"])
        if terms is None or row["priority"] not in terms.targets:
            continue
        for kind in ClockKind:
            outcome = _clock_outcome(terms, row, kind, start, end, at)
            if outcome is None:
                continue
            key = _key(group_by, row, outcome.at, zone)
            group = groups.setdefault(key, _Group(label=""))
            _count(getattr(group, kind.value), outcome)
            _count(getattr(total, kind.value), outcome)
    label = await _labels(ctx, group_by, locale)
    rows = []
    for key in sorted(groups, key=lambda k: (str(type(k)), k if not isinstance(k, UUID) else str(k))):
        groups[key].label = label(key)
        rows.append(_row(key.isoformat() if isinstance(key, date) else str(key), groups[key]))
    return AttainmentReport(
        group_by=group_by.value,
        period_from=start,
        period_to=end,
        timezone=timezone,
        rows=rows,
        total=_row("total", total),
    )


async def resolution_attainment(ctx: TenantContext, start: datetime, end: datetime) -> Decimal | None:
    """The share (0..1) of the resolution clocks decided in ``[start, end)`` that met their target: closed
    in time, against closed late or overdue while open; None when none was decided. For SLA credits."""
    met = breached = 0
    at = now()
    for row in await _rows(ctx, None, start, end):
        terms = await load_terms(row["sla_version_id"])
        if terms is None or row["priority"] not in terms.targets:
            continue
        outcome = _clock_outcome(terms, row, ClockKind.RESOLUTION, start, end, at)
        if outcome is not None and outcome.result == "met":
            met += 1
        elif outcome is not None and outcome.result == "breached":
            breached += 1
    return Decimal(met) / Decimal(met + breached) if met + breached else None


CSV_HEADERS = (
    N_("Group"),
    N_("Response met"),
    N_("Response breached"),
    N_("Response in progress"),
    N_("Response attainment"),
    N_("Resolution met"),
    N_("Resolution breached"),
    N_("Resolution in progress"),
    N_("Resolution attainment"),
    N_("Response hours p50"),
    N_("Response hours p90"),
    N_("Resolution hours p50"),
    N_("Resolution hours p90"),
)


def report_csv(report: AttainmentReport, locale: str) -> str:
    """The report as CSV for people's spreadsheets: translated headers, numbers in the locale's format,
    and ``;`` as the separator where the decimal mark is a comma (as spreadsheets there expect). Client and
    queue names are text a spreadsheet must not run (retaguarda.spreadsheets)."""
    _ = gettext_for(locale)
    delimiter = ";" if format_decimal(Decimal("0.5"), locale, 1) == "0,5" else ","

    def ratio(value: float | None) -> str:
        return "" if value is None else format_percent(Decimal(str(value)), locale)

    def hours(value: float | None) -> str:
        return "" if value is None else format_decimal(Decimal(str(value)), locale)

    lines: Iterable[AttainmentRow] = [*report.rows, report.total]
    rows = [
        [
            r.label,
            r.response_met,
            r.response_breached,
            r.response_in_progress,
            ratio(r.response_attainment),
            r.resolution_met,
            r.resolution_breached,
            r.resolution_in_progress,
            ratio(r.resolution_attainment),
            hours(r.response_hours_p50),
            hours(r.response_hours_p90),
            hours(r.resolution_hours_p50),
            hours(r.resolution_hours_p90),
        ]
        for r in lines
    ]
    return write_csv([[_(h) for h in CSV_HEADERS], *rows], delimiter=delimiter)
