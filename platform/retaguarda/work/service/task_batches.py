"""Changing several tasks at once, as a supervisor does from the task list: reassign, reprioritise, cancel.

Each task is changed on its own terms (the same rules as one at a time: only open tasks, a reassignment only
of a queued or claimed one); a task that cannot be changed is reported with the reason, the others are
changed anyway. Every change is in the task's history with who made it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from retaguarda.clock import now
from retaguarda.errors import Conflict, DomainError, FieldError, InvalidInput, NotFound
from retaguarda.tenancy import TenantContext
from retaguarda.work.service.claims import reassign
from retaguarda.work.service.task_events import record_event
from retaguarda.work.service.task_reads import get_task_row
from retaguarda.work.service.time import close_open_entry
from retaguarda.work.tables import Task, TaskStatus

OPEN = (TaskStatus.QUEUED.value, TaskStatus.CLAIMED.value, TaskStatus.WAITING_ON_CLIENT.value)
MAX_BATCH = 200


@dataclass
class BatchOutcome:
    changed: list[UUID] = field(default_factory=list)
    refused: dict[UUID, str] = field(default_factory=dict)  # task id → stable error code


async def _each(ctx: TenantContext, task_ids: list[UUID], change: Any) -> BatchOutcome:
    outcome = BatchOutcome()
    for task_id in list(dict.fromkeys(task_ids))[:MAX_BATCH]:
        try:
            await change(task_id)
        except (Conflict, NotFound, InvalidInput) as exc:
            outcome.refused[task_id] = exc.code if isinstance(exc, DomainError) else "conflict"
            continue
        outcome.changed.append(task_id)
    return outcome


async def reassign_tasks(ctx: TenantContext, task_ids: list[UUID], operator_id: UUID | None) -> BatchOutcome:
    async def one(task_id: UUID) -> None:
        await reassign(ctx, task_id, operator_id)

    return await _each(ctx, task_ids, one)


async def reprioritise_tasks(ctx: TenantContext, task_ids: list[UUID], priority: int) -> BatchOutcome:
    """A new priority for open tasks: it moves them in the claim order. SLA clocks keep the targets they
    started under (a clock is never rewritten after the fact)."""

    async def one(task_id: UUID) -> None:
        row = await get_task_row(ctx, task_id)
        if row["status"] not in OPEN:
            raise Conflict("The task is closed.")
        if row["priority"] == priority:
            return
        stamp = now()
        await ctx.update(Task, {Task.priority: priority, Task.updated_at: stamp}).where(Task.id == task_id)
        await record_event(
            row["tenant_id"],
            task_id,
            "reprioritised",
            at=stamp,
            actor_user_id=ctx.principal.user_id,
            data={"from": row["priority"], "to": priority},
        )

    return await _each(ctx, task_ids, one)


async def cancel_tasks(ctx: TenantContext, task_ids: list[UUID], reason: str) -> BatchOutcome:
    """Cancel open tasks. A holder loses its lease (the fencing token moves on, so its next call is
    refused) and its running time ends now."""

    async def one(task_id: UUID) -> None:
        row = await get_task_row(ctx, task_id)
        if row["status"] not in OPEN:
            raise Conflict("The task is closed.")
        stamp = now()
        changed = (
            await ctx.update(
                Task,
                {
                    Task.status: TaskStatus.CANCELLED.value,
                    Task.assignee_id: None,
                    Task.lease_expires_at: None,
                    Task.fencing_token: row["fencing_token"] + 1,
                    Task.updated_at: stamp,
                    # The sweep closes the clocks of a cancelled task (work.sla.service.sweep).
                    Task.sla_next_at: stamp if row["sla_version_id"] else None,
                },
            )
            .where((Task.id == task_id) & (Task.fencing_token == row["fencing_token"]))
            .returning(Task.id)
        )
        if not changed:
            raise Conflict("The task changed meanwhile; try again.")
        if row["status"] == TaskStatus.CLAIMED.value and row["assignee_id"] is not None:
            await close_open_entry(task_id, row["assignee_id"], stamp)
        await record_event(
            row["tenant_id"],
            task_id,
            "cancelled",
            at=stamp,
            actor_user_id=ctx.principal.user_id,
            data={"reason": reason},
        )

    return await _each(ctx, task_ids, one)


async def apply_batch(
    ctx: TenantContext,
    task_ids: list[UUID],
    action: str,
    *,
    operator_id: UUID | None,
    priority: int | None,
    reason: str,
) -> BatchOutcome:
    """One of the three changes by name (the API's and the portal's shape)."""
    if action == "reassign":
        return await reassign_tasks(ctx, task_ids, operator_id)
    if action == "reprioritise":
        if priority is None:
            raise InvalidInput(errors=[FieldError("priority", "required", "Choose the new priority.")])
        return await reprioritise_tasks(ctx, task_ids, priority)
    if not reason.strip():
        raise InvalidInput(errors=[FieldError("reason", "required", "Say why the tasks are cancelled.")])
    return await cancel_tasks(ctx, task_ids, reason.strip())
