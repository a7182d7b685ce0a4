"""Read helpers for the screens that watch SLA clocks: the open tasks closest to (or past) their resolution
due instant with their clocks, how many open tasks are in warning or breached, and a user's unread notices.

Reads only, through the caller's scope; the clocks themselves come from ``service.task_slas`` (the same
views the API shows), so a screen never decides a clock's state on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from piccolo.query.functions.aggregate import Count

from retaguarda.tenancy import TenantContext
from retaguarda.work.schemas import TaskSla
from retaguarda.work.service.common import now
from retaguarda.work.service.tasks import operator_reach
from retaguarda.work.sla.service import task_slas
from retaguarda.work.tables import Notification, Task

OPEN_STATUSES = ["queued", "claimed", "waiting_on_client"]
# Worst first: a breached clock needs attention before one in warning, a running one before a paused one.
STATE_RANK = {"breached": 0, "warning": 1, "running": 2, "paused": 3, "met": 4}
CLOCK_COLUMNS = (
    Task.id,
    Task.tenant_id,
    Task.title,
    Task.status,
    Task.priority,
    Task.queue_id,
    Task.created_at,
    Task.first_claimed_at,
    Task.completed_at,
    Task.sla_version_id,
    Task.response_due_at,
    Task.response_warn_at,
    Task.response_state,
    Task.resolution_due_at,
    Task.resolution_warn_at,
    Task.resolution_state,
    Task.sla_paused_at,
    Task.sla_paused_s,
    Task.resolution_remaining_s,
)


@dataclass(frozen=True, slots=True)
class RiskyTask:
    row: dict[str, Any]
    sla: TaskSla

    @property
    def state(self) -> str:
        """The worse of the two clocks' states."""
        return min(self.sla.response.state, self.sla.resolution.state, key=lambda s: STATE_RANK.get(s, 9))


def _open_with_clocks(ctx: TenantContext, *columns: Any, queue_ids: list[UUID] | None) -> Any:
    query = ctx.select(Task, *columns).where(
        Task.status.is_in(OPEN_STATUSES) & Task.resolution_due_at.is_not_null()
    )
    reach = operator_reach(ctx)
    if reach is not None:
        query = query.where(reach)
    if queue_ids is not None:
        query = query.where(Task.queue_id.is_in(queue_ids or [None]))
    return query


async def tasks_at_risk(
    ctx: TenantContext, *, limit: int = 8, queue_ids: list[UUID] | None = None
) -> list[RiskyTask]:
    """Open tasks with clocks, breached first, then in warning, then due soonest. The candidates are the
    ones due soonest (a breached clock is due in the past, a warning one soon): ``limit`` times a few,
    ranked by their clocks' states."""
    rows: list[dict[str, Any]] = await (
        _open_with_clocks(ctx, *CLOCK_COLUMNS, queue_ids=queue_ids)
        .order_by(Task.resolution_due_at)
        .limit(limit * 3)
    )
    slas = await task_slas(rows)
    risky = [RiskyTask(row, slas[row["id"]]) for row in rows if row["id"] in slas]
    risky.sort(key=lambda r: (STATE_RANK.get(r.state, 9), r.sla.resolution.due_at or r.row["created_at"]))
    return risky[:limit]


async def risk_counts(ctx: TenantContext, *, queue_ids: list[UUID] | None = None) -> dict[str, int]:
    """Open, unpaused tasks whose resolution clock is breached (past due, or recorded breached by the
    sweep) or in warning (past its warning instant)."""
    at = now()
    running = Task.sla_paused_at.is_null()
    breached = (Task.resolution_due_at < at) | (Task.resolution_state == "breached")
    breached_rows = await _open_with_clocks(ctx, Count(), queue_ids=queue_ids).where(running & breached)
    warning_rows = await _open_with_clocks(ctx, Count(), queue_ids=queue_ids).where(
        running
        & (Task.resolution_due_at >= at)
        & (Task.resolution_state != "breached")
        & ((Task.resolution_warn_at <= at) | (Task.resolution_state == "warning"))
    )
    return {
        "breached": int(breached_rows[0]["count"]) if breached_rows else 0,
        "warning": int(warning_rows[0]["count"]) if warning_rows else 0,
    }


async def unread_notifications(ctx: TenantContext) -> int:
    """How many of the signed-in user's notices are unread."""
    rows = await ctx.select(Notification, Count()).where(
        (Notification.user_id == ctx.principal.user_id) & Notification.read_at.is_null()
    )
    return int(rows[0]["count"]) if rows else 0
