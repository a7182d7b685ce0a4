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
from uuid import UUID, uuid4

import msgspec

from retaguarda.clock import now as utc_now
from retaguarda.db import bulk_insert, is_postgres, pg_fetch
from retaguarda.jobs import enqueue, wake_runner_after_commit
from retaguarda.work.sla.clocks import Advance, advance
from retaguarda.work.tables import SLA_CLOCK_COLUMNS, Task, TaskEvent

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
    *SLA_CLOCK_COLUMNS,
)

EVENT_COLUMNS = (
    TaskEvent.id,
    TaskEvent.tenant_id,
    TaskEvent.task_id,
    TaskEvent.kind,
    TaskEvent.at,
    TaskEvent.data,
)

_COLUMN_NAMES = ", ".join(column._meta.db_column_name for column in _COLUMNS)
# Postgres: the due tasks, locked so that concurrent sweeps split them, read without Piccolo's query building
# (a sweep's budget is a tenth of a second with a thousand tasks to move).
SELECT_DUE_SQL = f"""
SELECT {_COLUMN_NAMES} FROM task WHERE sla_next_at <= $1 ORDER BY sla_next_at LIMIT $2
FOR UPDATE SKIP LOCKED
"""  # noqa: S608 - column names from the table definition
# Postgres: the swept tasks' new clock columns, the events fired and the one notification job, in one
# statement (data-modifying CTEs all run, referenced or not).
WRITE_BACK_SQL = """
WITH moved AS (
    UPDATE task AS t SET
        response_state = u.response_state, resolution_state = u.resolution_state,
        sla_next_at = u.sla_next_at, due_at = u.due_at
    FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[])
        AS u(id, response_state, resolution_state, sla_next_at, due_at)
    WHERE t.id = u.id
    RETURNING 1
), fired AS (
    INSERT INTO task_event (id, tenant_id, task_id, kind, at, data)
    SELECT e.id, e.tenant_id, e.task_id, e.kind, $6, e.data::json
    FROM unnest($7::uuid[], $8::uuid[], $9::uuid[], $10::text[], $11::text[])
        AS e(id, tenant_id, task_id, kind, data)
    RETURNING 1
)
INSERT INTO kernel_outbox (id, job, args, available_at)
SELECT $12, 'sla.notify', $13::json, $14 WHERE cardinality($7::uuid[]) > 0
"""


@dataclass(frozen=True, slots=True)
class SweepResult:
    examined: int
    fired: int


Event = tuple[UUID, UUID, UUID, str, datetime, str]


def _fired_events(rows: list[Any], outcomes: list[Advance], stamp: datetime) -> list[Event]:
    return [
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


async def _sweep_postgres(stamp: datetime, limit: int) -> SweepResult:
    rows = await pg_fetch(SELECT_DUE_SQL, stamp, limit)  # scope: the sweep is system work across every client
    if not rows:
        return SweepResult(0, 0)
    outcomes = [advance(row, stamp) for row in rows]
    events = _fired_events(rows, outcomes, stamp)
    event_ids = [event[0] for event in events]
    await pg_fetch(  # scope: the rows locked above, their events, one job
        WRITE_BACK_SQL,
        [row["id"] for row in rows],
        [o.response_state for o in outcomes],
        [o.resolution_state for o in outcomes],
        [o.sla_next_at for o in outcomes],
        [o.due_at for o in outcomes],
        stamp,
        event_ids,
        [event[1] for event in events],
        [event[2] for event in events],
        [event[3] for event in events],
        [event[5] for event in events],
        uuid4(),
        msgspec.json.encode({"event_ids": [str(i) for i in event_ids]}).decode(),
        utc_now(),  # the job is due now, whatever instant the sweep judged the clocks at
    )
    if events:
        wake_runner_after_commit()
    return SweepResult(len(rows), len(events))


async def _sweep_sqlite(stamp: datetime, limit: int) -> SweepResult:
    rows = (
        await Task.select(*_COLUMNS)  # scope: the sweep is system work across every client
        .where(Task.sla_next_at <= stamp)
        .order_by(Task.sla_next_at)
        .limit(limit)
    )
    if not rows:
        return SweepResult(0, 0)
    outcomes = [advance(row, stamp) for row in rows]
    for row, outcome in zip(rows, outcomes, strict=True):
        await Task.update(  # scope: system work, the row read above in this write transaction
            {
                Task.response_state: outcome.response_state,
                Task.resolution_state: outcome.resolution_state,
                Task.sla_next_at: outcome.sla_next_at,
                Task.due_at: outcome.due_at,
            }
        ).where(Task.id == row["id"])
    events = _fired_events(rows, outcomes, stamp)
    if events:
        await bulk_insert(TaskEvent, EVENT_COLUMNS, events)  # scope: events of the tasks swept above
        await enqueue("sla.notify", event_ids=[str(event[0]) for event in events])
    return SweepResult(len(rows), len(events))


async def sweep_sla(at: datetime | None = None, limit: int = SWEEP_LIMIT) -> SweepResult:
    """One sweep, in the caller's write transaction. One job per sweep tells people about what it fired."""
    stamp = at or utc_now()
    if is_postgres():
        return await _sweep_postgres(stamp, limit)
    return await _sweep_sqlite(stamp, limit)
