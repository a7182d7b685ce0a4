"""Forecast runs: requested by a planner, computed by a job (one client's queues at a time, vectorised), read
back as a grid with seasonal events and overrides applied on top."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from retaguarda.errors import FieldError, NotFound
from retaguarda.jobs import enqueue
from retaguarda.tenancy import TenantContext
from retaguarda.wire import from_row
from staffing.planning.forecaster import forecast_queues, holdout_accuracy
from staffing.planning.schemas import ForecastRequest, ForecastRunRead
from staffing.planning.service.adjustments import events_for, overrides_for
from staffing.planning.service.history import load_history, local_today, trim_leading_quiet_days
from staffing.planning.service.queues import PlannedQueue, planned_queues
from staffing.planning.tables import ForecastInterval, ForecastRun, ForecastRunStatus
from staffing.planning.time_grid import Grid, local_cells, local_grid, sum_into, to_atoms
from tenants.service.validation import raise_if_any

log = logging.getLogger("retaguarda.planning")
FORECAST_JOB = "planning.forecast"
INSERT_BATCH = 500


def run_read(row: dict[str, Any]) -> ForecastRunRead:
    return from_row(row, ForecastRunRead, method=row["method"] or {})


async def request_forecasts(
    ctx: TenantContext, data: ForecastRequest, actor: UUID | None
) -> list[ForecastRunRead]:
    """One pending run per queue, and one job per client that computes them after the commit."""
    queues = await planned_queues(ctx, data.queue_ids or None)
    missing = set(data.queue_ids) - {queue.id for queue in queues}
    if missing:
        raise_if_any(
            [
                FieldError(f"queueIds[{data.queue_ids.index(q)}]", "not_found", "No such queue.")
                for q in missing
            ]
        )
    if not queues:
        raise_if_any(FieldError("queueIds", "empty", "There is no queue to forecast."))
    runs: dict[UUID, list[UUID]] = defaultdict(list)
    for queue in queues:
        run = ForecastRun(
            id=uuid4(),
            tenant_id=queue.tenant_id,
            queue_id=queue.id,
            interval_minutes=data.interval_minutes or queue.interval_minutes,
            first_day=data.first_day or local_today(queue.zone) + timedelta(days=1),
            days=data.days,
            history_days=data.history_days,
            holdout_days=data.holdout_days,
            created_by=actor,
        )
        await ctx.insert(run)
        runs[queue.tenant_id].append(run.id)
    for tenant_id, run_ids in runs.items():
        await enqueue(
            FORECAST_JOB, tenant_id=tenant_id, client_id=str(tenant_id), run_ids=[str(r) for r in run_ids]
        )
    ids = [run_id for run_ids in runs.values() for run_id in run_ids]
    rows = await ctx.select(ForecastRun).where(ForecastRun.id.is_in(ids)).order_by(ForecastRun.queue_id)
    return [run_read(row) for row in rows]


async def get_run(ctx: TenantContext, run_id: UUID) -> ForecastRunRead:
    row = await ctx.select(ForecastRun).where(ForecastRun.id == run_id).first()
    if row is None:
        raise NotFound()
    return run_read(row)


# ---- computing (the job) ---------------------------------------------------------------------------------


def _spread_days(grid: Grid, volume: NDArray[np.float64], daily: NDArray[np.float64]) -> NDArray[np.float64]:
    """Per interval of the real local days: the slot's volume, rescaled so each day keeps its forecast total
    (a 25-hour day repeats an hour's slots, a 23-hour day skips some)."""
    per_interval = volume[:, grid.days, grid.slots]
    totals = np.zeros((volume.shape[0], grid.day_count))
    for day in range(grid.day_count):
        totals[:, day] = per_interval[:, grid.days == day].sum(axis=1)
    scale = np.where(totals > 0, daily / np.where(totals > 0, totals, 1.0), 0.0)
    return per_interval * scale[:, grid.days]


async def _compute(ctx: TenantContext, runs: list[dict[str, Any]], queues: list[PlannedQueue]) -> None:
    """Runs sharing one client, first day, horizon and history: fitted together."""
    first = runs[0]
    zone: ZoneInfo = queues[0].zone
    minutes, first_day, days = first["interval_minutes"], first["first_day"], first["days"]
    history_end = min(first_day, local_today(zone))
    history = await load_history(
        ctx, queues, zone, history_end - timedelta(days=first["history_days"]), first["history_days"], minutes
    )
    history = trim_leading_quiet_days(history)
    _, per_queue_wape = holdout_accuracy(history, first["holdout_days"])
    lead = (first_day - history_end).days
    forecast = forecast_queues(history, lead + days)
    grid = local_grid(zone, first_day, days, minutes)
    volume = _spread_days(grid, forecast.volume[:, lead:], forecast.daily[:, lead:])
    aht = forecast.aht_s[:, lead:][:, grid.days, grid.slots]
    since, until = grid.bounds
    for position, run in enumerate(runs):
        queue_id = run["queue_id"]
        # The newest forecast of a time range replaces older ones there (their run rows stay, with accuracy).
        await ctx.delete(ForecastInterval).where(
            (ForecastInterval.queue_id == queue_id)
            & (ForecastInterval.starts_at >= since)
            & (ForecastInterval.starts_at < until)
        )
        rows = [
            ForecastInterval(
                id=uuid4(),
                tenant_id=run["tenant_id"],
                run_id=run["id"],
                queue_id=queue_id,
                starts_at=grid.start_at(i),
                minutes=minutes,
                volume=round(float(volume[position, i]), 4),
                aht_s=round(float(aht[position, i]), 2),
            )
            for i in range(grid.starts.size)
        ]
        ctx.require(run["tenant_id"])
        for offset in range(0, len(rows), INSERT_BATCH):
            # Bulk insert: the tenant was checked just above, and row by row would take minutes on a year.
            await ForecastInterval.insert(*rows[offset : offset + INSERT_BATCH])  # scope: checked above
        method = {**forecast.method[position], "historyDaysUsed": history.days}
        await ctx.update(
            ForecastRun,
            {
                ForecastRun.status: "done",
                ForecastRun.wape: per_queue_wape[position],
                ForecastRun.method: method,
                ForecastRun.finished_at: datetime.now(UTC),
            },
        ).where(ForecastRun.id == run["id"])


async def compute_runs(ctx: TenantContext, run_ids: list[UUID]) -> None:
    """Compute the pending runs among these (done or failed ones are left alone: the job may run twice)."""
    runs = await ctx.select(ForecastRun).where(
        ForecastRun.id.is_in(run_ids) & (ForecastRun.status == ForecastRunStatus.PENDING)
    )
    if not runs:
        return
    queues = {queue.id: queue for queue in await planned_queues(ctx, [run["queue_id"] for run in runs])}
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for run in runs:
        key = (
            run["tenant_id"],
            run["interval_minutes"],
            run["first_day"],
            run["days"],
            run["history_days"],
            run["holdout_days"],
        )
        groups[key].append(run)
    for group in groups.values():
        await _compute(ctx, group, [queues[run["queue_id"]] for run in group])


async def fail_runs(ctx: TenantContext, run_ids: list[UUID], error: str) -> None:
    await ctx.update(
        ForecastRun,
        {
            ForecastRun.status: "failed",
            ForecastRun.error: error[:2000],
            ForecastRun.finished_at: datetime.now(UTC),
        },
    ).where(ForecastRun.id.is_in(run_ids) & (ForecastRun.status == ForecastRunStatus.PENDING))


# ---- reading ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueueForecast:
    baseline_volume: NDArray[np.float64]
    baseline_aht_s: NDArray[np.float64]
    uplift_percent: NDArray[np.float64]
    volume: NDArray[np.float64]
    aht_s: NDArray[np.float64]
    overridden: NDArray[np.bool_]


def _regrid(
    grid: Grid, rows: list[dict[str, Any]], default_aht_s: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Stored intervals (of any length) onto the grid: volumes add up, handle time is volume-weighted (the
    plain mean where no volume is forecast)."""
    volume = np.zeros(grid.starts.size)
    work = np.zeros_like(volume)
    aht_sum = np.zeros_like(volume)
    weight = np.zeros_like(volume)
    by_minutes: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_minutes[row["minutes"]].append(row)
    for minutes, group in by_minutes.items():
        starts = np.array([int(row["starts_at"].timestamp()) for row in group], dtype=np.int64)
        vols = np.array([row["volume"] for row in group])
        ahts = np.array([row["aht_s"] for row in group])
        atoms, atom_volume = to_atoms(starts, minutes, vols)
        _, atom_work = to_atoms(starts, minutes, vols * ahts)
        _, atom_aht = to_atoms(starts, minutes, ahts * (minutes // 15))
        _, atom_weight = to_atoms(starts, minutes, np.full(len(group), float(minutes // 15)))
        volume += sum_into(grid, atoms, atom_volume)
        work += sum_into(grid, atoms, atom_work)
        aht_sum += sum_into(grid, atoms, atom_aht)
        weight += sum_into(grid, atoms, atom_weight)
    plain = np.where(weight > 0, aht_sum / np.where(weight > 0, weight, 1.0), default_aht_s)
    aht = np.where(volume > 0, work / np.where(volume > 0, volume, 1.0), plain)
    return volume, aht


def _uplift(grid: Grid, zone: ZoneInfo, events: list[dict[str, Any]]) -> NDArray[np.float64]:
    """Per interval, the sum of the uplifts of the events covering its local day in the client's zone
    (two events on one day add up: +40 % and +10 % make +50 %)."""
    uplift = np.zeros(grid.starts.size)
    if not events:
        return uplift
    origin = grid.first_day - timedelta(days=2)
    day_index, _ = local_cells(grid.starts, zone, origin, grid.minutes)
    for event in events:
        first = (event["first_day"] - origin).days
        last = (event["last_day"] - origin).days
        uplift[(day_index >= first) & (day_index <= last)] += event["uplift_percent"]
    return uplift


def _override(
    grid: Grid, overrides: list[dict[str, Any]], volume: NDArray[np.float64], aht: NDArray[np.float64]
) -> NDArray[np.bool_]:
    """Apply overrides in place, oldest first, to the intervals that start inside them."""
    touched = np.zeros(grid.starts.size, dtype=bool)
    for override in overrides:
        inside = (grid.starts >= int(override["starts_at"].timestamp())) & (
            grid.starts < int(override["ends_at"].timestamp())
        )
        if override["volume"] is not None:
            volume[inside] = override["volume"] * grid.minutes / 60.0
        if override["aht_s"] is not None:
            aht[inside] = override["aht_s"]
        touched |= inside
    return touched


async def queue_forecast(ctx: TenantContext, queue: PlannedQueue, grid: Grid) -> QueueForecast:
    since, until = grid.bounds
    rows = await ctx.select(
        ForecastInterval,
        ForecastInterval.starts_at,
        ForecastInterval.minutes,
        ForecastInterval.volume,
        ForecastInterval.aht_s,
    ).where(
        (ForecastInterval.queue_id == queue.id)
        & (ForecastInterval.starts_at >= since)
        & (ForecastInterval.starts_at < until)
    )
    baseline_volume, baseline_aht = _regrid(grid, rows, queue.default_aht_s)
    uplift = _uplift(grid, queue.zone, await events_for(ctx, queue.id, queue.tenant_id))
    volume = np.maximum(baseline_volume * (1.0 + uplift / 100.0), 0.0)
    aht = baseline_aht.copy()
    overridden = _override(grid, await overrides_for(ctx, queue.id, since, until), volume, aht)
    return QueueForecast(baseline_volume, baseline_aht, uplift, volume, aht, overridden)


async def latest_run(ctx: TenantContext, queue_id: UUID) -> ForecastRunRead | None:
    row = (
        await ctx.select(ForecastRun)
        .where((ForecastRun.queue_id == queue_id) & (ForecastRun.status != ForecastRunStatus.PENDING))
        .order_by(ForecastRun.created_at, ascending=False)
        .first()
    )
    return run_read(row) if row else None


def queue_grid(queue: PlannedQueue, first_day: date | None, days: int, minutes: int | None) -> Grid:
    start = first_day or local_today(queue.zone)
    return local_grid(queue.zone, start, days, minutes or queue.interval_minutes)
