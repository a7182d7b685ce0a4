"""Time capture: entries opened by a claim and closed by release, pause, completion, reassignment or lease
expiry; supervisors' corrections as manual entries with a reason. Invoiced entries are locked."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from retaguarda import audit
from retaguarda.audit import AuditAction, Target
from retaguarda.clock import now
from retaguarda.db import is_postgres, positional
from retaguarda.errors import Conflict, FieldError, InvalidInput, NotFound
from retaguarda.listing import keyset_page
from retaguarda.tenancy import TenantContext
from retaguarda.wire import from_row
from retaguarda.work.schemas import TimeCorrection, TimeEntryRead
from retaguarda.work.service.task_events import record_event
from retaguarda.work.tables import Task, TimeEntry
from staffing.tables import Operator


async def open_entry(tenant_id: UUID, task_id: UUID, operator_id: UUID, at: datetime) -> None:
    await TimeEntry.insert(  # scope: the caller scoped the task
        TimeEntry(id=uuid4(), tenant_id=tenant_id, task_id=task_id, operator_id=operator_id, started_at=at)
    )


CLOSE_ENTRY_SQL = """
UPDATE time_entry
SET ended_at = GREATEST({at}, started_at),
    seconds = CAST(EXTRACT(EPOCH FROM (GREATEST({at}, started_at) - started_at)) AS INTEGER)
WHERE task_id = {task} AND operator_id = {operator} AND ended_at IS NULL
"""


async def close_open_entry(task_id: UUID, operator_id: UUID, at: datetime) -> None:
    """End the operator's running entry on the task (at most one is open: the claim opened it)."""
    if is_postgres():
        # One statement on the hot path of every release, pause and completion.
        sql, args = positional(CLOSE_ENTRY_SQL, at=at, task=task_id, operator=operator_id)
        await TimeEntry.raw(sql, *args)  # scope: the caller holds the task
        return
    open_rows = await TimeEntry.select(TimeEntry.id, TimeEntry.started_at).where(  # scope: the caller's task
        (TimeEntry.task_id == task_id) & (TimeEntry.operator_id == operator_id) & TimeEntry.ended_at.is_null()
    )
    for row in open_rows:
        ended = max(at, row["started_at"])
        await TimeEntry.update(  # scope: the row just found
            {  # scope: the row just found
                TimeEntry.ended_at: ended,
                TimeEntry.seconds: int((ended - row["started_at"]).total_seconds()),
            }
        ).where(TimeEntry.id == row["id"])


def _read(row: dict[str, Any]) -> TimeEntryRead:
    return from_row(row, TimeEntryRead, invoiced=row["invoice_id"] is not None)


async def list_time_entries(
    ctx: TenantContext,
    *,
    task_id: UUID | None,
    operator_id: UUID | None,
    started_from: datetime | None,
    started_to: datetime | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[TimeEntryRead], str | None]:
    query = ctx.select(TimeEntry)
    for column, value in ((TimeEntry.task_id, task_id), (TimeEntry.operator_id, operator_id)):
        if value is not None:
            query = query.where(column == value)
    if started_from is not None:
        query = query.where(TimeEntry.started_at >= started_from)
    if started_to is not None:
        query = query.where(TimeEntry.started_at < started_to)
    return await keyset_page(query, TimeEntry, cursor, limit, _read)


async def correct_time(ctx: TenantContext, data: TimeCorrection) -> TimeEntryRead:
    """A manual entry. With ``correctsId`` the corrected entry stops being billable (it stays, for the audit
    trail); the task's history records who corrected what and why."""
    if data.ended_at <= data.started_at:
        raise InvalidInput(errors=[FieldError("endedAt", "before_start", "The end must be after the start.")])
    if data.ended_at > now():
        raise InvalidInput(errors=[FieldError("endedAt", "in_the_future", "Time cannot be recorded ahead.")])
    task = await ctx.select(Task).where(Task.id == data.task_id).first()
    if task is None:
        raise NotFound()
    if not await Operator.exists().where(Operator.id == data.operator_id):  # scope: provider roster
        raise InvalidInput(errors=[FieldError("operatorId", "not_found", "No such operator.")])
    if data.corrects_id is not None:
        corrected = (
            await ctx.select(TimeEntry)
            .where((TimeEntry.id == data.corrects_id) & (TimeEntry.task_id == data.task_id))
            .first()
        )
        if corrected is None:
            raise InvalidInput(errors=[FieldError("correctsId", "not_found", "No such entry on this task.")])
        if corrected["invoice_id"] is not None:
            raise Conflict("This time was invoiced and is locked.")
        if corrected["ended_at"] is None:
            raise Conflict("This entry is still running.")
        await ctx.update(TimeEntry, {TimeEntry.billable: False}).where(TimeEntry.id == data.corrects_id)
    entry = TimeEntry(
        id=uuid4(),
        tenant_id=task["tenant_id"],
        task_id=data.task_id,
        operator_id=data.operator_id,
        started_at=data.started_at,
        ended_at=data.ended_at,
        seconds=int((data.ended_at - data.started_at).total_seconds()),
        source="manual",
        reason=data.reason,
        billable=data.billable,
        corrects_id=data.corrects_id,
        created_by=ctx.principal.user_id,
    )
    await ctx.insert(entry)
    await record_event(
        task["tenant_id"],
        data.task_id,
        "time_corrected",
        actor_user_id=ctx.principal.user_id,
        operator_id=data.operator_id,
        data={
            "entryId": str(entry.id),
            "correctsId": str(data.corrects_id or ""),
            "seconds": entry.seconds,
            "reason": data.reason,
        },
    )
    await audit.record(
        ctx,
        AuditAction.TIME_CORRECTED,
        tenant_id=task["tenant_id"],
        target=Target("task", data.task_id, str(task.get("title") or task.get("external_ref") or "")),
        details={
            "entryId": str(entry.id),
            "correctsId": str(data.corrects_id) if data.corrects_id else None,
            "operatorId": str(data.operator_id),
            "startedAt": data.started_at.isoformat(),
            "endedAt": data.ended_at.isoformat(),
            "seconds": entry.seconds,
            "billable": data.billable,
            "reason": data.reason,
        },
    )
    row = await ctx.select(TimeEntry).where(TimeEntry.id == entry.id).first()
    assert row is not None
    return _read(row)
