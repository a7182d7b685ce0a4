"""Writing a simulated history: every row in bulk (one prepared statement per table on SQLite, COPY on
PostgreSQL), in the caller's transaction. The rows are built complete in memory, so nothing is read back."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid5

import msgspec

from retaguarda.db import bulk_insert
from retaguarda.demo.history import History
from retaguarda.tenancy import TenantContext
from retaguarda.work.tables import Notification, Task, TaskComment, TaskEvent, TimeEntry

TASK_COLUMNS = tuple(column for column in Task._meta.columns)
EVENT_COLUMNS = (
    TaskEvent.id,
    TaskEvent.tenant_id,
    TaskEvent.task_id,
    TaskEvent.kind,
    TaskEvent.at,
    TaskEvent.actor_user_id,
    TaskEvent.operator_id,
    TaskEvent.fencing_token,
    TaskEvent.data,
)
ENTRY_COLUMNS = (
    TimeEntry.id,
    TimeEntry.tenant_id,
    TimeEntry.task_id,
    TimeEntry.operator_id,
    TimeEntry.started_at,
    TimeEntry.ended_at,
    TimeEntry.seconds,
    TimeEntry.source,
    TimeEntry.reason,
    TimeEntry.billable,
    TimeEntry.corrects_id,
    TimeEntry.created_by,
    TimeEntry.invoice_id,
    TimeEntry.created_at,
)
COMMENT_COLUMNS = (
    TaskComment.id,
    TaskComment.tenant_id,
    TaskComment.task_id,
    TaskComment.author_id,
    TaskComment.side,
    TaskComment.body,
    TaskComment.created_at,
)
NOTICE_COLUMNS = (
    Notification.id,
    Notification.tenant_id,
    Notification.user_id,
    Notification.task_id,
    Notification.kind,
    Notification.data,
    Notification.created_at,
    Notification.read_at,
)
# Notices older than this have been read by the time the demo opens.
READ_AFTER = timedelta(days=2)


def _json(value: Any) -> str:
    return msgspec.json.encode(value).decode()


def _task_values(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(
        _json(row[c._meta.name]) if c._meta.name == "payload" else row[c._meta.name] for c in TASK_COLUMNS
    )


def notices(
    history: History, recipients: list[UUID], now: datetime, rng: random.Random
) -> list[tuple[Any, ...]]:
    """The in-app notices the SLA notification job wrote for every warning and breach (ids as it derives
    them), the older ones read."""
    titles = {row["id"]: row["title"] for row in history.tasks}
    tenant = history.tasks[0]["tenant_id"] if history.tasks else None
    rows = []
    for event_id, task_id, kind, at, data in history.fired:
        for user_id in recipients:
            read = at + timedelta(minutes=rng.uniform(5, 300)) if at < now - READ_AFTER else None
            rows.append(
                (uuid5(event_id, str(user_id)), tenant, user_id, task_id, kind,
                 _json({**data, "title": titles[task_id]}), at, read)
            )  # fmt: skip
    return rows


async def write_history(
    ctx: TenantContext, tenant_id: UUID, history: History, recipients: list[UUID], now: datetime, seed: int
) -> None:
    ctx.require(tenant_id)
    # scope: every row below belongs to tenant_id, required just above
    await bulk_insert(Task, TASK_COLUMNS, [_task_values(row) for row in history.tasks])
    await bulk_insert(TaskEvent, EVENT_COLUMNS, [(*e[:8], _json(e[8])) for e in history.events])
    await bulk_insert(TimeEntry, ENTRY_COLUMNS, [(*e[:13], e[4]) for e in history.entries])
    await bulk_insert(TaskComment, COMMENT_COLUMNS, history.comments)
    rng = random.Random(f"{seed}:notices:{tenant_id}")
    await bulk_insert(Notification, NOTICE_COLUMNS, notices(history, recipients, now, rng))
