"""Required against scheduled operators per pool and interval.

A pool's requirement is the sum over the queues it serves of each queue's requirement (its forecast through
its own model and settings), a queue served by several pools being split evenly between them: routing offers
a queue's tasks to every pool that serves it alike, and an even split keeps each pool's figure stable when
another pool's roster changes (so a plan's what-if moves only the pools it touches). Summing per-queue
Erlang C requirements ignores the economy of scale of one team answering several live queues: on the safe
side.

The expected service level treats the pool as one team: its scheduled operators, less shrinkage, answering
the pool's share of all its queues' work (Erlang C, with the work's mean handle time and answer target).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from retaguarda.errors import FieldError
from retaguarda.tenancy import TenantContext
from staffing.planning.schemas import RequirementCell, RequirementGrid, ServedQueue
from staffing.planning.service import models
from staffing.planning.service.forecasts import queue_forecast
from staffing.planning.service.headcount import Roster, load_roster, scheduled
from staffing.planning.service.history import local_today
from staffing.planning.service.queues import planned_queues, pools_serving, queues_of_pool
from staffing.planning.time_grid import Grid, local_grid
from staffing.service.pools import get_pool
from tenants.service.validation import raise_if_any

MAX_DAYS = 31


@dataclass(frozen=True, slots=True)
class PoolDemand:
    """What a pool's queues ask of it per interval of the grid."""

    pool_id: UUID
    grid: Grid
    queues: list[ServedQueue]
    volume: NDArray[np.float64]
    required: NDArray[np.float64]
    traffic: NDArray[np.float64]  # erlangs of work
    work_s: NDArray[np.float64]  # seconds of work
    answer_s: NDArray[np.float64]  # traffic-weighted answer target
    shrinkage: NDArray[np.float64]  # traffic-weighted

    def service_levels(self, operators: NDArray[np.float64]) -> list[float | None]:
        levels: list[float | None] = []
        for i in range(self.grid.starts.size):
            if self.volume[i] <= 0:
                levels.append(None)
                continue
            productive = operators[i] * (1.0 - self.shrinkage[i])
            aht = self.work_s[i] / self.volume[i]
            level = models.service_level(productive, self.traffic[i], aht, self.answer_s[i])
            levels.append(None if level is None else round(level, 4))
        return levels


def check_window(days: int) -> None:
    if not 1 <= days <= MAX_DAYS:
        raise_if_any(FieldError("days", "out_of_range", "Choose between 1 and 31 days."))


async def pool_grid(
    ctx: TenantContext, pool_id: UUID, first_day: date | None, days: int, minutes: int
) -> Grid:
    """Whole local days of the pool's time zone (from today there by default)."""
    pool = await get_pool(ctx, pool_id)
    zone = ZoneInfo(pool.timezone)
    return local_grid(zone, first_day or local_today(zone), days, minutes)


async def pool_demand(ctx: TenantContext, pool_id: UUID, grid: Grid) -> PoolDemand:
    size = grid.starts.size
    volume, required, traffic, work = (np.zeros(size) for _ in range(4))
    answer_weighted, shrink_weighted = np.zeros(size), np.zeros(size)
    queues = await planned_queues(ctx, await queues_of_pool(ctx, pool_id))
    serving = await pools_serving(ctx, [queue.id for queue in queues])
    served = []
    for queue in queues:
        pools = max(len(serving.get(queue.id, [])), 1)
        share = 1.0 / pools
        forecast = await queue_forecast(ctx, queue, grid)
        required += models.required_operators(queue, forecast.volume, forecast.aht_s, grid.seconds) * share
        queue_work = forecast.volume * forecast.aht_s * share
        queue_traffic = queue_work / grid.seconds
        volume += forecast.volume * share
        work += queue_work
        traffic += queue_traffic
        answer_weighted += queue_traffic * queue.answer_time_s
        shrink_weighted += queue_traffic * queue.shrinkage
        served.append(
            ServedQueue(queue_id=queue.id, tenant_id=queue.tenant_id, model=queue.model, pools_serving=pools)
        )
    busy = traffic > 0
    divisor = np.where(busy, traffic, 1.0)
    return PoolDemand(
        pool_id=pool_id,
        grid=grid,
        queues=served,
        volume=volume,
        required=required,
        traffic=traffic,
        work_s=work,
        answer_s=np.where(busy, answer_weighted / divisor, 0.0),
        shrinkage=np.where(busy, shrink_weighted / divisor, 0.0),
    )


async def pool_roster(
    ctx: TenantContext, pool_ids: list[UUID], operator_ids: list[UUID], grid: Grid
) -> Roster:
    since, until = grid.bounds
    return await load_roster(ctx, pool_ids, operator_ids, since, until)


async def requirement_grid(
    ctx: TenantContext, pool_id: UUID, first_day: date | None, days: int, minutes: int
) -> RequirementGrid:
    check_window(days)
    grid = await pool_grid(ctx, pool_id, first_day, days, minutes)
    demand = await pool_demand(ctx, pool_id, grid)
    staffed = scheduled(grid, pool_id, await pool_roster(ctx, [pool_id], [], grid))
    levels = demand.service_levels(staffed)
    cells = [
        RequirementCell(
            starts_at=grid.start_at(i).astimezone(grid.zone),
            volume=round(float(demand.volume[i]), 3),
            required=round(float(demand.required[i]), 3),
            scheduled=round(float(staffed[i]), 3),
            gap=round(float(staffed[i] - demand.required[i]), 3),
            expected_service_level=levels[i],
        )
        for i in range(grid.starts.size)
    ]
    return RequirementGrid(
        pool_id=pool_id,
        timezone=grid.zone.key,
        interval_minutes=grid.minutes,
        queues=demand.queues,
        intervals=cells,
    )
