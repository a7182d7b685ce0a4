"""A plan's effect before it is approved: per pool it touches (the receiving pool and any lender), the
scheduled operators, gap and expected service level per interval, before and after, over the plan's local
days (the first 31 of them for a longer plan)."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from retaguarda.errors import Conflict
from retaguarda.tenancy import TenantContext
from staffing.planning.schemas import PoolEffect, WhatIf, WhatIfCell, WhatIfSummary
from staffing.planning.service.headcount import load_roster, scheduled
from staffing.planning.service.plans import get_plan, plan_rewrite
from staffing.planning.service.requirements import MAX_DAYS, PoolDemand, pool_demand
from staffing.planning.time_grid import local_grid
from staffing.service.pools import get_pool


def _summary(demand: PoolDemand, staffed: NDArray[np.float64], levels: list[float | None]) -> WhatIfSummary:
    hours = demand.grid.minutes / 60.0
    short = np.clip(demand.required - staffed, 0, None)
    weighted = [
        (level, volume) for level, volume in zip(levels, demand.volume, strict=True) if level is not None
    ]
    total_volume = sum(volume for _, volume in weighted)
    return WhatIfSummary(
        required_hours=round(float(demand.required.sum() * hours), 2),
        scheduled_hours=round(float(staffed.sum() * hours), 2),
        short_hours=round(float(short.sum() * hours), 2),
        service_level=round(sum(level * volume for level, volume in weighted) / total_volume, 4)
        if total_volume > 0
        else None,
    )


async def what_if(ctx: TenantContext, plan_id: UUID, minutes: int) -> WhatIf:
    plan = await get_plan(ctx, plan_id)
    if plan.status in ("applied", "cancelled"):
        raise Conflict("A what-if compares the roster with a plan not applied yet.")
    pool = await get_pool(ctx, plan.pool_id)
    zone = ZoneInfo(pool.timezone)
    first_day = plan.starts_at.astimezone(zone).date()
    last_day = (plan.ends_at - timedelta(microseconds=1)).astimezone(zone).date()
    days = min((last_day - first_day).days + 1, MAX_DAYS)
    grid = local_grid(zone, first_day, days, minutes)
    outcome = await plan_rewrite(ctx, plan)
    if outcome.problems:
        raise Conflict("The roster does not allow this plan as it stands.", errors=outcome.problems)
    lenders = list(dict.fromkeys(c.from_pool_id for c in plan.changes if c.from_pool_id is not None))
    since, until = grid.bounds
    roster = await load_roster(
        ctx, [plan.pool_id, *lenders], [c.operator_id for c in plan.changes], since, until
    )
    # The rewrite saw the plan's period only; outside it (the rest of the grid's days) nothing changes.
    after = roster.with_members(
        [m for m in roster.members if m.id not in outcome.originals] + outcome.members
    )
    effects = []
    for pool_id, role in [(plan.pool_id, "receiving"), *((p, "lending") for p in lenders)]:
        demand = await pool_demand(ctx, pool_id, grid)
        before_staffed, after_staffed = scheduled(grid, pool_id, roster), scheduled(grid, pool_id, after)
        before_levels, after_levels = (
            demand.service_levels(before_staffed),
            demand.service_levels(after_staffed),
        )
        cells = [
            WhatIfCell(
                starts_at=grid.start_at(i).astimezone(zone),
                required=round(float(demand.required[i]), 3),
                scheduled_before=round(float(before_staffed[i]), 3),
                scheduled_after=round(float(after_staffed[i]), 3),
                gap_before=round(float(before_staffed[i] - demand.required[i]), 3),
                gap_after=round(float(after_staffed[i] - demand.required[i]), 3),
                service_level_before=before_levels[i],
                service_level_after=after_levels[i],
            )
            for i in range(grid.starts.size)
        ]
        effects.append(
            PoolEffect(
                pool_id=pool_id,
                role="receiving" if role == "receiving" else "lending",
                before=_summary(demand, before_staffed, before_levels),
                after=_summary(demand, after_staffed, after_levels),
                intervals=cells,
            )
        )
    return WhatIf(plan_id=plan.id, interval_minutes=minutes, pools=effects)
