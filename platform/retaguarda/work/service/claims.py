"""Claim and lease: the operator's loop.

A claim takes the next task an operator may work — a queue one of its pools serves through a membership active
now, a skill it holds, capacity left — in the order due time, priority, age. It is one UPDATE whose subquery
locks the chosen row with ``FOR UPDATE SKIP LOCKED`` on Postgres (concurrent claimers skip each other's row
instead of waiting for it) and locks the operator's row so its capacity cannot be overrun by its own parallel
calls. On SQLite the single writer gives the same guarantee.

Every claim raises the task's fencing token. Heartbeat, release, asking the client and completion are
conditional UPDATEs on (task, holder, token, live lease): a call from a holder that lost the lease (it
expired, or a supervisor reassigned the task) changes nothing and answers 409.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from uuid import UUID, uuid4

from retaguarda.clock import now
from retaguarda.db import is_postgres, pg_fetch, positional, transaction
from retaguarda.errors import Conflict, FieldError, Forbidden, InvalidInput
from retaguarda.i18n import N_
from retaguarda.settings import get_settings
from retaguarda.tenancy import TenantContext
from retaguarda.work.schemas import Lease
from retaguarda.work.service.task_events import outbox_written, record_event
from retaguarda.work.service.task_reads import get_task_row, task_read
from retaguarda.work.service.time import close_open_entry, open_entry
from retaguarda.work.sla.service.task_clocks import pause_task_clocks
from retaguarda.work.tables import Task, TaskComment, TaskStatus
from staffing.tables import Operator

CLAIM_SQL = """
UPDATE task SET
    status = 'claimed', assignee_id = {op}, lease_expires_at = {lease}, heartbeat_at = {now},
    fencing_token = fencing_token + 1, first_claimed_at = COALESCE(first_claimed_at, {now}),
    preferred_operator_id = NULL, preferred_until = NULL, updated_at = {now},
    -- Claimed, the task's first response is given: it now races its resolution clock (work.sla).
    due_at = CASE WHEN sla_version_id IS NULL THEN due_at ELSE resolution_due_at END
WHERE id = (
    SELECT t.id FROM task t
    WHERE t.status = 'queued'
      AND t.queue_id IN (
          SELECT qp.queue_id FROM queue_pool qp
          JOIN pool_membership pm ON pm.pool_id = qp.pool_id
          WHERE pm.operator_id = {op} AND pm.valid_from <= {now}
            AND (pm.valid_until IS NULL OR pm.valid_until > {now}))
      AND (t.required_skill_id IS NULL
           OR t.required_skill_id IN (SELECT os.skill_id FROM operator_skill os WHERE os.operator_id = {op}))
      AND (t.preferred_until IS NULL OR t.preferred_until <= {now} OR t.preferred_operator_id = {op})
      AND EXISTS (
          SELECT 1 FROM operator o
          WHERE o.id = {op} AND o.status = 'available'
            AND o.capacity > (
                SELECT count(*) FROM task h WHERE h.assignee_id = {op} AND h.status = 'claimed'))
    ORDER BY t.due_at ASC NULLS LAST, t.priority DESC, t.created_at ASC, t.id ASC
    LIMIT 1
    {lock}
)
RETURNING *
"""

# Postgres: the claim is one call of work_claim_next() (migration work_2026_11_29t00_40): it locks the
# caller's operator record by a statement of its own, because a statement sees the data as of its start, so
# the claim that follows counts the holds of every claim committed by whoever held the lock before (a lock
# taken inside the claim's statement would count them as of before the wait). Then CLAIM_SQL, the one place
# that says what a claim sets, with its time entry, its `claimed` event and that event's outbox row, written
# by the same statement: nothing is written unless a task was claimed, and all of it commits or none.
CLAIM_NEXT_SQL = "SELECT * FROM work_claim_next($1, $2, $3, $4, $5, $6)"
IS_OPERATOR_SQL = "SELECT 1 FROM operator WHERE user_id = $1 LIMIT 1"


class LeaseLost(Conflict):
    code = "lease_lost"
    title = N_("You no longer hold this task.")


def lease_duration() -> timedelta:
    return timedelta(seconds=get_settings().work.lease_s)


def _provider_user(ctx: TenantContext) -> UUID:
    """The caller's user id; only provider staff work tasks."""
    principal = ctx.principal
    if principal.user_id is None or not principal.is_provider:
        raise Forbidden("Only operators work tasks.")
    return principal.user_id


async def current_operator(ctx: TenantContext) -> UUID:
    """The caller's operator id; a provider user without an operator record may not work tasks."""
    user_id = _provider_user(ctx)
    # One indexed lookup (the roster's richer read, with skills, is not needed here).
    operator = await ctx.select(Operator, Operator.id).where(Operator.user_id == user_id).first()
    if operator is None:
        raise Forbidden("You are not set up as an operator.")
    operator_id: UUID = operator["id"]
    return operator_id


def _lease(row: dict[str, Any]) -> Lease:
    return Lease(
        task=task_read(row), fencing_token=row["fencing_token"], lease_expires_at=row["lease_expires_at"]
    )


async def claim_next_task(ctx: TenantContext) -> Lease | None:
    if is_postgres():
        return await _claim_next_task_pg(ctx)
    operator_id = await current_operator(ctx)
    stamp = now()
    # SQLite: the writing transaction holds the database's single write lock, so the claim and the writes
    # after it are never interleaved with another claim.
    sql, args = positional(CLAIM_SQL, op=operator_id, lease=stamp + lease_duration(), now=stamp, lock="")
    rows = await Task.raw(sql, *args)  # scope: the operator's pools decide which clients' tasks it may take
    if not rows:
        return None
    row = rows[0]
    await open_entry(row["tenant_id"], row["id"], operator_id, stamp)
    await record_event(
        row["tenant_id"],
        row["id"],
        "claimed",
        at=stamp,
        actor_user_id=ctx.principal.user_id,
        operator_id=operator_id,
        fencing_token=row["fencing_token"],
        publish="task.claimed",
    )
    return _lease(row)


async def _claim_next_task_pg(ctx: TenantContext) -> Lease | None:
    """The claim in one round trip and its own implicit transaction (see CLAIM_NEXT_SQL)."""
    user_id = _provider_user(ctx)
    stamp = now()
    # scope: the caller's own operator record (by the principal's user id), whose pools decide which clients'
    # tasks it may take
    rows = await pg_fetch(CLAIM_NEXT_SQL, user_id, stamp + lease_duration(), stamp, uuid4(), uuid4(), uuid4())
    if not rows:
        # scope: the caller's own operator record
        if not await pg_fetch(IS_OPERATOR_SQL, user_id):
            raise Forbidden("You are not set up as an operator.")
        return None
    outbox_written()
    return _lease(rows[0])


def _holder_condition(task_id: UUID, operator_id: UUID, fencing_token: int, stamp: datetime) -> Any:
    return (
        (Task.id == task_id)
        & (Task.assignee_id == operator_id)
        & (Task.fencing_token == fencing_token)
        & (Task.status == TaskStatus.CLAIMED.value)
        & (Task.lease_expires_at > stamp)
    )


async def _transition(
    ctx: TenantContext, task_id: UUID, fencing_token: int, values: dict[Any, Any]
) -> tuple[dict[str, Any], UUID, datetime]:
    """The fenced write itself: it changes the task only while the caller still holds it (its operator, its
    token, a live lease). Only when it changes nothing is the task read, to tell a task the caller cannot see
    (404) from a lease it lost (409)."""
    operator_id = await current_operator(ctx)
    stamp = now()
    changed = (
        await ctx.update(Task, {**values, Task.updated_at: stamp})
        .where(_holder_condition(task_id, operator_id, fencing_token, stamp))
        .returning(*Task.all_columns())
    )
    if not changed:
        await get_task_row(ctx, task_id)  # NotFound when unreachable
        raise LeaseLost()
    return changed[0], operator_id, stamp


@dataclass(frozen=True, slots=True)
class Handover:
    """What a transition that ends the caller's hold leaves behind: the holder's running time entry closed,
    and a history event (``kind``) published to the client's webhooks as ``publish``."""

    kind: str
    publish: str


# Postgres: a fenced transition and what it leaves behind in one statement. The holder is the caller's
# operator record; the task changes only while that holder still holds it (token, live lease) and the caller
# may reach its tenant ($5 NULL: every tenant); the rest is written only when the task changed. {set} and
# {handover} are filled per transition (see _held_write_sql), the $n numbers are fixed.
HELD_WRITE_SQL = """
WITH holder AS (
    SELECT id FROM operator WHERE user_id = $1 LIMIT 1
), changed AS (
    UPDATE task SET {set}, updated_at = $4
    WHERE id = $2 AND assignee_id = (SELECT id FROM holder) AND fencing_token = $3
      AND status = 'claimed' AND lease_expires_at > $4
      AND ($5::uuid[] IS NULL OR tenant_id = ANY($5::uuid[]))
    RETURNING *
){handover}
SELECT changed.*, (SELECT id FROM holder) AS holder_id FROM changed
"""
HANDOVER_SQL = """
, closed AS (
    UPDATE time_entry
    SET ended_at = GREATEST($4, started_at),
        seconds = CAST(EXTRACT(EPOCH FROM (GREATEST($4, started_at) - started_at)) AS INTEGER)
    WHERE task_id = $2 AND operator_id = (SELECT id FROM holder) AND ended_at IS NULL
      AND EXISTS (SELECT 1 FROM changed)
), event AS (
    INSERT INTO task_event (id, tenant_id, task_id, kind, at, actor_user_id, operator_id, fencing_token)
    SELECT $6::uuid, tenant_id, id, $8::text, $4, $7::uuid, (SELECT id FROM holder), $3 FROM changed
), outbox AS (
    INSERT INTO kernel_outbox (id, tenant_id, job, args, available_at)
    SELECT $9::uuid, tenant_id, 'work.task_event',
           json_build_object('task_id', id::text, 'event', $10::text, 'event_id', $6::text), $4
    FROM changed
)"""


@lru_cache(maxsize=32)
def _held_write_sql(columns: tuple[str, ...], handover: bool) -> str:
    """The statement for one shape of transition (a handful exist; each is prepared once per connection)."""
    first = 11 if handover else 6
    assignments = ", ".join(f'"{name}" = ${first + n}' for n, name in enumerate(columns))
    return HELD_WRITE_SQL.format(set=assignments, handover=HANDOVER_SQL if handover else "")


async def _held_write(
    ctx: TenantContext,
    task_id: UUID,
    fencing_token: int,
    values: dict[Any, Any],
    handover: Handover | None = None,
) -> dict[str, Any]:
    """Change a task the caller holds (``values`` by Piccolo column) and, with ``handover``, close the
    holder's time entry and record and publish the event. On Postgres all of it is one statement; elsewhere
    it is _transition followed by the writes it leaves behind, in the same transaction."""
    if not is_postgres():
        row, operator_id, stamp = await _transition(ctx, task_id, fencing_token, values)
        if handover is not None:
            await close_open_entry(row["id"], operator_id, stamp)
            await record_event(
                row["tenant_id"],
                task_id,
                handover.kind,
                at=stamp,
                actor_user_id=ctx.principal.user_id,
                operator_id=operator_id,
                fencing_token=fencing_token,
                publish=handover.publish,
            )
        return row
    user_id = _provider_user(ctx)
    reachable = ctx.reachable
    columns = tuple(column._meta.db_column_name for column in values)
    args: list[Any] = [user_id, task_id, fencing_token, now(), None if reachable is None else list(reachable)]
    if handover is not None:
        args += [uuid4(), user_id, handover.kind, uuid4(), handover.publish]
    # scope: the tenant condition is in the statement ($5, the caller's reachable tenants)
    rows = await pg_fetch(_held_write_sql(columns, handover is not None), *args, *values.values())
    if not rows:
        await current_operator(ctx)  # Forbidden for a caller with no operator record
        await get_task_row(ctx, task_id)  # NotFound when unreachable
        raise LeaseLost()
    if handover is not None:
        outbox_written()
    return dict(rows[0])


async def heartbeat(ctx: TenantContext, task_id: UUID, fencing_token: int) -> Lease:
    stamp = now()
    row = await _held_write(
        ctx,
        task_id,
        fencing_token,
        {Task.lease_expires_at: stamp + lease_duration(), Task.heartbeat_at: stamp},
    )
    return _lease(row)


async def release(ctx: TenantContext, task_id: UUID, fencing_token: int) -> None:
    """Hand a task back to the queue unfinished."""
    await _held_write(
        ctx,
        task_id,
        fencing_token,
        {
            Task.status: TaskStatus.QUEUED.value,
            Task.assignee_id: None,
            Task.lease_expires_at: None,
        },
        Handover("released", "task.released"),
    )


async def ask_client(ctx: TenantContext, task_id: UUID, fencing_token: int, question: str) -> None:
    """Pause the task on a question to the client; the answer brings it back to this operator first."""
    operator_id = await current_operator(ctx)
    row, _, stamp = await _transition(
        ctx,
        task_id,
        fencing_token,
        {
            Task.status: TaskStatus.WAITING_ON_CLIENT.value,
            Task.assignee_id: None,
            Task.lease_expires_at: None,
            Task.preferred_operator_id: operator_id,
        },
    )
    await close_open_entry(row["id"], operator_id, stamp)
    await pause_task_clocks(row, TaskStatus.WAITING_ON_CLIENT.value, stamp)
    await ctx.insert(
        TaskComment(
            id=uuid4(),
            tenant_id=row["tenant_id"],
            task_id=task_id,
            author_id=ctx.principal.user_id,
            side="provider",
            body=question,
            created_at=stamp,
        )
    )
    await record_event(
        row["tenant_id"],
        task_id,
        "paused",
        at=stamp,
        actor_user_id=ctx.principal.user_id,
        operator_id=operator_id,
        fencing_token=fencing_token,
        data={"reason": "waiting_on_client"},
        publish="task.waiting_on_client",
    )


async def complete(
    ctx: TenantContext, task_id: UUID, fencing_token: int, resolution: str | None = None
) -> None:
    """Finish the task; a resolution note, when given, is kept as the closing message the client reads."""
    values = {Task.status: TaskStatus.DONE.value, Task.lease_expires_at: None, Task.completed_at: now()}
    handover = Handover("completed", "task.completed")
    if not resolution:
        await _held_write(ctx, task_id, fencing_token, values, handover)
        return
    # Two writes: under a statement unit each would commit alone, and a note must never outlive a refused
    # completion (nor a completion lose its note).
    async with transaction():
        row = await _held_write(ctx, task_id, fencing_token, values, handover)
        await ctx.insert(
            TaskComment(
                id=uuid4(),
                tenant_id=row["tenant_id"],
                task_id=task_id,
                author_id=ctx.principal.user_id,
                side="provider",
                kind="resolution",
                body=resolution,
                created_at=row["completed_at"],
            )
        )


async def held_leases(ctx: TenantContext) -> list[Lease]:
    """The tasks the calling operator holds now (after a reload, or one a supervisor gave it)."""
    operator_id = await current_operator(ctx)
    rows = (
        await ctx.select(Task)
        .where(
            (Task.assignee_id == operator_id)
            & (Task.status == TaskStatus.CLAIMED.value)
            & (Task.lease_expires_at > now())
        )
        .order_by(Task.updated_at)
    )
    return [_lease(row) for row in rows]


async def reassign(ctx: TenantContext, task_id: UUID, operator_id: UUID | None) -> Lease | None:
    """A supervisor takes a task from its holder: back to the queue, or straight to another operator. The
    token moves on either way, so the former holder's next call is refused."""
    row = await get_task_row(ctx, task_id)
    if row["status"] not in (TaskStatus.QUEUED, TaskStatus.CLAIMED):
        raise Conflict("Only queued or claimed tasks can be reassigned.")
    if operator_id is not None and not await Operator.exists().where(
        Operator.id == operator_id
    ):  # scope: roster
        raise InvalidInput(errors=[FieldError("operatorId", "not_found", "No such operator.")])
    stamp = now()
    previous = row["assignee_id"] if row["status"] == TaskStatus.CLAIMED else None
    values: dict[Any, Any] = {
        Task.fencing_token: row["fencing_token"] + 1,
        Task.updated_at: stamp,
        Task.preferred_operator_id: None,
        Task.preferred_until: None,
    }
    if operator_id is None:
        values |= {Task.status: TaskStatus.QUEUED.value, Task.assignee_id: None, Task.lease_expires_at: None}
    else:
        values |= {
            Task.status: TaskStatus.CLAIMED.value,
            Task.assignee_id: operator_id,
            Task.lease_expires_at: stamp + lease_duration(),
            Task.heartbeat_at: stamp,
            Task.first_claimed_at: row["first_claimed_at"] or stamp,
            Task.due_at: row["resolution_due_at"] if row["sla_version_id"] else row["due_at"],
        }
    changed = (
        await ctx.update(Task, values)
        .where((Task.id == task_id) & (Task.fencing_token == row["fencing_token"]))
        .returning(*Task.all_columns())
    )
    if not changed:
        raise Conflict("The task changed meanwhile; try again.")
    if previous is not None:
        await close_open_entry(task_id, previous, stamp)
    if operator_id is not None:
        await open_entry(row["tenant_id"], task_id, operator_id, stamp)
    await record_event(
        row["tenant_id"],
        task_id,
        "reassigned",
        at=stamp,
        actor_user_id=ctx.principal.user_id,
        operator_id=operator_id,
        fencing_token=changed[0]["fencing_token"],
        data={"from": str(previous) if previous else None, "to": str(operator_id) if operator_id else None},
    )
    return _lease(changed[0]) if operator_id is not None else None


async def reap_expired_leases(limit: int = 500) -> int:
    """Return tasks whose lease ran out to the queue. The holder's time ends at its last sign of life."""
    stamp = now()
    query = (
        Task.select(  # scope: the reaper is system work across every client
            Task.id, Task.tenant_id, Task.assignee_id, Task.fencing_token, Task.heartbeat_at
        )
        .where((Task.status == TaskStatus.CLAIMED.value) & (Task.lease_expires_at <= stamp))
        .limit(limit)
    )
    if is_postgres():
        query = query.lock_rows("UPDATE", skip_locked=True)
    reaped = 0
    for row in await query:
        changed = (
            await Task.update(
                {  # scope: system work, the row found just above
                    Task.status: TaskStatus.QUEUED.value,
                    Task.assignee_id: None,
                    Task.lease_expires_at: None,
                    Task.updated_at: stamp,
                }
            )
            .where(
                (Task.id == row["id"])
                & (Task.fencing_token == row["fencing_token"])
                & (Task.status == TaskStatus.CLAIMED.value)
            )
            .returning(Task.id)
        )
        if not changed:
            continue
        reaped += 1
        if row["assignee_id"] is not None:
            await close_open_entry(row["id"], row["assignee_id"], row["heartbeat_at"] or stamp)
        await record_event(
            row["tenant_id"],
            row["id"],
            "lease_expired",
            at=stamp,
            operator_id=row["assignee_id"],
            fencing_token=row["fencing_token"],
            publish="task.lease_expired",
        )
    return reaped
