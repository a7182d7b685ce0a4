"""The claim loop under load: N simulated operators (default 50) claim and complete every task through the
HTTP API of a real server, then the same workload runs as a raw asyncpg claim loop on the same database, in
one run.

The app is served by uvicorn (one process per core, BENCH_WORKERS) in a subprocess on 127.0.0.1 (full
mode: no job runner in the web process, as in production; the outbox rows it writes wait for the workers)
with asyncpg pools of DATABASE_POOL_MAX connections in all (default: one per operator). The raw baseline runs
the statements that carry the same guarantees, through a pool of the same size: lock the operator's row, the
claim UPDATE ... FOR UPDATE SKIP LOCKED, the time entry, the `claimed` event and its outbox row; then the
fenced completion UPDATE, the time entry's close, the `completed` event and its outbox row. Each half is one
transaction, as each API call is. (The API sends fewer statements for the same guarantees: its session lookup,
then the claim as one call of work_claim_next(), or the completion as one statement, each its own implicit
transaction; the raw loop is the straightforward hand-written version, kept as it was when the target was
set.)

Both sides run the same closed loop and are measured the same way (Window): the first BENCH_WARMUP tasks per
operator (default 4) are a warm-up, and the throughput and the latencies are those of the steady state after
it, with the server's connections open (DATABASE_POOL_MIN = its share of the pool, as the raw pool's are) and
the operators out of step.

Needs Postgres: DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/retaguarda_bench) names a scratch
database that is dropped and recreated, with a role that may create roles. The app runs as deployed: the
schema migrated by the database's owner role, the server connected as its app role (no superuser, owns
nothing) behind row-level security; BENCH_RLS=0 connects the server as DATABASE_URL's role instead (a
superuser passes through the policies), to compare. The raw loop and the harness's own set-up connect as
DATABASE_URL's role. BENCH_OPERATORS and BENCH_TASKS size the run. Prints one JSON line last:
{"bench":"claim","rls":…,"operators":…,"tasks":…,"api_per_s":…,"raw_per_s":…,"ratio":…,"p99_ms":…,
"double_claims":…,"lost":…} where double_claims counts tasks completed twice or claimed by two operators, and
lost counts tasks never completed, both in the API run.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import re
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OPERATORS = int(os.environ.get("BENCH_OPERATORS", "50"))
TASKS = int(os.environ.get("BENCH_TASKS", "3000"))
# Untimed tasks per operator before each measured run (both sides).
WARMUP_PER_OPERATOR = int(os.environ.get("BENCH_WARMUP", "4"))
# Web processes serving the API (see serve()).
# One web process per core, as `retaguarda serve --workers N` is deployed (at most 4 here: the client needs
# the machine too); BENCH_WORKERS overrides. Both sides hold the same number of connections in total.
WORKERS = int(os.environ.get("BENCH_WORKERS", str(min(4, os.cpu_count() or 1))))
os.environ.setdefault("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/retaguarda_bench")
os.environ.setdefault("DATABASE_POOL_MAX", str(OPERATORS))
os.environ.setdefault("SECRET_KEY", "bench")
os.environ.setdefault("LOG_LEVEL", "ERROR")
os.environ.setdefault("LOG_JSON", "false")
# Operators sign in once each; the password hash cost is not what this measures.
os.environ.setdefault("ARGON2_TIME_COST", "1")
os.environ.setdefault("ARGON2_MEMORY_KIB", "1024")
os.environ.setdefault("ARGON2_PARALLELISM", "1")
os.environ.pop("REDIS_URL", None)
# BENCH_RLS=0: the server passes through the row-level security policies (see above).
ROW_SECURITY = os.environ.get("BENCH_RLS", "1").strip().lower() not in {"0", "false", "no", "off"}


def deploy_roles() -> str:
    """Point DATABASE_URL at the app role and DATABASE_OWNER_URL at the owner (tests/support/database.py);
    the admin URL given, which the raw baseline and the harness's table resets use."""
    from tests.support.database import admin_url, deploy_roles_from_environment

    deploy_roles_from_environment()
    return admin_url()


ADMIN_URL = deploy_roles()


def app_environment() -> dict[str, str]:
    """What a process of the app under measure connects as."""
    from retaguarda.settings import to_asyncpg_dsn

    return {"DATABASE_URL": os.environ["DATABASE_URL"] if ROW_SECURITY else to_asyncpg_dsn(ADMIN_URL)}


RAW_CLAIM_EXTRAS = (
    "INSERT INTO time_entry (id, tenant_id, task_id, operator_id, started_at) VALUES ($1, $2, $3, $4, $5)",
    "INSERT INTO task_event (id, tenant_id, task_id, kind, at, operator_id, fencing_token)"
    " VALUES ($1, $2, $3, 'claimed', $4, $5, $6)",
)
RAW_COMPLETE = """
UPDATE task SET status = 'done', lease_expires_at = NULL, completed_at = $1, updated_at = $1
WHERE id = $2 AND assignee_id = $3 AND fencing_token = $4 AND status = 'claimed' AND lease_expires_at > $1
RETURNING tenant_id
"""
RAW_CLOSE_ENTRY = """
UPDATE time_entry SET ended_at = $1, seconds = GREATEST(0, EXTRACT(EPOCH FROM $1 - started_at))::int
WHERE task_id = $2 AND operator_id = $3 AND ended_at IS NULL
"""
RAW_COMPLETED_EVENT = (
    "INSERT INTO task_event (id, tenant_id, task_id, kind, at, operator_id, fencing_token)"
    " VALUES ($1, $2, $3, 'completed', $4, $5, $6)"
)
RAW_OUTBOX = (
    "INSERT INTO kernel_outbox (id, tenant_id, job, args, available_at)"
    " VALUES ($1, $2, 'work.task_event', $3, $4)"
)
DOUBLE_CLAIMS_SQL = """
SELECT count(*) FROM task t
WHERE t.fencing_token > 1
   OR (SELECT count(*) FROM task_event e WHERE e.task_id = t.id AND e.kind = 'completed') > 1
   OR (SELECT count(DISTINCT e.operator_id) FROM task_event e
       WHERE e.task_id = t.id AND e.kind = 'claimed') > 1
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(port: int, workers: int = WORKERS) -> subprocess.Popen[bytes]:
    """The app under uvicorn, in ``workers`` processes (as a deployment runs several web processes). They
    share DATABASE_POOL_MAX connections out among themselves, so the API side holds as many connections in
    total as the raw side's pool."""
    pool_total = int(os.environ["DATABASE_POOL_MAX"])
    # Full mode in the server: REDIS_URL only switches the in-process job runner off; nothing connects to it.
    env = {
        **os.environ,
        **app_environment(),
        "REDIS_URL": "redis://127.0.0.1:6379/15",
        "PYTHONPATH": str(ROOT),
        "DATABASE_POOL_MAX": str(max(1, pool_total // workers)),
        # Opened at start-up, as the raw side's pool is (and as a deployment under load would keep them).
        "DATABASE_POOL_MIN": str(max(1, pool_total // workers)),
    }
    command = [
        sys.executable, "-m", "uvicorn", "retaguarda.app:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log",
        "--workers", str(workers),
        # Idle keep-alive connections stay open while the other side runs its round (bench/intake.py
        # alternates): uvicorn's default 5 s closed them under a loaded machine, mid-run.
        "--timeout-keep-alive", "120",
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env=env)


async def wait_until_up(base_url: str, server: subprocess.Popen[bytes]) -> None:
    import httpx

    async with httpx.AsyncClient(base_url=base_url) as client:
        for _ in range(300):
            if server.poll() is not None:
                raise RuntimeError("the server exited")
            try:
                if (await client.get("/health/live")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("the server did not start")


async def queue_tasks(floor: Any, count: int) -> None:
    """Queued tasks inserted directly, alternating between the two clients' queues."""
    from retaguarda.db import transaction
    from retaguarda.work.tables import Task

    world = floor.world
    places = [
        (world.client_a.id, floor.queue_a, floor.type_a),
        (world.client_b.id, floor.queue_b, floor.type_b),
    ]
    stamp = datetime.now(UTC)
    # A multi-row INSERT binds every column of every row: stay under the protocol's 32,767 parameters.
    batch_size = 30000 // len(Task.all_columns())
    async with transaction():
        for start in range(0, count, batch_size):
            batch = []
            for n in range(start, min(count, start + batch_size)):
                tenant_id, queue_id, type_id = places[n % 2]
                batch.append(
                    Task(
                        id=uuid4(),
                        tenant_id=tenant_id,
                        queue_id=queue_id,
                        task_type_id=type_id,
                        title=f"Bill {n}",
                        payload={"supplier": f"S{n}", "amount": 100 + n},
                        required_skill_id=floor.skill_id,
                        status="queued",
                        created_at=stamp + timedelta(microseconds=n),
                        updated_at=stamp,
                    )
                )
            await Task.insert(*batch)


def p99_ms(latencies: list[float]) -> float:
    ordered = sorted(latencies)
    return round(ordered[max(0, int(len(ordered) * 0.99) - 1)] * 1000, 2)


class ApiClient:
    """One simulated user's keep-alive connection to the server. aiohttp by default: the harness shares the
    machine's cores with the server it measures, and httpx spends about three times its CPU per request
    (BENCH_HTTP=httpx switches back, to compare)."""

    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        self.kind = os.environ.get("BENCH_HTTP", "aiohttp")
        if self.kind == "httpx":
            import httpx

            self.httpx = httpx.AsyncClient(base_url=base_url, headers=headers)
        else:
            import aiohttp

            self.aiohttp = aiohttp.ClientSession(
                base_url=base_url, headers=headers, connector=aiohttp.TCPConnector(limit=1)
            )

    async def post(self, path: str, body: Any = None) -> tuple[int, bytes]:
        if self.kind == "httpx":
            response = await self.httpx.post(path, json=body)
            return response.status_code, response.content
        async with self.aiohttp.post(path, json=body) as reply:
            return reply.status, await reply.read()

    async def aclose(self) -> None:
        if self.kind == "httpx":
            await self.httpx.aclose()
        else:
            await self.aiohttp.close()


async def signed_in(base_url: str, email: str) -> ApiClient:
    """An operator signed in through the portal form; its session cookie and CSRF token ride on every call."""
    import httpx

    from retaguarda.auth.tokens import csrf_token_for
    from retaguarda.settings import get_settings
    from tenants.resolver import SESSION_COOKIE
    from tests.support.world import PASSWORD, sign_in

    async with httpx.AsyncClient(base_url=base_url) as client:
        response = await sign_in(client, email, PASSWORD)
        assert response.status_code == 303, response.text
        session = client.cookies.get(SESSION_COOKIE)
    assert session, "the sign-in set no session cookie"
    # The session's CSRF token, derived as the server derives it (no dependency on a portal page's markup).
    csrf = csrf_token_for(get_settings().security.secret_key, session)
    return ApiClient(base_url, {"Cookie": f"{SESSION_COOKIE}={session}", "X-CSRF-Token": csrf})


class Window:
    """The measured window of one closed-loop run. Every operator claims and completes until the queue is
    empty; the first WARMUP_PER_OPERATOR * OPERATORS completions are a warm-up (each server process opens its
    connections and takes its code paths, as a running deployment has, and the operators fall out of step, as
    people do), and the window opens at the completion that ends it. Calls started inside the window are
    timed; the throughput is the completions inside it over its length."""

    def __init__(self, warmup: int) -> None:
        self.warmup = warmup
        self.opened_at: float | None = None
        self.closed_at = 0.0
        self.latencies: list[float] = []
        self.starts: list[float] = []
        self.completed: list[str] = []  # every completion, warm-up included
        self.measured = 0

    @property
    def open(self) -> bool:
        return self.opened_at is not None

    def timed(self, started: float, measuring: bool) -> None:
        if measuring:
            self.latencies.append(time.perf_counter() - started)
            self.starts.append(started)

    def dump(self, path: str) -> None:
        """BENCH_TRACE: each timed call's start and duration, to look for stalls (JSON lines)."""
        with open(path, "a") as out:
            for started, seconds in zip(self.starts, self.latencies, strict=True):
                out.write(json.dumps([started, seconds]) + "\n")

    def complete(self, task_id: str, measuring: bool) -> None:
        self.completed.append(task_id)
        if measuring:
            self.measured += 1
        elif not self.open and len(self.completed) >= self.warmup:
            self.opened_at = time.perf_counter()

    async def run(self, operators: Any) -> None:
        # The harness imported the whole app to build the world: its heap is frozen first, or a full pass of
        # its own garbage collector stalls every simulated operator at once (it did: 150 ms with no call
        # completing, on either side).
        gc.collect()
        gc.freeze()
        await asyncio.gather(*operators)
        self.closed_at = time.perf_counter()
        gc.unfreeze()

    @property
    def per_s(self) -> float:
        assert self.opened_at is not None, "the run ended inside its warm-up"
        return self.measured / (self.closed_at - self.opened_at)


async def api_run(base_url: str, emails: list[str]) -> Window:
    clients = await asyncio.gather(*(signed_in(base_url, email) for email in emails))
    window = Window(WARMUP_PER_OPERATOR * OPERATORS)

    async def operator(client: ApiClient) -> None:
        while True:
            measuring, started = window.open, time.perf_counter()
            status, body = await client.post("/api/v1/work/next")
            window.timed(started, measuring)
            if status == 204:
                return
            assert status == 200, body
            lease = json.loads(body)
            task_id = lease["task"]["id"]
            measuring, started = window.open, time.perf_counter()
            status, body = await client.post(
                f"/api/v1/work/{task_id}/complete", {"fencingToken": lease["fencingToken"]}
            )
            window.timed(started, measuring)
            if status == 204:
                window.complete(task_id, measuring)

    await window.run(operator(client) for client in clients)
    if trace := os.environ.get("BENCH_TRACE"):
        window.dump(trace)
    for client in clients:
        await client.aclose()
    return window


async def raw_run(dsn: str, operator_ids: list[UUID], pool_size: int) -> Window:
    import asyncpg

    from retaguarda.work.service.claims import CLAIM_SQL

    claim_sql = pg_placeholders(CLAIM_SQL, lock="FOR UPDATE SKIP LOCKED")
    # Serialises one operator's own concurrent claims, so two of them cannot both see capacity left.
    lock_sql = "SELECT id FROM operator WHERE id = $1 FOR UPDATE"
    lease = timedelta(minutes=5)
    pool = await asyncpg.create_pool(dsn, min_size=pool_size, max_size=pool_size)
    window = Window(WARMUP_PER_OPERATOR * OPERATORS)

    async def operator(operator_id: UUID) -> None:
        while True:
            now = datetime.now(UTC)
            measuring, started = window.open, time.perf_counter()
            async with pool.acquire() as conn, conn.transaction():
                await conn.execute(lock_sql, operator_id)
                task = await conn.fetchrow(claim_sql, operator_id, now + lease, now)
                if task is not None:
                    await conn.execute(
                        RAW_CLAIM_EXTRAS[0], uuid4(), task["tenant_id"], task["id"], operator_id, now
                    )
                    await conn.execute(
                        RAW_CLAIM_EXTRAS[1],
                        uuid4(),
                        task["tenant_id"],
                        task["id"],
                        now,
                        operator_id,
                        task["fencing_token"],
                    )
                    await outbox(conn, task["tenant_id"], task["id"], "task.claimed", now)
            window.timed(started, measuring)
            if task is None:
                return
            now = datetime.now(UTC)
            measuring, started = window.open, time.perf_counter()
            async with pool.acquire() as conn, conn.transaction():
                done = await conn.fetchrow(RAW_COMPLETE, now, task["id"], operator_id, task["fencing_token"])
                if done is not None:
                    await conn.execute(RAW_CLOSE_ENTRY, now, task["id"], operator_id)
                    await conn.execute(
                        RAW_COMPLETED_EVENT,
                        uuid4(),
                        task["tenant_id"],
                        task["id"],
                        now,
                        operator_id,
                        task["fencing_token"],
                    )
                    await outbox(conn, task["tenant_id"], task["id"], "task.completed", now)
            window.timed(started, measuring)
            if done is not None:
                window.complete(str(task["id"]), measuring)

    await window.run(operator(operator_id) for operator_id in operator_ids)
    await pool.close()
    return window


async def outbox(conn: Any, tenant_id: UUID, task_id: UUID, event: str, now: datetime) -> None:
    args = json.dumps({"task_id": str(task_id), "event": event})
    await conn.execute(RAW_OUTBOX, uuid4(), tenant_id, args, now)


def pg_placeholders(sql: str, **text: str) -> str:
    """The claim's ``{name}`` placeholders as asyncpg's $1, $2, $3 (op, lease, now)."""
    numbers = {"op": "$1", "lease": "$2", "now": "$3"}
    return re.sub(r"\{(\w+)\}", lambda m: text.get(m.group(1)) or numbers[m.group(1)], sql)


async def as_admin(*statements: str) -> None:
    """Statements only the tables' owner (or a superuser) may run: TRUNCATE, ANALYZE."""
    import asyncpg

    from retaguarda.settings import to_asyncpg_dsn

    connection = await asyncpg.connect(to_asyncpg_dsn(ADMIN_URL))
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


async def reset_tasks(floor: Any) -> None:
    """A fresh floor for a run: its warm-up and measured tasks queued, the statistics current."""
    await as_admin("TRUNCATE task_event, time_entry, task_comment, kernel_outbox, task CASCADE")
    await queue_tasks(floor, WARMUP_PER_OPERATOR * OPERATORS + TASKS)
    await as_admin("ANALYZE")


async def main() -> dict[str, object]:
    from retaguarda.app import create_app
    from retaguarda.db import get_engine, start_database, stop_database, transaction
    from retaguarda.settings import get_settings, to_asyncpg_dsn
    from tests.support.database import migrate, recreate_postgres_database
    from tests.support.work import add_operator, build_floor
    from tests.support.world import build_world

    settings = get_settings()
    assert settings.db.is_postgres, "the claim benchmark needs Postgres (DATABASE_URL)"
    await recreate_postgres_database(ADMIN_URL, with_roles=True)
    await migrate()
    await start_database()
    world = await build_world(create_app())
    floor = await build_floor(world)
    keys = [f"bench-op{n}" for n in range(OPERATORS)]
    async with transaction():
        operator_ids = [
            await add_operator(world, key, skill_id=floor.skill_id, pool_id=floor.pool_id) for key in keys
        ]
    await reset_tasks(floor)

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    server = serve(port)
    try:
        await wait_until_up(base_url, server)
        api = await api_run(base_url, [world.people[key].email for key in keys])
    finally:
        server.terminate()
        server.wait(timeout=30)
    engine = get_engine()
    double_claims = (await engine.run_ddl(DOUBLE_CLAIMS_SQL))[0]["count"]
    lost = (await engine.run_ddl("SELECT count(*) FROM task WHERE status <> 'done'"))[0]["count"]
    double_claims += len(api.completed) - len(set(api.completed))

    await reset_tasks(floor)
    raw = await raw_run(to_asyncpg_dsn(ADMIN_URL), operator_ids, settings.db.pool_max)
    raw_lost = (await engine.run_ddl("SELECT count(*) FROM task WHERE status <> 'done'"))[0]["count"]
    queued = WARMUP_PER_OPERATOR * OPERATORS + TASKS
    assert len(raw.completed) == queued and raw_lost == 0, "the raw loop itself lost tasks"
    await stop_database()

    return {
        "bench": "claim",
        "rls": ROW_SECURITY,
        "operators": OPERATORS,
        "tasks": TASKS,
        "api_per_s": round(api.per_s, 1),
        "raw_per_s": round(raw.per_s, 1),
        "ratio": round(api.per_s / raw.per_s, 3),
        "p99_ms": p99_ms(api.latencies),
        # The raw loop's own p99 in the same closed loop of OPERATORS: with every operator always waiting on
        # its next call, latency is about OPERATORS / throughput, for either side.
        "raw_p99_ms": p99_ms(raw.latencies),
        "double_claims": double_claims,
        "lost": lost,
        "warmup_tasks": WARMUP_PER_OPERATOR * OPERATORS,
    }


if __name__ == "__main__":
    from retaguarda.db import act_for_system_throughout

    # The harness builds the world and reads the outcome acting for the system; the server it measures
    # publishes each request's own scope.
    act_for_system_throughout()
    print(json.dumps(asyncio.run(main())))
