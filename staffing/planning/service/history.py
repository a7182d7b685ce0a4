"""Task history as the forecaster reads it: per queue, local day and interval, the tasks that arrived and
the handling time of those that were done (from their time entries)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from retaguarda.tenancy import TenantContext
from retaguarda.work.tables import Task, TaskStatus, TimeEntry
from staffing.planning.forecaster import History
from staffing.planning.service.queues import PlannedQueue
from staffing.planning.time_grid import day_start, local_cells


def _stamps(values: list[datetime]) -> NDArray[np.int64]:
    return np.array([int(v.timestamp()) for v in values], dtype=np.int64)


async def _handle_seconds(
    ctx: TenantContext, queue_ids: list[UUID], since: datetime, until: datetime
) -> dict[UUID, int]:
    """Seconds spent per done task that arrived in the window, leaving out entries that a manual
    correction replaced. One join, not a list of task ids: a year of a large queue is too many parameters."""
    task = TimeEntry.task_id
    rows = await ctx.select(
        TimeEntry, TimeEntry.id, TimeEntry.task_id, TimeEntry.seconds, TimeEntry.corrects_id
    ).where(
        task.queue_id.is_in(queue_ids)
        & (task.created_at >= since)
        & (task.created_at < until)
        & (task.status == "done")
        & TimeEntry.ended_at.is_not_null()
    )
    corrected = {row["corrects_id"] for row in rows if row["corrects_id"] is not None}
    spent: dict[UUID, int] = defaultdict(int)
    for row in rows:
        if row["id"] not in corrected:
            spent[row["task_id"]] += row["seconds"]
    return spent


async def load_history(
    ctx: TenantContext, queues: list[PlannedQueue], zone: ZoneInfo, first_day: date, days: int, minutes: int
) -> History:
    """``days`` local days from ``first_day`` of the queues' history (one client's queues: one zone)."""
    slots = 24 * 60 // minutes
    volumes = np.zeros((len(queues), days, slots))
    handled_s = np.zeros_like(volumes)
    handled_n = np.zeros_like(volumes)
    index = {queue.id: position for position, queue in enumerate(queues)}
    since = day_start(first_day, zone)
    until = day_start(first_day + timedelta(days=days), zone)
    rows = await ctx.select(Task, Task.id, Task.queue_id, Task.created_at, Task.status).where(
        Task.queue_id.is_in(list(index))
        & (Task.created_at >= since)
        & (Task.created_at < until)
        & (Task.status != TaskStatus.CANCELLED)
    )
    if rows:
        spent = await _handle_seconds(ctx, list(index), since, until)
        day, slot = local_cells(_stamps([row["created_at"] for row in rows]), zone, first_day, minutes)
        queue = np.array([index[row["queue_id"]] for row in rows])
        inside = (day >= 0) & (day < days)
        seconds = np.array([float(spent.get(row["id"], 0)) for row in rows])
        counted = (seconds > 0).astype(np.float64)
        cell = (queue[inside], day[inside], slot[inside])
        np.add.at(volumes, cell, 1.0)
        np.add.at(handled_s, cell, seconds[inside])
        np.add.at(handled_n, cell, counted[inside])
    return History(
        volumes=volumes,
        handled_s=handled_s,
        handled_n=handled_n,
        first_weekday=first_day.weekday(),
        default_aht_s=np.array([queue.default_aht_s for queue in queues]),
    )


def trim_leading_quiet_days(history: History) -> History:
    """Drop the days before any of these queues had a task: a new client's empty months are not a season
    of zero volume. Kept to whole weeks so weekdays stay aligned."""
    busy = np.flatnonzero(history.volumes.sum(axis=(0, 2)) > 0)
    if busy.size == 0:
        return history
    skip = int(busy[0]) // 7 * 7
    if skip == 0:
        return history
    return History(
        history.volumes[:, skip:],
        history.handled_s[:, skip:],
        history.handled_n[:, skip:],
        history.first_weekday,
        history.default_aht_s,
    )


def local_today(zone: ZoneInfo) -> date:
    return datetime.now(UTC).astimezone(zone).date()
