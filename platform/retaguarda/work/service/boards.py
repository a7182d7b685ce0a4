"""Read models for the screens people watch: a client's backlog and its riskiest tasks, recent activity, a
pool's live board and an operator's day. Reads only; every query goes through the caller's scope."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from piccolo.columns.combination import WhereRaw
from piccolo.query.functions.aggregate import Count, Sum

from retaguarda.clock import now
from retaguarda.db import json_value
from retaguarda.tenancy import TenantContext
from retaguarda.work.reach import OPERATOR_REACH_SQL, operator_reach
from retaguarda.work.tables import QueuePool, Task, TaskEvent, TaskStatus, TimeEntry

OPEN_STATUSES = (TaskStatus.QUEUED.value, TaskStatus.CLAIMED.value, TaskStatus.WAITING_ON_CLIENT.value)
TASK_SUMMARY = (
    Task.id,
    Task.tenant_id,
    Task.title,
    Task.status,
    Task.priority,
    Task.due_at,
    Task.created_at,
    Task.queue_id,
    Task.assignee_id,
    Task.lease_expires_at,
)


def _tasks(ctx: TenantContext, *columns: Any) -> Any:
    query = ctx.select(Task, *columns)
    reach = operator_reach(ctx)
    return query if reach is None else query.where(reach)


async def backlog_by_status(ctx: TenantContext) -> dict[str, int]:
    """Open tasks per status (every open status present, zero when none)."""
    rows = await (
        _tasks(ctx, Task.status, Count()).where(Task.status.is_in(list(OPEN_STATUSES))).group_by(Task.status)
    )
    counts = dict.fromkeys(OPEN_STATUSES, 0)
    for row in rows:
        counts[row["status"]] = int(row["count"])
    return counts


async def recent_activity(ctx: TenantContext, *, limit: int = 10) -> list[dict[str, Any]]:
    """The latest events of the tasks the caller may see, newest first, with each task's title."""
    query = ctx.select(TaskEvent, TaskEvent.kind, TaskEvent.at, TaskEvent.task_id, TaskEvent.task_id.title)
    if operator_reach(ctx) is not None:
        # An operator sees the history of the tasks it may reach, no other client's activity.
        at = now()
        user_id = ctx.principal.user_id
        query = query.where(
            WhereRaw(
                f"task_event.task_id IN (SELECT task.id FROM task WHERE {OPERATOR_REACH_SQL})",  # noqa: S608 - constant SQL
                user_id,
                at,
                at,
                user_id,
            )
        )
    rows: list[dict[str, Any]] = await query.order_by(TaskEvent.at, ascending=False).limit(limit)
    return rows


@dataclass
class QueueLine:
    queue_id: UUID
    code: str
    name: str
    client: str
    counts: dict[str, int]
    oldest_queued_at: datetime | None


@dataclass
class PoolBoard:
    queues: list[QueueLine] = field(default_factory=list)
    held: list[dict[str, Any]] = field(default_factory=list)

    @property
    def backlog(self) -> int:
        return sum(line.counts[TaskStatus.QUEUED.value] for line in self.queues)


async def pool_board(ctx: TenantContext, pool_id: UUID) -> PoolBoard:
    """The queues a pool serves, each with its open tasks per status and its oldest waiting task, and who
    holds what (the tasks at risk and due next come from work.sla.service.risk, with their clocks)."""
    links = await ctx.select(
        QueuePool,
        QueuePool.queue_id,
        QueuePool.queue_id.code,
        QueuePool.queue_id.name,
        QueuePool.tenant_id.name,
    ).where(QueuePool.pool_id == pool_id)
    board = PoolBoard()
    queue_ids = [link["queue_id"] for link in links]
    if not queue_ids:
        return board
    counts: dict[UUID, dict[str, int]] = {q: dict.fromkeys(OPEN_STATUSES, 0) for q in queue_ids}
    for row in await (
        _tasks(ctx, Task.queue_id, Task.status, Count())
        .where(Task.queue_id.is_in(queue_ids) & Task.status.is_in(list(OPEN_STATUSES)))
        .group_by(Task.queue_id, Task.status)
    ):
        counts[row["queue_id"]][row["status"]] = int(row["count"])
    for link in links:
        oldest = await (
            _tasks(ctx, Task.created_at)
            .where((Task.queue_id == link["queue_id"]) & (Task.status == TaskStatus.QUEUED.value))
            .order_by(Task.created_at)
            .first()
        )
        board.queues.append(
            QueueLine(
                queue_id=link["queue_id"],
                code=link["queue_id.code"],
                name=link["queue_id.name"],
                client=link["tenant_id.name"],
                counts=counts[link["queue_id"]],
                oldest_queued_at=oldest["created_at"] if oldest else None,
            )
        )
    board.held = await (
        _tasks(ctx, *TASK_SUMMARY, Task.assignee_id._.user_id._.display_name, Task.tenant_id.name)
        .where(Task.queue_id.is_in(queue_ids) & (Task.status == TaskStatus.CLAIMED.value))
        .order_by(Task.lease_expires_at)
    )
    return board


@dataclass(frozen=True)
class TypeDay:
    """One task type in an operator's day: tasks completed, their mean handle time against the type's
    expected time."""

    names: dict[str, str]
    code: str
    completed: int
    handle_s: int
    expected_s: int


@dataclass(frozen=True)
class OperatorDay:
    completed: int
    seconds: int  # time on tasks (captured entries, a running one up to now)
    waiting_s: int = 0  # time the tasks it asked about waited on the client's answer
    by_type: list[TypeDay] = field(default_factory=list)


async def operator_day(ctx: TenantContext, operator_id: UUID, since: datetime) -> OperatorDay:
    """An operator's day since ``since``: tasks completed, time on tasks, time its questions kept tasks
    waiting on clients, and per task type the mean handle time of the tasks completed (all the operator's
    captured time on each, earlier days too) against the type's expected time."""
    done = await ctx.select(TaskEvent, TaskEvent.task_id).where(
        (TaskEvent.operator_id == operator_id) & (TaskEvent.kind == "completed") & (TaskEvent.at >= since)
    )
    entries = await ctx.select(
        TimeEntry, TimeEntry.started_at, TimeEntry.ended_at, TimeEntry.seconds, TimeEntry.source
    ).where(
        (TimeEntry.operator_id == operator_id)
        & (TimeEntry.started_at >= since)
        & (TimeEntry.source == "auto")
    )
    stamp = now()
    seconds = sum(
        row["seconds"] if row["ended_at"] is not None else int((stamp - row["started_at"]).total_seconds())
        for row in entries
    )
    done_ids = list({row["task_id"] for row in done})
    return OperatorDay(
        completed=len(done),
        seconds=max(seconds, 0),
        waiting_s=await _waiting_seconds(ctx, operator_id, since, stamp),
        by_type=await _by_type(ctx, operator_id, done_ids) if done_ids else [],
    )


async def _by_type(ctx: TenantContext, operator_id: UUID, task_ids: list[UUID]) -> list[TypeDay]:
    handled = (
        await ctx.select(TimeEntry, TimeEntry.task_id, Sum(TimeEntry.seconds))
        .where(
            (TimeEntry.operator_id == operator_id)
            & TimeEntry.task_id.is_in(task_ids)
            & (TimeEntry.source == "auto")
        )
        .group_by(TimeEntry.task_id)
    )
    per_task = {row["task_id"]: int(row["sum"] or 0) for row in handled}
    tasks = await ctx.select(
        Task,
        Task.id,
        Task.task_type_id,
        Task.task_type_id.code,
        Task.task_type_id.names,
        Task.task_type_id.expected_handle_s,
    ).where(Task.id.is_in(task_ids))
    grouped: dict[UUID, list[dict[str, Any]]] = {}
    for row in tasks:
        grouped.setdefault(row["task_type_id"], []).append(row)
    days = []
    for rows in grouped.values():
        first = rows[0]
        total = sum(per_task.get(row["id"], 0) for row in rows)
        days.append(
            TypeDay(
                names=json_value(first["task_type_id.names"]) or {},
                code=first["task_type_id.code"],
                completed=len(rows),
                handle_s=total // len(rows),
                expected_s=int(first["task_type_id.expected_handle_s"]),
            )
        )
    return sorted(days, key=lambda day: -day.completed)


async def _waiting_seconds(ctx: TenantContext, operator_id: UUID, since: datetime, until: datetime) -> int:
    """Wall time since ``since`` that the operator's questions kept tasks waiting: from each question
    (a ``paused`` event of its own) to the client's answer (the task's next ``resumed``), or to now."""
    asked_on = await ctx.select(TaskEvent, TaskEvent.task_id).where(
        (TaskEvent.operator_id == operator_id) & (TaskEvent.kind == "paused") & (TaskEvent.at >= since)
    )
    if not asked_on:
        return 0
    events = await (
        ctx.select(TaskEvent, TaskEvent.task_id, TaskEvent.kind, TaskEvent.at, TaskEvent.operator_id)
        .where(
            TaskEvent.kind.is_in(["paused", "resumed"])
            & (TaskEvent.at >= since)
            & TaskEvent.task_id.is_in(list({row["task_id"] for row in asked_on}))
        )
        .order_by(TaskEvent.at)
    )
    asked: dict[UUID, datetime] = {}
    waited = 0.0
    for event in events:
        if event["kind"] == "paused" and event["operator_id"] == operator_id:
            asked[event["task_id"]] = event["at"]
        elif event["kind"] == "resumed" and event["task_id"] in asked:
            waited += (event["at"] - asked.pop(event["task_id"])).total_seconds()
    waited += sum((until - at).total_seconds() for at in asked.values())
    return int(waited)
