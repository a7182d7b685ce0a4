"""A task's history: appending an event, and publishing it to the client's webhooks through the outbox."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from retaguarda import jobs
from retaguarda.clock import now
from retaguarda.db import is_postgres, pg_fetch
from retaguarda.jobs import enqueue
from retaguarda.work.tables import TaskEvent


async def record_event(
    tenant_id: UUID,
    task_id: UUID,
    kind: str,
    *,
    at: datetime | None = None,
    actor_user_id: UUID | None = None,
    operator_id: UUID | None = None,
    fencing_token: int = 0,
    data: dict[str, Any] | None = None,
    publish: str | None = None,
) -> UUID:
    """Append to a task's history (callers have already scoped the task itself). With ``publish``, the
    event also goes to the client's webhooks: the job names this history row, so each occurrence becomes
    exactly one message however often the job runs."""
    event_id = uuid4()
    if publish is not None and is_postgres():
        # The event and its outbox row in one round trip (the same rows enqueue() would write); the caller
        # scoped the task.
        await pg_fetch(
            EVENT_AND_OUTBOX_SQL,
            event_id,
            tenant_id,
            task_id,
            kind,
            at or now(),
            actor_user_id,
            operator_id,
            fencing_token,
            json.dumps(data or {}),
            uuid4(),
            outbox_args(task_id, publish, event_id),
            now(),
        )
        outbox_written()
        return event_id
    await TaskEvent.insert(  # scope: the caller scoped the task
        TaskEvent(
            id=event_id,
            tenant_id=tenant_id,
            task_id=task_id,
            kind=kind,
            at=at or now(),
            actor_user_id=actor_user_id,
            operator_id=operator_id,
            fencing_token=fencing_token,
            data=data or {},
        )
    )
    if publish is not None:
        await enqueue(
            "work.task_event",
            tenant_id=tenant_id,
            task_id=str(task_id),
            event=publish,
            event_id=str(event_id),
        )
    return event_id


# Postgres: a task event and the outbox row publishing it to the client's webhooks (the job
# `work.task_event`, as enqueue() would write it), in one statement. $10.. are the outbox row's.
EVENT_AND_OUTBOX_SQL = """
WITH event AS (
    INSERT INTO task_event (id, tenant_id, task_id, kind, at, actor_user_id, operator_id, fencing_token, data)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
)
INSERT INTO kernel_outbox (id, tenant_id, job, args, available_at)
VALUES ($10, $2, 'work.task_event', $11, $12)
"""


def outbox_args(task_id: UUID | str, publish: str, event_id: UUID | str) -> str:
    """The outbox arguments of a published task event, as enqueue() stores them (JSON text)."""
    return json.dumps({"task_id": str(task_id), "event": publish, "event_id": str(event_id)})


def outbox_written() -> None:
    """After an outbox row written in SQL rather than through enqueue(): wake the in-process job runner once
    the transaction commits, as enqueue() does (full mode has none; arq's relay polls)."""
    jobs.wake_runner_after_commit()
