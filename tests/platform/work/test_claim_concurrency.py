"""The claim under real concurrency on Postgres: many operators racing over thousands of tasks, a holder that
dies mid-lease, and one operator's own parallel claims against its capacity."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import httpx
import pytest
from piccolo.engine.postgres import PostgresEngine

from retaguarda.auth import ROLE_SCOPES, Principal, Role, TenantKind
from retaguarda.db import get_engine, transaction
from retaguarda.settings import get_settings
from retaguarda.tenancy import unit_of_work
from retaguarda.work.service import claims
from retaguarda.work.service.claims import reap_expired_leases
from retaguarda.work.tables import Task, TaskEvent, TimeEntry
from tests.support.work import Floor, add_operator

pytestmark = pytest.mark.postgres

CLAIMERS = 50
TASKS = 2000
# Connections for the race: enough that many claims are inside Postgres at once, few enough to leave room on a
# shared server.
RACE_POOL = 30


@pytest.fixture
async def wide_pool() -> AsyncIterator[None]:
    """A larger pool for the duration of one test, then the configured one again."""
    engine = get_engine()
    assert isinstance(engine, PostgresEngine)
    settings = get_settings().db
    await engine.close_connection_pool()
    await engine.start_connection_pool(min_size=1, max_size=RACE_POOL)
    yield
    await engine.close_connection_pool()
    await engine.start_connection_pool(min_size=settings.pool_min, max_size=settings.pool_max)


async def queue_tasks(floor: Floor, count: int) -> list[UUID]:
    """Queued tasks straight into the table, alternating between the two clients' queues."""
    stamp = datetime.now(UTC)
    world = floor.world
    places = [
        (world.client_a.id, floor.queue_a, floor.type_a),
        (world.client_b.id, floor.queue_b, floor.type_b),
    ]
    tasks = []
    for n in range(count):
        tenant_id, queue_id, type_id = places[n % 2]
        tasks.append(
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
    async with transaction():
        # Batches under Postgres' 32,767 bind parameters (a task row has about 35 columns).
        for start in range(0, count, 500):
            await Task.insert(*tasks[start : start + 500])
    return [task.id for task in tasks]


async def operators(floor: Floor, count: int, *, capacity: int = 1) -> list[httpx.AsyncClient]:
    keys = [f"claimer{n}" for n in range(count)]
    async with transaction():
        for key in keys:
            await add_operator(
                floor.world, key, skill_id=floor.skill_id, pool_id=floor.pool_id, capacity=capacity
            )
    return list(await asyncio.gather(*(floor.world.sign_in(key) for key in keys)))


def operator_principal(floor: Floor, key: str) -> Principal:
    """What the resolver builds for an operator's session (provider staff reach every client)."""
    person = floor.world.people[key]
    return Principal(
        tenant_id=floor.world.provider.id,
        tenant_kind=TenantKind.PROVIDER,
        role=Role.OPERATOR,
        via="session",
        scopes=ROLE_SCOPES[Role.OPERATOR],
        reachable_tenant_ids=None,
        locale="en",
        timezone="UTC",
        user_id=person.user_id,
    )


async def work_until_empty(principal: Principal) -> list[UUID]:
    """One operator's loop, each call in its own unit of work as a request would be: claim, complete, until
    nothing is left for it. The ids it completed."""
    completed = []
    while True:
        async with unit_of_work(principal) as ctx:
            lease = await claims.claim_next_task(ctx)
        if lease is None:
            return completed
        async with unit_of_work(principal) as ctx:
            await claims.complete(ctx, lease.task.id, lease.fencing_token)
        completed.append(lease.task.id)


@pytest.mark.usefixtures("wide_pool")
async def test_fifty_concurrent_claimers_complete_every_task_exactly_once(floor: Floor) -> None:
    # Through the service layer rather than HTTP: the race is in the database, and 4,000 in-process HTTP calls
    # would take minutes on a small CI machine (the HTTP path is raced by bench/claim.py).
    task_ids = set(await queue_tasks(floor, TASKS))
    keys = [f"claimer{n}" for n in range(CLAIMERS)]
    async with transaction():
        for key in keys:
            await add_operator(floor.world, key, skill_id=floor.skill_id, pool_id=floor.pool_id)

    per_operator = await asyncio.gather(*(work_until_empty(operator_principal(floor, key)) for key in keys))

    completed = [task_id for ids in per_operator for task_id in ids]
    assert len(completed) == TASKS and set(completed) == task_ids, "a task was completed twice or never"
    assert sum(1 for ids in per_operator if ids) > CLAIMERS // 2, "the work was not shared out"
    rows = await Task.select(Task.status, Task.fencing_token)
    assert Counter(row["status"] for row in rows) == {"done": TASKS}
    # One claim per task: the fencing token moved once, so no second operator ever held it.
    assert {row["fencing_token"] for row in rows} == {1}
    events = await TaskEvent.select(TaskEvent.task_id, TaskEvent.kind, TaskEvent.operator_id)
    per_kind = Counter((e["task_id"], e["kind"]) for e in events)
    assert per_kind == {
        **dict.fromkeys(((t, "claimed") for t in task_ids), 1),
        **dict.fromkeys(((t, "completed") for t in task_ids), 1),
    }
    holder = {(e["task_id"], e["kind"]): e["operator_id"] for e in events}
    assert all(holder[(t, "claimed")] == holder[(t, "completed")] for t in task_ids)
    entries = await TimeEntry.select(TimeEntry.task_id, TimeEntry.operator_id, TimeEntry.ended_at)
    assert Counter(e["task_id"] for e in entries) == dict.fromkeys(task_ids, 1)
    assert all(
        e["ended_at"] is not None and e["operator_id"] == holder[(e["task_id"], "claimed")] for e in entries
    )


async def test_a_holder_killed_mid_lease_loses_the_task_after_a_real_lease(
    floor: Floor, monkeypatch: pytest.MonkeyPatch
) -> None:
    (task_id,) = await queue_tasks(floor, 1)
    first, second = await operators(floor, 2)
    monkeypatch.setattr(claims, "lease_duration", lambda: timedelta(seconds=1))
    lease = (await first.post("/api/v1/work/next")).json()
    assert lease["task"]["id"] == str(task_id)
    # The first holder dies: no heartbeat. Before the lease runs out, the reaper leaves the task alone.
    async with transaction():
        assert await reap_expired_leases() == 0
    assert (await second.post("/api/v1/work/next")).status_code == 204
    await asyncio.sleep(1.2)
    async with transaction():
        assert await reap_expired_leases() == 1
    taken = await second.post("/api/v1/work/next")
    assert taken.status_code == 200 and taken.json()["fencingToken"] == lease["fencingToken"] + 1

    stale = {"fencingToken": lease["fencingToken"]}
    for action in ("complete", "heartbeat", "release"):
        refused = await first.post(f"/api/v1/work/{task_id}/{action}", json=stale)
        assert refused.status_code == 409 and refused.json()["code"] == "lease_lost", (action, refused.text)
    fresh = {"fencingToken": taken.json()["fencingToken"]}
    assert (await second.post(f"/api/v1/work/{task_id}/heartbeat", json=fresh)).status_code == 200
    assert (await second.post(f"/api/v1/work/{task_id}/complete", json=fresh)).status_code == 204

    kinds = [
        e["kind"]
        for e in await TaskEvent.select(TaskEvent.kind)
        .where(TaskEvent.task_id == task_id)
        .order_by(TaskEvent.at)
    ]
    assert kinds == ["claimed", "lease_expired", "claimed", "completed"]
    entries = await TimeEntry.select().where(TimeEntry.task_id == task_id).order_by(TimeEntry.started_at)
    assert len(entries) == 2 and all(e["ended_at"] is not None for e in entries)
    # The dead holder's time ends at its last sign of life (the claim), not at the reaper's visit.
    assert entries[0]["ended_at"] == entries[0]["started_at"] and entries[0]["seconds"] == 0


async def test_parallel_claims_of_one_operator_stop_at_its_capacity(floor: Floor) -> None:
    await queue_tasks(floor, 12)
    (client,) = await operators(floor, 1, capacity=2)
    answers = await asyncio.gather(*(client.post("/api/v1/work/next") for _ in range(10)))
    assert sorted(answer.status_code for answer in answers) == [200, 200] + [204] * 8
    held = (await client.get("/api/v1/work/held")).json()
    assert len(held) == 2 and len({lease["task"]["id"] for lease in held}) == 2
    assert await Task.count().where(Task.status == "claimed") == 2


async def test_the_claim_function_runs_the_claim_statement_of_the_code() -> None:
    """work_claim_next() holds a snapshot of CLAIM_SQL (its migration says why): a change to one without the
    other fails here."""
    rows = await get_engine().run_ddl("SELECT prosrc FROM pg_proc WHERE proname = 'work_claim_next'")
    assert len(rows) == 1
    expected = claims.CLAIM_SQL.replace("{lock}", "FOR UPDATE SKIP LOCKED")
    for placeholder, name in (("{op}", "v_op"), ("{lease}", "p_lease"), ("{now}", "p_now")):
        expected = expected.replace(placeholder, name)
    assert " ".join(expected.split()) in " ".join(rows[0]["prosrc"].split())
