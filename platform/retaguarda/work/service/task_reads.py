"""Reading tasks: lists with filters and cursor pages, the detail with its history, and the conversation."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import msgspec

from retaguarda.clock import now
from retaguarda.db import is_postgres, json_value, plan_each_statement
from retaguarda.errors import Conflict, Forbidden, NotFound
from retaguarda.tenancy import TenantContext
from retaguarda.wire import MAX_PAGE_SIZE, decode_cursor, encode_cursor, from_row
from retaguarda.work.documents.schemas import file_read
from retaguarda.work.documents.tables import TaskFile
from retaguarda.work.reach import operator_reach
from retaguarda.work.schemas import CommentRead, TaskDetail, TaskEventRead, TaskRead
from retaguarda.work.service.search import search_condition
from retaguarda.work.service.task_events import record_event
from retaguarda.work.sla.service.task_clocks import resume_task_clocks, task_sla, task_slas
from retaguarda.work.tables import Task, TaskComment, TaskEvent, TaskStatus

# After a client answers, the task waits this long for the operator who asked before anyone may take it.
PREFERRED_FOR_S = 15 * 60


def task_read(row: dict[str, Any]) -> TaskRead:
    return from_row(row, TaskRead, payload=json_value(row["payload"]) or {}, status=TaskStatus(row["status"]))


async def list_tasks(
    ctx: TenantContext,
    *,
    status: TaskStatus | None = None,
    queue_id: UUID | None = None,
    task_type_id: UUID | None = None,
    priority: int | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    text: str | None = None,
    tenant_id: UUID | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[TaskRead], str | None]:
    """Newest first."""
    query = ctx.select(Task)
    reach = operator_reach(ctx)
    if reach is not None:
        query = query.where(reach)
    for column, value in (
        (Task.status, status),
        (Task.queue_id, queue_id),
        (Task.task_type_id, task_type_id),
        (Task.priority, priority),
        (Task.tenant_id, tenant_id),
    ):
        if value is not None:
            query = query.where(column == value)
    if created_from is not None:
        query = query.where(Task.created_at >= created_from)
    if created_to is not None:
        query = query.where(Task.created_at < created_to)
    found = search_condition(text, postgres=is_postgres()) if text else None
    if found is not None:
        await plan_each_statement()
        query = query.where(found)
    if cursor:
        created_at, row_id = decode_cursor(cursor)
        query = query.where(
            (Task.created_at < created_at) | ((Task.created_at == created_at) & (Task.id < row_id))
        )
    limit = min(limit, MAX_PAGE_SIZE)
    rows = await query.order_by(Task.created_at, Task.id, ascending=False).limit(limit + 1)
    next_cursor = (
        encode_cursor(rows[limit - 1]["created_at"], rows[limit - 1]["id"]) if len(rows) > limit else None
    )
    page = rows[:limit]
    slas = await task_slas(page)
    return [with_sla(task_read(row), slas.get(row["id"])) for row in page], next_cursor


def with_sla(task: TaskRead, sla: Any) -> TaskRead:
    return msgspec.structs.replace(task, sla=sla) if sla is not None else task


async def get_task_row(ctx: TenantContext, task_id: UUID) -> dict[str, Any]:
    query = ctx.select(Task).where(Task.id == task_id)
    reach = operator_reach(ctx)
    if reach is not None:
        query = query.where(reach)
    row: dict[str, Any] | None = await query.first()
    if row is None:
        raise NotFound()
    return row


# What a client never reads of a task: the provider's internal notes, and the history rows that say one was
# written.
INTERNAL_COMMENT_KINDS = ("note",)
INTERNAL_EVENT_KINDS = ("noted",)


async def get_task_detail(ctx: TenantContext, task_id: UUID) -> TaskDetail:
    row = await get_task_row(ctx, task_id)
    events_query = ctx.select(TaskEvent).where(TaskEvent.task_id == task_id)
    comments_query = ctx.select(TaskComment).where(TaskComment.task_id == task_id)
    if not ctx.principal.is_provider:
        events_query = events_query.where(TaskEvent.kind.not_in(list(INTERNAL_EVENT_KINDS)))
        comments_query = comments_query.where(TaskComment.kind.not_in(list(INTERNAL_COMMENT_KINDS)))
    events = await events_query.order_by(TaskEvent.at)
    comments = await comments_query.order_by(TaskComment.created_at)
    return TaskDetail(
        task=with_sla(task_read(row), await task_sla(row)),
        events=[
            TaskEventRead(
                id=e["id"],
                kind=e["kind"],
                at=e["at"],
                actor_user_id=e["actor_user_id"],
                operator_id=e["operator_id"],
                data=json_value(e["data"]) or {},
            )
            for e in events
        ],
        comments=[comment_read(c) for c in comments],
        files=[file_read(f) for f in await live_task_files(ctx, task_id)],
    )


async def live_task_files(ctx: TenantContext, task_id: UUID) -> list[dict[str, Any]]:
    """The files of a task the caller already reached, in the order they were sent."""
    rows: list[dict[str, Any]] = await (
        ctx.select(TaskFile)
        .where((TaskFile.task_id == task_id) & TaskFile.deleted_at.is_null())
        .order_by(TaskFile.created_at, TaskFile.id)
    )
    return rows


def comment_read(row: dict[str, Any]) -> CommentRead:
    return from_row(row, CommentRead)


async def add_comment(ctx: TenantContext, task_id: UUID, body: str, *, internal: bool = False) -> CommentRead:
    """A message on the task, or with ``internal`` the provider's note that the client never reads (no
    webhook either). A reply from the provider leaves the task where it is: it does not pause it. A client's
    answer to a task waiting on it puts the task back in the queue, reserved for a while for the operator who
    asked."""
    if internal and not ctx.principal.is_provider:
        raise Forbidden("Only the provider's staff write internal notes.")
    row = await get_task_row(ctx, task_id)
    if row["status"] in (TaskStatus.DONE, TaskStatus.CANCELLED):
        raise Conflict("The task is closed.")
    side = "provider" if ctx.principal.is_provider else "client"
    kind = "note" if internal else "reply"
    stamp = now()
    comment = TaskComment(
        id=uuid4(),
        tenant_id=row["tenant_id"],
        task_id=task_id,
        author_id=ctx.principal.user_id,
        side=side,
        kind=kind,
        body=body,
        created_at=stamp,
    )
    await ctx.insert(comment)
    await record_event(
        row["tenant_id"],
        task_id,
        "noted" if internal else "commented",
        at=stamp,
        actor_user_id=ctx.principal.user_id,
        data={"side": side},
        publish=None if internal else "task.commented",
    )
    if side == "client" and row["status"] == TaskStatus.WAITING_ON_CLIENT:
        resumed = (
            await ctx.update(
                Task,
                {
                    Task.status: TaskStatus.QUEUED.value,
                    Task.preferred_until: stamp + timedelta(seconds=PREFERRED_FOR_S),
                    Task.updated_at: stamp,
                },
            )
            .where((Task.id == task_id) & (Task.status == TaskStatus.WAITING_ON_CLIENT.value))
            .returning(Task.id)
        )
        if resumed:
            await resume_task_clocks(row, stamp)
        await record_event(
            row["tenant_id"],
            task_id,
            "resumed",
            at=stamp,
            actor_user_id=ctx.principal.user_id,
            data={"preferredOperatorId": str(row["preferred_operator_id"] or "")},
        )
    return comment_read(
        {
            "id": comment.id,
            "side": side,
            "kind": kind,
            "author_id": comment.author_id,
            "body": body,
            "created_at": stamp,
        }
    )
