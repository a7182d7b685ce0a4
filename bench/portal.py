"""The portal's busiest pages under a big client: 100,000 tasks of one client (loaded with COPY, every one
with SLA clocks: most done, met or breached, the rest open) and 50 operators in Postgres, served by uvicorn
in a subprocess. Signed-in sessions render the client dashboard (SLA attainment card, at-risk tasks,
backlog, activity), the task list (first page, with each task's clocks), the operator's work screen (a held
task), the supervisor's queue board (counters, tasks at risk, due next, who holds what), the staffing page of
a pool short of operators (a forecast from nine weeks of history against one scheduled operator) and a
search of the task list by a field value (a CNPJ, as people write it) repeatedly; the bare SQL of each
page's main query runs as a baseline.

Needs Postgres: DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/retaguarda_bench_portal) names a
scratch database that is dropped and recreated. BENCH_TASKS and BENCH_RENDERS size the run. Prints one JSON
line last: {"bench":"portal","pages":{"client_dashboard":{"p50_ms":…,"p95_ms":…,"sql_ms":…},…},"tasks":…}
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from uuid import UUID, uuid4

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/retaguarda_bench_portal")
os.environ.setdefault("DATABASE_POOL_MAX", "10")

from bench.claim import free_port, serve, signed_in, wait_until_up  # noqa: E402
from retaguarda.work.service.search import SEARCH_EXPRESSION  # noqa: E402

TASKS = int(os.environ.get("BENCH_TASKS", "100000"))
OPERATORS = int(os.environ.get("BENCH_OPERATORS", "50"))
RENDERS = int(os.environ.get("BENCH_RENDERS", "100"))
WARMUP = 5
DAYS = 60
TASK_COLUMNS = [
    "id", "tenant_id", "queue_id", "task_type_id", "title", "payload", "priority", "status",
    "required_skill_id", "created_at", "updated_at", "first_claimed_at", "completed_at", "due_at",
    "sla_version_id", "response_due_at", "response_warn_at", "response_state", "resolution_due_at",
    "resolution_warn_at", "resolution_state", "sla_paused_s",
]  # fmt: skip
# Indexes the portal's reads want (proposed for a migration; BENCH_PROPOSED_INDEXES=1 adds them after the
# load, to compare): open tasks by clock due instant and by status per client (the dashboard's at-risk card
# and backlog), and every task by creation (the task list of provider staff, whose scope is a tenant list).
PROPOSED_INDEXES = (
    "CREATE INDEX task_open_resolution_due ON task (tenant_id, resolution_due_at)"
    " WHERE status IN ('queued', 'claimed', 'waiting_on_client') AND resolution_due_at IS NOT NULL",
    "CREATE INDEX task_open_status ON task (tenant_id, status)"
    " WHERE status IN ('queued', 'claimed', 'waiting_on_client')",
    "CREATE INDEX task_created ON task (created_at, id)",
)
WITH_INDEXES = os.environ.get("BENCH_PROPOSED_INDEXES", "") == "1"
# The bare SQL of each page's main read, as a floor for what a page can cost.
BASELINE = {
    "client_dashboard": "SELECT id, title, status, resolution_due_at FROM task WHERE tenant_id = $1"
    " AND status IN ('queued', 'claimed', 'waiting_on_client') AND resolution_due_at IS NOT NULL"
    " ORDER BY resolution_due_at LIMIT 24",
    "task_list": "SELECT * FROM task WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT 26",
    "operator_work": "SELECT * FROM task WHERE assignee_id = $1 AND status = 'claimed'",
    "field_search": f"SELECT * FROM task WHERE {SEARCH_EXPRESSION} LIKE $1 ORDER BY created_at DESC LIMIT 26",
}


def cnpj_of(rng: random.Random) -> str:
    """Fourteen digits, as a CNPJ field stores one (the check digits do not matter to a search)."""
    return "".join(str(rng.randrange(10)) for _ in range(14))


def formatted_cnpj(digits: str) -> str:
    return f"{digits[:2]}.{digits[2:5]}.{digits[5:8]}/{digits[8:12]}-{digits[12:]}"


# The CNPJ of one loaded task, as people write it: the search page looks it up.
SEARCHED: list[str] = []


def task_rows(floor: Any, version_id: UUID, now: datetime) -> Iterator[tuple[Any, ...]]:
    """Client A's tasks over the last DAYS days: 80 % done (met mostly, some breached), the rest queued;
    response 60 min, resolution 8 h on a round-the-clock calendar, so due instants are plain arithmetic."""
    rng = random.Random(2026)
    world = floor.world
    for n in range(TASKS):
        created = now - timedelta(seconds=rng.randrange(DAYS * 86400))
        response_due, resolution_due = created + timedelta(minutes=60), created + timedelta(hours=8)
        response_warn, resolution_warn = created + timedelta(minutes=48), created + timedelta(minutes=384)
        done = n % 5 != 0 and created < now - timedelta(hours=10)
        claimed: datetime | None
        completed: datetime | None
        states: tuple[str, str]
        if done:
            claimed = created + timedelta(minutes=rng.randrange(5, 80))
            completed = claimed + timedelta(minutes=rng.randrange(10, 540))
            states = (
                "met" if claimed <= response_due else "breached",
                "met" if completed <= resolution_due else "breached",
            )
            status: str = "done"
        else:
            claimed = completed = None
            states = (
                "breached" if response_due < now else "running",
                "breached" if resolution_due < now else "running",
            )
            status = "queued"
        cnpj = cnpj_of(rng)
        if n == 7:
            SEARCHED.append(formatted_cnpj(cnpj))
        yield (
            uuid4(), world.client_a.id, floor.queue_a, floor.type_a, f"Bill {n}",
            json.dumps({"supplier": f"S{n}", "amount": 10000, "cnpj": cnpj}),
            1 + n % 4 if n % 4 else 2, status,
            floor.skill_id, created, completed or created, claimed, completed, response_due,
            version_id, response_due, response_warn, states[0], resolution_due, resolution_warn, states[1], 0,
        )  # fmt: skip


async def short_pool(base_url: str, world: Any, floor: Any) -> None:
    """Make the floor's pool short of operators: nine weeks of live-contact history forecast ahead, one
    operator scheduled. The server runs no jobs (full mode without a worker): the forecast job runs here."""
    import httpx

    from retaguarda.auth.tokens import csrf_token_for
    from retaguarda.settings import get_settings
    from tenants.resolver import SESSION_COOKIE
    from tests.staffing.planning.history import seed_history
    from tests.support.world import PASSWORD, sign_in

    await seed_history(
        world.client_a.id,
        floor.queue_a,
        floor.type_a,
        floor.operators["operator"],
        "America/Sao_Paulo",
        days=63,
    )
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as manager:
        await sign_in(manager, world.people["account_manager"].email, PASSWORD)
        cookie = manager.cookies.get(SESSION_COOKIE)
        manager.headers["X-CSRF-Token"] = csrf_token_for(get_settings().security.secret_key, cookie or "")
        settings = await manager.patch(
            f"/api/v1/planning/queues/{floor.queue_a}/settings",
            json={"model": "erlang_c", "answerTimeS": 60, "shrinkage": 0.0},
        )
        assert settings.status_code == 200, settings.text
        forecast = await manager.post(
            "/api/v1/planning/forecasts", json={"queueIds": [str(floor.queue_a)], "historyDays": 63}
        )
        assert forecast.status_code == 202, forecast.text
        world.app.state.job_runner = None
        await world.settle_jobs(timeout_s=600)
        page = await manager.get(f"/staffing?pool={floor.pool_id}&days=7")
        assert 'class="short"' in page.text, page.text[:2000]


async def session(base_url: str, email: str) -> Any:
    import aiohttp
    import httpx

    from tenants.resolver import SESSION_COOKIE
    from tests.support.world import PASSWORD, sign_in

    async with httpx.AsyncClient(base_url=base_url) as client:
        response = await sign_in(client, email, PASSWORD)
        assert response.status_code == 303, response.text
        cookie = client.cookies.get(SESSION_COOKIE)
    return aiohttp.ClientSession(
        base_url=base_url,
        headers={"Cookie": f"{SESSION_COOKIE}={cookie}"},
        connector=aiohttp.TCPConnector(limit=1),
    )


async def timings(client: Any, path: str, marker: str) -> list[float]:
    found = []
    for n in range(WARMUP + RENDERS):
        started = time.perf_counter()
        async with client.get(path, allow_redirects=False) as reply:
            body = await reply.text()
        elapsed = time.perf_counter() - started
        assert reply.status == 200 and marker in body, (path, reply.status, body[:500])
        if n >= WARMUP:
            found.append(elapsed)
    return found


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000, 2),
    }


async def sql_ms(dsn: str, sql: str, arg: Any) -> float:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        for _ in range(WARMUP):
            await conn.fetch(sql, arg)
        found = []
        for _ in range(20):
            started = time.perf_counter()
            await conn.fetch(sql, arg)
            found.append(time.perf_counter() - started)
    finally:
        await conn.close()
    return round(statistics.median(found) * 1000, 2)


async def main() -> dict[str, object]:
    import asyncpg
    import httpx

    from retaguarda.app import create_app
    from retaguarda.auth.tokens import csrf_token_for
    from retaguarda.db import start_database, stop_database, transaction
    from retaguarda.settings import get_settings
    from tenants.resolver import SESSION_COOKIE
    from tests.support.database import migrate, recreate_postgres_database
    from tests.support.work import add_operator, build_floor
    from tests.support.world import PASSWORD, build_world, sign_in

    settings = get_settings()
    assert settings.db.is_postgres, "the portal benchmark needs Postgres (DATABASE_URL)"
    await recreate_postgres_database(settings.db.url)
    await migrate()
    await start_database()
    world = await build_world(create_app())
    floor = await build_floor(world)
    async with transaction():
        for n in range(OPERATORS - 1):
            await add_operator(world, f"bench-op{n}", skill_id=floor.skill_id, pool_id=floor.pool_id)

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    server = serve(port)
    pages: dict[str, dict[str, float]] = {}
    try:
        await wait_until_up(base_url, server)
        # A round-the-clock SLA policy on client A's task type, through the API as an admin would.
        async with httpx.AsyncClient(base_url=base_url) as admin:
            await sign_in(admin, world.people["admin"].email, PASSWORD)
            cookie = admin.cookies.get(SESSION_COOKIE)
            admin.headers["X-CSRF-Token"] = csrf_token_for(settings.security.secret_key, cookie or "")
            tenant = str(world.client_a.id)
            calendar = await admin.post(
                "/api/v1/calendars",
                json={
                    "name": "24x7",
                    "timezone": "America/Sao_Paulo",
                    "alwaysOpen": True,
                    "tenantId": tenant,
                },
            )
            targets = [{"priority": p, "responseMinutes": 60, "resolutionMinutes": 480} for p in (1, 2, 3, 4)]
            policy = await admin.post(
                "/api/v1/sla/policies",
                json={
                    "name": "Std",
                    "targets": targets,
                    "calendarId": calendar.json()["id"],
                    "tenantId": tenant,
                },
            )
            assert policy.status_code == 201, policy.text
            linked = await admin.patch(
                f"/api/v1/task-types/{floor.type_a}", json={"slaPolicyId": policy.json()["id"]}
            )
            assert linked.status_code == 200, linked.text
        conn = await asyncpg.connect(settings.db.asyncpg_dsn)
        try:
            version_id = await conn.fetchval(
                "SELECT id FROM sla_policy_version WHERE policy_id = $1", UUID(policy.json()["id"])
            )
            await conn.copy_records_to_table(
                "task", records=task_rows(floor, version_id, datetime.now(UTC)), columns=TASK_COLUMNS
            )
            for statement in PROPOSED_INDEXES if WITH_INDEXES else ():
                await conn.execute(statement)
            await conn.execute("ANALYZE")
        finally:
            await conn.close()
        await short_pool(base_url, world, floor)
        client = await session(base_url, world.people["a_admin"].email)
        staff = await session(base_url, world.people["account_manager"].email)
        operator = await session(base_url, world.people["operator"].email)
        supervisor = await session(base_url, world.people["supervisor"].email)
        holder = await signed_in(base_url, world.people["operator"].email)
        status, body = await holder.post("/api/v1/work/next")
        assert status == 200, body
        await holder.aclose()
        try:
            pages["client_dashboard"] = summary(await timings(client, "/", 'id="attainment-title"'))
            pages["task_list"] = summary(await timings(staff, "/tasks", "sla-"))
            pages["operator_work"] = summary(await timings(operator, "/work", "Next task"))
            pages["supervisor_board"] = summary(
                await timings(supervisor, f"/board?pool={floor.pool_id}", "At risk of missing the SLA")
            )
            pages["staffing_shortfall"] = summary(
                await timings(staff, f"/staffing?pool={floor.pool_id}&days=7", 'class="short"')
            )
            search = "/tasks?" + urlencode({"q": SEARCHED[0]})
            pages["field_search"] = summary(await timings(staff, search, "Bill 7<"))
        finally:
            for open_session in (client, staff, operator, supervisor):
                await open_session.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    dsn = settings.db.asyncpg_dsn
    pages["client_dashboard"]["sql_ms"] = await sql_ms(dsn, BASELINE["client_dashboard"], world.client_a.id)
    pages["task_list"]["sql_ms"] = await sql_ms(dsn, BASELINE["task_list"], world.client_a.id)
    pages["operator_work"]["sql_ms"] = await sql_ms(
        dsn, BASELINE["operator_work"], floor.operators["operator"]
    )
    pages["field_search"]["sql_ms"] = await sql_ms(dsn, BASELINE["field_search"], f"%{SEARCHED[0][-6:]}%")
    await stop_database()
    return {
        "bench": "portal",
        "pages": pages,
        "tasks": TASKS,
        "operators": OPERATORS,
        "proposed_indexes": WITH_INDEXES,
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
