"""Intake under load: tasks submitted one by one through the HTTP API against the same rows inserted raw; and
a 100,000-row CSV import (upload + the import job) against a raw COPY of the same rows, in one run.

The app is served by uvicorn in a subprocess on 127.0.0.1 (full mode: no job runner in the web process).
The submitters (BENCH_SUBMITTERS, default 20) post with a client's API key; the raw baseline inserts each task
with its `created` event and outbox row in one transaction, through an asyncpg pool of the same size. Each
side first submits BENCH_WARMUP tasks per submitter (default 10) untimed; the measured submissions then
alternate between the sides in BENCH_ROUNDS rounds (default 4). The CSV
is uploaded to the server, and its import job runs in a separate worker process, as `retaguarda worker`
would run it, whose peak RSS is reported (the import streams the file: memory must stay flat). The COPY
baseline loads the tasks the import created (same columns and values, fresh ids and references) into the
task table again, through the same indexes and foreign keys.

Needs Postgres: DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/retaguarda_bench) names a scratch
database that is dropped and recreated, with a role that may create roles. The server and the import worker
run as deployed, as the database's app role behind row-level security (BENCH_RLS=0: as DATABASE_URL's role,
which a superuser passes through the policies, to compare); the raw baselines and the harness's resets
connect as DATABASE_URL's role (bench/claim.py). Prints one JSON line last:
{"bench":"intake","rls":…,"api_per_s":…,"raw_per_s":…,"ratio":…,"csv_rows":…,"csv_s":…,"copy_s":…,
"csv_ratio":…,"peak_rss_mb":…}
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# Last, not first: bench/ holds scripts named like the packages they measure (bench/billing.py).
sys.path.append(str(ROOT / "bench"))
SUBMITTERS = int(os.environ.get("BENCH_SUBMITTERS", "20"))
SUBMISSIONS = int(os.environ.get("BENCH_SUBMISSIONS", "2000"))
# Untimed submissions per submitter before each side's measured run (connections open, code paths taken).
WARMUP_PER_SUBMITTER = int(os.environ.get("BENCH_WARMUP", "10"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "4"))
CSV_ROWS = int(os.environ.get("BENCH_CSV_ROWS", "100000"))
os.environ.setdefault("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/retaguarda_bench")
os.environ.setdefault("DATABASE_POOL_MAX", str(SUBMITTERS))
os.environ.setdefault("SECRET_KEY", "bench")
os.environ.setdefault("LOG_LEVEL", "ERROR")
os.environ.setdefault("LOG_JSON", "false")
os.environ.setdefault("ARGON2_TIME_COST", "1")
os.environ.setdefault("ARGON2_MEMORY_KIB", "1024")
os.environ.setdefault("ARGON2_PARALLELISM", "1")
os.environ.pop("REDIS_URL", None)

from claim import ADMIN_URL, ROW_SECURITY, app_environment, as_admin  # noqa: E402 - after the settings above

RAW_TASK = """
INSERT INTO task (id, tenant_id, queue_id, task_type_id, title, payload, priority, status, required_skill_id,
                  created_at, updated_at, created_by)
VALUES ($1, $2, $3, $4, $5, $6, 2, 'queued', $7, $8, $8, NULL)
"""
RAW_EVENT = "INSERT INTO task_event (id, tenant_id, task_id, kind, at) VALUES ($1, $2, $3, 'created', $4)"
RAW_OUTBOX = (
    "INSERT INTO kernel_outbox (id, tenant_id, job, args, available_at)"
    " VALUES ($1, $2, 'work.task_event', $3, $4)"
)
COPY_COLUMNS = [
    "id", "tenant_id", "queue_id", "task_type_id", "external_ref", "title", "payload", "priority", "status",
    "required_skill_id", "fencing_token", "created_at", "updated_at", "created_by",
]  # fmt: skip


def payload(n: int) -> dict[str, Any]:
    return {"supplier": f"Supplier {n}", "amount": f"{n % 5000}.{n % 100:02d}", "due": "2026-01-31"}


def csv_text(rows: int) -> str:
    lines = ["supplier,amount,due,externalRef"]
    lines += [f"Supplier {n},{n % 5000}.{n % 100:02d},2026-01-31,CSV-{n}" for n in range(rows)]
    return "\n".join(lines) + "\n"


Submit = Callable[[Iterator[int]], Awaitable[None]]


async def timed(submitters: list[Submit], numbers: range) -> float:
    """Every submitter posts from one shared counter until it runs out; the seconds it took. The harness's
    own heap (it imported the whole app to build the world) is frozen first, so that a full pass of its
    garbage collector does not stall every submitter at once (bench/claim.py saw 150 ms stalls)."""
    gc.collect()
    gc.freeze()
    counter = iter(numbers)
    started = time.perf_counter()
    await asyncio.gather(*(submit(counter) for submit in submitters))
    elapsed = time.perf_counter() - started
    gc.unfreeze()
    return elapsed


def api_submitters(base_url: str, api_key: str) -> tuple[list[Submit], list[Any]]:
    from claim import ApiClient

    headers = {"Authorization": f"Bearer {api_key}"}
    clients = [ApiClient(base_url, headers) for _ in range(SUBMITTERS)]

    def submitter(client: ApiClient) -> Submit:
        async def submit(numbers: Iterator[int]) -> None:
            for n in numbers:
                status, body = await client.post(
                    "/api/v1/tasks", {"taskType": "payable", "payload": payload(n)}
                )
                assert status == 201, body

        return submit

    return [submitter(client) for client in clients], clients


def raw_submitter(pool: Any, floor: Any) -> Submit:
    tenant_id, queue_id, type_id = floor.world.client_a.id, floor.queue_a, floor.type_a

    async def submit(numbers: Iterator[int]) -> None:
        for n in numbers:
            task_id, now = uuid4(), datetime.now(UTC)
            body = json.dumps({**payload(n), "amount": 100 * (n % 5000) + n % 100})
            async with pool.acquire() as conn, conn.transaction():
                await conn.execute(
                    RAW_TASK,
                    task_id,
                    tenant_id,
                    queue_id,
                    type_id,
                    f"Pay a bill: Supplier {n}",
                    body,
                    floor.skill_id,
                    now,
                )
                await conn.execute(RAW_EVENT, uuid4(), tenant_id, task_id, now)
                args = json.dumps({"task_id": str(task_id), "event": "task.created"})
                await conn.execute(RAW_OUTBOX, uuid4(), tenant_id, args, now)

    return submit


async def submissions(base_url: str, api_key: str, dsn: str, floor: Any) -> tuple[float, float]:
    """Both sides' seconds for SUBMISSIONS each. Each side first submits WARMUP_PER_SUBMITTER per submitter
    untimed; then the measured submissions run in ROUNDS alternating rounds (API, raw, API, raw, ...), so
    that a change in the shared machine's load weighs on both sides alike."""
    import asyncpg

    api, clients = api_submitters(base_url, api_key)
    pool = await asyncpg.create_pool(dsn, min_size=SUBMITTERS, max_size=SUBMITTERS)
    raw = [raw_submitter(pool, floor)] * SUBMITTERS
    warmup = range(SUBMISSIONS, SUBMISSIONS + WARMUP_PER_SUBMITTER * SUBMITTERS)
    await timed(api, warmup)
    await timed(raw, warmup)
    api_s = raw_s = 0.0
    for start in range(0, SUBMISSIONS, SUBMISSIONS // ROUNDS):
        numbers = range(start, min(SUBMISSIONS, start + SUBMISSIONS // ROUNDS))
        api_s += await timed(api, numbers)
        raw_s += await timed(raw, numbers)
    for client in clients:
        await client.aclose()
    await pool.close()
    return api_s, raw_s


async def upload_csv(base_url: str, api_key: str, text: str) -> tuple[str, float]:
    import httpx

    async with httpx.AsyncClient(base_url=base_url, timeout=120) as client:
        started = time.perf_counter()
        response = await client.post(
            "/api/v1/task-imports",
            params={"taskType": "payable"},
            content=text.encode(),
            headers={"Authorization": f"Bearer {api_key}", "Content-Type": "text/csv"},
        )
        elapsed = time.perf_counter() - started
    assert response.status_code == 202, response.text
    return str(response.json()["id"]), elapsed


def run_import_in_worker(import_id: str) -> dict[str, Any]:
    """The import job in a fresh process, as a worker runs it: its duration and its peak RSS."""
    done = subprocess.run(
        [sys.executable, __file__, "--import", import_id],
        cwd=ROOT,
        env={**os.environ, **app_environment(), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        check=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


async def worker_import(import_id: str) -> dict[str, Any]:
    from retaguarda.app import load_job_modules
    from retaguarda.db import start_database, stop_database
    from retaguarda.tenancy import acting_for_system
    from retaguarda.work.imports.service import run_import

    load_job_modules()  # as `retaguarda worker` does: the import enqueues jobs of its own
    await start_database()
    started = time.perf_counter()
    async with acting_for_system():  # as the job runner runs every job
        await run_import(UUID(import_id))
    elapsed = time.perf_counter() - started
    await stop_database()
    # ru_maxrss is in KiB on Linux.
    return {"import_s": elapsed, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


async def copy_same_rows(dsn: str, import_id: str) -> float:
    """COPY the tasks the import created into the task table again (fresh ids and references): the same
    columns and values, through the same indexes and foreign keys."""
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        columns = ", ".join(COPY_COLUMNS)
        rows = await conn.fetch(
            f"SELECT {columns} FROM task WHERE id IN "
            "(SELECT task_id FROM csv_import_row WHERE import_id = $1 AND accepted)",
            UUID(import_id),
        )
        records = [(uuid4(), *row[1:4], f"copy-{row[4]}", *row[5:]) for row in rows]
        started = time.perf_counter()
        async with conn.transaction():
            await conn.copy_records_to_table("task", records=records, columns=COPY_COLUMNS)
        return time.perf_counter() - started
    finally:
        await conn.close()


async def main() -> dict[str, object]:
    from claim import free_port, serve, wait_until_up

    from retaguarda.app import create_app
    from retaguarda.auth import hash_token, new_api_key, token_prefix
    from retaguarda.db import get_engine, start_database, stop_database
    from retaguarda.settings import get_settings, to_asyncpg_dsn
    from tenants.tables import ApiKey
    from tests.support.database import migrate, recreate_postgres_database
    from tests.support.work import build_floor
    from tests.support.world import build_world

    settings = get_settings()
    assert settings.db.is_postgres, "the intake benchmark needs Postgres (DATABASE_URL)"
    await recreate_postgres_database(ADMIN_URL, with_roles=True)
    await migrate()
    await start_database()
    world = await build_world(create_app())
    floor = await build_floor(world)
    secret = new_api_key()
    await ApiKey(
        tenant_id=world.client_a.id,
        name="bench",
        prefix=token_prefix(secret),
        key_hash=hash_token(secret),
        scopes=["tasks:read", "tasks:write"],
    ).save()

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    server = serve(port)
    try:
        await wait_until_up(base_url, server)
        api_s, raw_s = await submissions(base_url, secret, to_asyncpg_dsn(ADMIN_URL), floor)
        await as_admin("TRUNCATE task_event, kernel_outbox, task CASCADE", "ANALYZE")
        import_id, upload_s = await upload_csv(base_url, secret, csv_text(CSV_ROWS))
    finally:
        server.terminate()
        server.wait(timeout=30)
    worker = run_import_in_worker(import_id)
    copy_s = await copy_same_rows(to_asyncpg_dsn(ADMIN_URL), import_id)
    imported = await get_engine().run_ddl("SELECT count(*) FROM task WHERE external_ref LIKE 'CSV-%'")
    await stop_database()
    assert imported[0]["count"] == CSV_ROWS, f"the import created {imported[0]['count']} tasks of {CSV_ROWS}"

    csv_s = upload_s + worker["import_s"]
    return {
        "bench": "intake",
        "rls": ROW_SECURITY,
        "api_per_s": round(SUBMISSIONS / api_s, 1),
        "raw_per_s": round(SUBMISSIONS / raw_s, 1),
        "ratio": round(raw_s / api_s, 3),
        "csv_rows": CSV_ROWS,
        "csv_s": round(csv_s, 2),
        "copy_s": round(copy_s, 3),
        "csv_ratio": round(csv_s / copy_s, 2),
        "peak_rss_mb": round(worker["peak_rss_mb"], 1),
    }


if __name__ == "__main__":
    if sys.argv[1:2] == ["--import"]:
        print(json.dumps(asyncio.run(worker_import(sys.argv[2]))))
    else:
        from retaguarda.db import act_for_system_throughout

        act_for_system_throughout()  # the harness's own set-up (bench/claim.py)
        print(json.dumps(asyncio.run(main())))
