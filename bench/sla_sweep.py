"""One SLA sweep over a large open backlog: 300,000 open tasks on Postgres, of which 1,000 have crossed a
warning or due instant, swept once by the project's sweep (``retaguarda.work.sla.service.sweep.sweep_sla``:
read the due tasks by index with FOR UPDATE SKIP LOCKED, advance their clocks, write them back in one
statement, write the fired events and the notification job), and, as the baseline, by two raw statements doing
the same database work without the rules (a CTE that flags the same rows and an INSERT of one event per row).

Each side runs on a fresh copy of the same flagged rows, five times; the medians are reported.

Needs Postgres: DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/retaguarda_bench_sla) names a
scratch database that is dropped and recreated. BENCH_OPEN_TASKS and BENCH_FLAGGED size the run. Prints one
JSON line last: {"bench":"sla_sweep","open_tasks":…,"flagged":…,"sweep_ms":…,"raw_ms":…,"ratio":…}.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OPEN_TASKS = int(os.environ.get("BENCH_OPEN_TASKS", "300000"))
FLAGGED = int(os.environ.get("BENCH_FLAGGED", "1000"))
ROUNDS = 5
os.environ.setdefault("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/retaguarda_bench_sla")
os.environ.setdefault("SECRET_KEY", "bench")
os.environ.setdefault("LOG_LEVEL", "ERROR")
os.environ.setdefault("LOG_JSON", "false")
os.environ.pop("REDIS_URL", None)

COLUMNS = [
    "id", "tenant_id", "queue_id", "task_type_id", "title", "payload", "priority", "status", "fencing_token",
    "created_at", "updated_at", "sla_version_id", "response_due_at", "response_warn_at", "response_state",
    "resolution_due_at", "resolution_warn_at", "resolution_state", "sla_next_at", "due_at", "sla_paused_s",
]  # fmt: skip
RAW_SWEEP = """
WITH due AS (
    SELECT id, tenant_id FROM task WHERE sla_next_at <= $1 ORDER BY sla_next_at LIMIT $2
    FOR UPDATE SKIP LOCKED
), flagged AS (
    UPDATE task t SET response_state = 'warning', sla_next_at = t.response_due_at
    FROM due WHERE t.id = due.id RETURNING t.id, t.tenant_id
)
INSERT INTO task_event (id, tenant_id, task_id, kind, at, data)
SELECT gen_random_uuid(), tenant_id, id, 'sla_warning', $1, '{}' FROM flagged
"""


def rows(floor: object, now: datetime, version_id: object) -> list[tuple[object, ...]]:
    """Open tasks created over the last hours; the first FLAGGED crossed their warning a minute ago, the rest
    warn between one and ten hours from now."""
    world = floor.world  # type: ignore[attr-defined]
    tenant, queue, task_type = world.client_a.id, floor.queue_a, floor.type_a  # type: ignore[attr-defined]
    records: list[tuple[object, ...]] = []
    for n in range(OPEN_TASKS):
        created = now - timedelta(minutes=30)
        warn = now - timedelta(minutes=1) if n < FLAGGED else now + timedelta(hours=1, seconds=n % 32_400)
        due = warn + timedelta(minutes=30)
        resolution = (due + timedelta(hours=8), warn + timedelta(hours=8))
        task = (uuid4(), tenant, queue, task_type, f"Task {n}", "{}", 2, "queued", 0, created, created)
        clocks = (version_id, due, warn, "running", *resolution, "running", warn, due, 0)
        records.append((*task, *clocks))
    return records


async def reset_flagged(conn: object, now: datetime) -> None:
    """Put the flagged rows back as they were before a sweep, and drop what a sweep wrote."""
    await conn.execute(  # type: ignore[attr-defined]
        "UPDATE task SET response_state = 'running', sla_next_at = response_warn_at"
        " WHERE response_warn_at <= $1",
        now,
    )
    await conn.execute("DELETE FROM task_event")  # type: ignore[attr-defined]
    await conn.execute("DELETE FROM kernel_outbox")  # type: ignore[attr-defined]
    await conn.execute("VACUUM ANALYZE task")  # type: ignore[attr-defined]


async def main() -> dict[str, object]:
    import asyncpg

    from retaguarda.app import create_app
    from retaguarda.db import start_database, stop_database, transaction
    from retaguarda.settings import get_settings
    from retaguarda.work.sla.service.sweep import sweep_sla
    from retaguarda.work.sla.tables import SlaPolicy, SlaPolicyVersion
    from tests.support.database import migrate, recreate_postgres_database
    from tests.support.work import build_floor
    from tests.support.world import build_world

    settings = get_settings()
    assert settings.db.is_postgres, "the sweep benchmark needs Postgres (DATABASE_URL)"
    await recreate_postgres_database(settings.db.url)
    await migrate()
    await start_database()
    world = await build_world(create_app())
    floor = await build_floor(world)
    policy = SlaPolicy(id=uuid4(), tenant_id=world.client_a.id, name="bench")
    await policy.save()
    version = SlaPolicyVersion(id=uuid4(), tenant_id=world.client_a.id, policy_id=policy.id, version=1)
    await version.save()
    now = datetime.now(UTC)
    conn = await asyncpg.connect(settings.db.asyncpg_dsn)
    await conn.copy_records_to_table("task", records=rows(floor, now, version.id), columns=COLUMNS)
    sweep_times, raw_times, flagged = [], [], 0
    for _ in range(ROUNDS):
        await reset_flagged(conn, now)
        started = time.perf_counter()
        async with transaction():
            result = await sweep_sla(now, limit=FLAGGED * 2)
        sweep_times.append(time.perf_counter() - started)
        flagged = result.examined
        assert result.fired == FLAGGED, f"the sweep fired {result.fired} of {FLAGGED}"
        await reset_flagged(conn, now)
        started = time.perf_counter()
        async with conn.transaction():
            await conn.execute(RAW_SWEEP, now, FLAGGED * 2)
        raw_times.append(time.perf_counter() - started)
    open_tasks = await conn.fetchval("SELECT count(*) FROM task WHERE status = 'queued'")
    await conn.close()
    await stop_database()
    sweep_ms, raw_ms = statistics.median(sweep_times) * 1000, statistics.median(raw_times) * 1000
    return {
        "bench": "sla_sweep",
        "open_tasks": open_tasks,
        "flagged": flagged,
        "sweep_ms": round(sweep_ms, 1),
        "raw_ms": round(raw_ms, 1),
        "ratio": round(raw_ms / sweep_ms, 3),
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
