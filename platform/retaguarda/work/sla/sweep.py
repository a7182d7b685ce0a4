"""The SLA sweep: find the tasks whose next warning or due instant has come, fire what crossed, and set when
to look again.

One sweep reads at most ``limit`` tasks by ``sla_next_at`` (an index range scan, however many tasks are
open), locks them with ``FOR UPDATE SKIP LOCKED`` on Postgres so concurrent sweeps split the work instead of
repeating it (on SQLite the single writer serialises them), and writes the new states back in one statement.
Exactly once per clock: a fired warning or breach moves the clock's stored state on, and a state only moves
forward (running → warning → breached), so a later sweep finds nothing left to fire.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import uuid4

import msgspec

from retaguarda.db import is_postgres
from retaguarda.jobs import enqueue
from retaguarda.work.service.bulk import bulk_insert
from retaguarda.work.service.common import now as utc_now
from retaguarda.work.sla.clocks import Advance, advance
from retaguarda.work.tables import Task, TaskEvent

SWEEP_LIMIT = 2000

_COLUMNS = (
    Task.id,
    Task.tenant_id,
    Task.priority,
    Task.status,
    Task.first_claimed_at,
    Task.completed_at,
    Task.updated_at,
    Task.sla_paused_at,
    Task.due_at,
    Task.response_due_at,
    Task.response_warn_at,
    Task.response_state,
    Task.resolution_due_at,
    Task.resolution_warn_at,
    Task.resolution_state,
    Task.sla_next_at,
    Task.sla_version_id,
)

EVENT_COLUMNS = (
    TaskEvent.id,
    TaskEvent.tenant_id,
    TaskEvent.task_id,
    TaskEvent.kind,
    TaskEvent.at,
    TaskEvent.data,
)

# Postgres: every swept task's new clock columns in one statement.
BULK_UPDATE_SQL = """
UPDATE task AS t SET
    response_state = u.response_state, resolution_state = u.resolution_state,
    sla_next_at = u.sla_next_at, due_at = u.due_at
FROM unnest({}::uuid[], {}::text[], {}::text[], {}::timestamptz[], {}::timestamptz[])
    AS u(id, response_state, resolution_state, sla_next_at, due_at)
WHERE t.id = u.id
"""


@dataclass(frozen=True, slots=True)
class SweepResult:
    examined: int
    fired: int


async def _write_back(rows: list[dict[str, Any]], outcomes: list[Advance]) -> None:
    if is_postgres():
        await Task.raw(  # scope: system work across every client, the rows locked above
            BULK_UPDATE_SQL,
            [row["id"] for row in rows],
            [o.response_state for o in outcomes],
            [o.resolution_state for o in outcomes],
            [o.sla_next_at for o in outcomes],
            [o.due_at for o in outcomes],
        )
        return
    for row, outcome in zip(rows, outcomes, strict=True):
        await Task.update(  # scope: system work, the row read above in this write transaction
            {
                Task.response_state: outcome.response_state,
                Task.resolution_state: outcome.resolution_state,
                Task.sla_next_at: outcome.sla_next_at,
                Task.due_at: outcome.due_at,
            }
        ).where(Task.id == row["id"])


async def sweep_sla(at: datetime | None = None, limit: int = SWEEP_LIMIT) -> SweepResult:
    """One sweep, in the caller's write transaction."""
    stamp = at or utc_now()
    query = (
        Task.select(*_COLUMNS)  # scope: the sweep is system work across every client
        .where(Task.sla_next_at <= stamp)
        .order_by(Task.sla_next_at)
        .limit(limit)
    )
    if is_postgres():
        query = query.lock_rows("UPDATE", skip_locked=True)
    rows = await query
    if not rows:
        return SweepResult(0, 0)
    outcomes = [advance(row, stamp) for row in rows]
    await _write_back(rows, outcomes)
    events = [
        (
            uuid4(),
            row["tenant_id"],
            row["id"],
            fired.event,
            stamp,
            msgspec.json.encode(
                {"clock": fired.kind.value, "dueAt": row[f"{fired.kind.value}_due_at"].isoformat()}
            ).decode(),
        )
        for row, outcome in zip(rows, outcomes, strict=True)
        for fired in outcome.fired
    ]
    if events:
        # COPY on Postgres: building a thousand Piccolo inserts cost more than the rest of the sweep.
        await bulk_insert(TaskEvent, EVENT_COLUMNS, events)  # scope: events of the tasks swept above
        # One job for the batch: who hears about each event, by in-app notice, email and webhook.
        await enqueue("sla.notify", event_ids=[str(event[0]) for event in events])
    return SweepResult(len(rows), len(events))
