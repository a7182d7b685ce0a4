"""The season ahead of each client, through the planning services: its seasonal event, a forecast of every
queue learned from the history, and a draft scaling plan that adds reinforcements where the pool falls short
during the season. The reinforcements' shifts are laid where the shortfall is, hour by hour, so the plan's
what-if closes the gap the staffing page opens on."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from retaguarda import db
from retaguarda.demo.model import DemoClient, as_provider
from staffing.planning.schemas import (
    ForecastRequest,
    PlanChange,
    PlanCreate,
    QueueStaffingUpdate,
    SeasonalEventCreate,
)
from staffing.planning.service import adjustments, forecasts, plans, queues, requirements
from staffing.planning.tables import ForecastRun, ScalingPlan, SeasonalEvent
from staffing.schemas import ShiftCreate
from staffing.service import shifts

# A back office's own staffing settings: breaks, training and absence take 15 % of scheduled time, and
# operators are busy at most 90 % of the rest.
SHRINKAGE = 0.15
MAX_OCCUPANCY = 0.9
# A reinforcement works up to this many hours a day, and is not called in for a shortfall smaller than this
# share of an operator (the night's trickle of tasks).
REINFORCEMENT_HOURS = 8
SMALLEST_SHORTFALL = 0.25


def season_days(client: DemoClient, now: datetime) -> tuple[date, date]:
    first = now.astimezone(client.zone).date() + timedelta(days=client.script.season.starts_in)
    return first, first + timedelta(days=client.script.season.days - 1)


async def _event_and_settings(client: DemoClient, now: datetime, manager: UUID | None) -> None:
    ctx = as_provider(client.provider_id, manager)
    season = client.script.season
    if not await ctx.exists(SeasonalEvent).where(
        (SeasonalEvent.tenant_id == client.tenant_id) & (SeasonalEvent.name == season.name)
    ):
        first, last = season_days(client, now)
        scope = (
            {"queue_id": client.queue_ids[season.queue]} if season.queue else {"tenant_id": client.tenant_id}
        )
        await adjustments.create_event(
            ctx,
            SeasonalEventCreate(
                name=season.name,
                first_day=first,
                last_day=last,
                uplift_percent=season.uplift_percent,
                **scope,
            ),
            manager,
        )
    for planned in await queues.planned_queues(ctx, list(client.queue_ids.values())):
        if planned.is_default:
            await queues.update_settings(
                ctx, planned.id, QueueStaffingUpdate(shrinkage=SHRINKAGE, max_occupancy=MAX_OCCUPANCY)
            )


async def _forecasts(client: DemoClient, now: datetime, manager: UUID | None) -> None:
    ctx = as_provider(client.provider_id, manager)
    queue_ids = list(client.queue_ids.values())
    if await ctx.exists(ForecastRun).where(ForecastRun.queue_id.is_in(queue_ids)):
        return
    runs = await forecasts.request_forecasts(
        ctx,
        ForecastRequest(queue_ids=queue_ids, first_day=now.astimezone(client.zone).date()),
        manager,
    )
    # Computed here rather than by the job the request enqueued, so the demo opens on them; the job then
    # finds them done and leaves them.
    await forecasts.compute_runs(ctx, [run.id for run in runs])


def _reinforcement_shifts(needs: list[int]) -> list[tuple[int, int]]:
    """Shifts (first hour, end hour) covering an hourly need of extra operators, earliest first."""
    left, laid = list(needs), []
    while any(left):
        start = next(hour for hour, need in enumerate(left) if need > 0)
        end = min(start + REINFORCEMENT_HOURS, len(left))
        for hour in range(start, end):
            left[hour] = max(0, left[hour] - 1)
        laid.append((start, end))
    return laid


async def _plan(client: DemoClient, now: datetime, manager: UUID | None) -> None:
    ctx = as_provider(client.provider_id, manager)
    season = client.script.season
    if await ctx.exists(ScalingPlan).where(ScalingPlan.name == season.plan_name):
        return
    first, last = season_days(client, now)
    days = (last - first).days + 1
    grid = await requirements.requirement_grid(ctx, client.pool_id, first, days, 60)
    zone = ZoneInfo(grid.timezone)
    by_day: dict[date, list[int]] = {}
    for cell in grid.intervals:
        local = cell.starts_at.astimezone(zone)
        short = -cell.gap
        need = math.ceil(short - SMALLEST_SHORTFALL) if short > SMALLEST_SHORTFALL else 0
        by_day.setdefault(local.date(), [0] * 24)[local.hour] = max(need, 0)
    called: set[UUID] = set()
    for day, needs in sorted(by_day.items()):
        for position, (start, end) in enumerate(_reinforcement_shifts(needs)):
            if position >= len(client.temps):
                break
            temp = client.temps[position]
            begin = datetime.combine(day, time(start), tzinfo=zone).astimezone(UTC)
            finish = datetime.combine(day, time(0), tzinfo=zone) + timedelta(hours=end)
            await shifts.create_shift(
                ctx,
                ShiftCreate(
                    operator_id=temp.operator_id,
                    pool_id=client.pool_id,
                    starts_at=begin,
                    ends_at=finish.astimezone(UTC),
                ),
            )
            called.add(temp.operator_id)
    if not called:
        return
    starts = datetime.combine(first, time(0), tzinfo=zone).astimezone(UTC)
    ends = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    await plans.create_plan(
        ctx,
        PlanCreate(
            pool_id=client.pool_id,
            name=season.plan_name,
            starts_at=starts,
            ends_at=ends,
            changes=[
                PlanChange(kind="add", operator_id=temp.operator_id, share=100)
                for temp in client.temps
                if temp.operator_id in called
            ],
            notes=season.name,
        ),
    )


async def prepare_seasons(
    clients: list[DemoClient], now: datetime, managers: dict[UUID, UUID | None]
) -> None:
    """Each client's season, planned by ``managers[client]``."""
    for client in clients:
        async with db.transaction():
            await _event_and_settings(client, now, managers[client.tenant_id])
        async with db.transaction():
            await _forecasts(client, now, managers[client.tenant_id])
    for client in clients:
        async with db.transaction():
            await _plan(client, now, managers[client.tenant_id])
