"""Read helpers for the screens that watch SLA clocks: the tasks at risk, how many there are, the open tasks
due next, and a user's unread notices.

**At risk** has one definition, here, for every page and counter: an open task with a clock in its warning
window or breached. A clock is open while it runs: the first-response clock until the first claim, the
resolution clock until completion and not while paused (waiting on the client). The SQL conditions below say
exactly what ``clocks.clock_view`` says of an open clock (past its warning instant or recorded in warning:
warning; past its due instant or recorded breached: breached), so a list, its counters and a task's own page
agree. Each row shows its *watched clock*, the worst of its open clocks, so every list gives a task the same
deadline.

Reads only, through the caller's scope; the clocks themselves come from ``service.task_slas`` (the same
views the API shows), so a screen never decides a clock's state on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from piccolo.custom_types import Combinable
from piccolo.query.functions.aggregate import Count

from retaguarda.clock import now
from retaguarda.tenancy import TenantContext
from retaguarda.work.reach import operator_reach
from retaguarda.work.schemas import SlaClockRead, TaskSla
from retaguarda.work.sla.service.task_clocks import task_slas
from retaguarda.work.tables import SLA_CLOCK_COLUMNS, Notification, Task

OPEN_STATUSES = ["queued", "claimed", "waiting_on_client"]
# Worst first: a breached clock needs attention before one in warning, a running one before a paused one.
STATE_RANK = {"breached": 0, "warning": 1, "running": 2, "paused": 3, "met": 4}
CLOCK_COLUMNS = (
    Task.id,
    Task.tenant_id,
    Task.tenant_id.name.as_alias("client_name"),
    Task.due_at,
    Task.title,
    Task.status,
    Task.priority,
    Task.queue_id,
    Task.created_at,
    Task.first_claimed_at,
    Task.completed_at,
    *SLA_CLOCK_COLUMNS,
    Task.sla_paused_at,
    Task.sla_paused_s,
    Task.resolution_remaining_s,
)


WATCHED_STATES = ("warning", "breached")


def _open_response() -> Combinable:
    return Task.first_claimed_at.is_null() & Task.response_due_at.is_not_null()


def _running_resolution() -> Combinable:
    return Task.sla_paused_at.is_null() & Task.resolution_due_at.is_not_null()


def breached_condition(at: datetime) -> Combinable:
    """An open clock past its due instant, or recorded breached by the sweep."""
    return (_open_response() & ((Task.response_due_at < at) | (Task.response_state == "breached"))) | (
        _running_resolution() & ((Task.resolution_due_at < at) | (Task.resolution_state == "breached"))
    )


def at_risk_condition(at: datetime) -> Combinable:
    """THE definition of at risk: an open clock in its warning window or breached."""
    warning = (_open_response() & ((Task.response_warn_at <= at) | (Task.response_state == "warning"))) | (
        _running_resolution() & ((Task.resolution_warn_at <= at) | (Task.resolution_state == "warning"))
    )
    return breached_condition(at) | warning


@dataclass(frozen=True, slots=True)
class WatchedTask:
    """An open task with its clocks (``sla`` None without a policy) and the clock a screen shows for it."""

    row: dict[str, Any]
    sla: TaskSla | None

    def _open_clocks(self) -> list[tuple[str, SlaClockRead]]:
        if self.sla is None:
            return []
        clocks = []
        if self.row["first_claimed_at"] is None:
            clocks.append(("response", self.sla.response))
        if self.row["completed_at"] is None:
            clocks.append(("resolution", self.sla.resolution))
        return clocks

    @property
    def watched(self) -> tuple[str, SlaClockRead] | None:
        """The worst open clock (its kind and view), earliest due first among equals."""
        clocks = self._open_clocks()
        if not clocks:
            return None
        far = datetime.max.replace(tzinfo=UTC)
        return min(clocks, key=lambda c: (STATE_RANK.get(c[1].state, 9), c[1].due_at or far))

    @property
    def state(self) -> str:
        watched = self.watched
        return watched[1].state if watched else "running"

    @property
    def due_at(self) -> datetime | None:
        watched = self.watched
        return watched[1].due_at if watched else self.row["due_at"]


# The name screens used before; a task at risk is a watched task that matched at_risk_condition.
RiskyTask = WatchedTask


def _open_with_clocks(ctx: TenantContext, *columns: Any, queue_ids: list[UUID] | None) -> Any:
    query = ctx.select(Task, *columns).where(
        Task.status.is_in(OPEN_STATUSES) & Task.sla_version_id.is_not_null()
    )
    reach = operator_reach(ctx)
    if reach is not None:
        query = query.where(reach)
    if queue_ids is not None:
        query = query.where(Task.queue_id.is_in(queue_ids or [None]))
    return query


def _ranked(watched: list[WatchedTask]) -> list[WatchedTask]:
    far = datetime.max.replace(tzinfo=UTC)
    return sorted(watched, key=lambda w: (STATE_RANK.get(w.state, 9), w.due_at or far))


async def tasks_at_risk(
    ctx: TenantContext, *, limit: int = 8, queue_ids: list[UUID] | None = None
) -> list[WatchedTask]:
    """The tasks at risk (see at_risk_condition), breached first, then in warning, each group due soonest.
    Candidates are read by resolution due instant (an index order), ``limit`` times a few, then ranked by
    their watched clocks."""
    rows: list[dict[str, Any]] = await (
        _open_with_clocks(ctx, *CLOCK_COLUMNS, queue_ids=queue_ids)
        .where(at_risk_condition(now()))
        .order_by(Task.resolution_due_at)
        .limit(limit * 3)
    )
    slas = await task_slas(rows)
    found = [WatchedTask(row, slas[row["id"]]) for row in rows if row["id"] in slas]
    return _ranked([w for w in found if w.state in WATCHED_STATES])[:limit]


async def due_next(
    ctx: TenantContext, *, limit: int = 10, queue_ids: list[UUID] | None = None
) -> list[WatchedTask]:
    """Open tasks in claim order (the due instant of the clock each races, then priority, then age), with
    or without clocks: what the floor takes next."""
    query = ctx.select(Task, *CLOCK_COLUMNS).where(Task.status.is_in(OPEN_STATUSES))
    reach = operator_reach(ctx)
    if reach is not None:
        query = query.where(reach)
    if queue_ids is not None:
        query = query.where(Task.queue_id.is_in(queue_ids or [None]))
    rows: list[dict[str, Any]] = (
        await query.where(Task.due_at.is_not_null()).order_by(Task.due_at).limit(limit)
    )
    if len(rows) < limit:
        rows += await (
            query.where(Task.due_at.is_null())
            .order_by(Task.priority, ascending=False)
            .order_by(Task.created_at)
            .limit(limit - len(rows))
        )
    slas = await task_slas(rows)
    return [WatchedTask(row, slas.get(row["id"])) for row in rows]


async def risk_counts(ctx: TenantContext, *, queue_ids: list[UUID] | None = None) -> dict[str, int]:
    """How many tasks are at risk, split into breached (any open clock breached) and in warning (the rest):
    the same tasks tasks_at_risk lists."""
    at = now()
    risky = at_risk_condition(at)
    at_risk_rows = await _open_with_clocks(ctx, Count(), queue_ids=queue_ids).where(risky)
    breached_rows = await _open_with_clocks(ctx, Count(), queue_ids=queue_ids).where(
        risky & breached_condition(at)
    )
    at_risk = int(at_risk_rows[0]["count"]) if at_risk_rows else 0
    breached = int(breached_rows[0]["count"]) if breached_rows else 0
    return {"breached": breached, "warning": at_risk - breached, "total": at_risk}


async def unread_notifications(ctx: TenantContext) -> int:
    """How many of the signed-in user's notices are unread."""
    rows = await ctx.select(Notification, Count()).where(
        (Notification.user_id == ctx.principal.user_id) & Notification.read_at.is_null()
    )
    return int(rows[0]["count"]) if rows else 0
