"""Intake, the claim, leases and fencing, time capture, through the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from retaguarda.db import transaction
from retaguarda.work.service.claims import reap_expired_leases
from retaguarda.work.tables import Task, TaskEvent, TaskType, TimeEntry
from tenants.tables import Tenant
from tests.support.work import FIELDS, Floor


async def test_a_client_submits_and_an_operator_claims_and_completes(floor: Floor) -> None:
    client = await floor.world.sign_in("a_member")
    created = await floor.submit(client, externalRef="INV-1")
    assert created.status_code == 201, created.text
    task = created.json()
    assert task["status"] == "queued" and task["payload"]["amount"] == 123456 and task["priority"] == 2
    operator = await floor.operator_client("operator")
    claimed = await operator.post("/api/v1/work/next")
    assert claimed.status_code == 200, claimed.text
    lease = claimed.json()
    assert lease["task"]["id"] == task["id"] and lease["fencingToken"] == 1
    beat = await operator.post(f"/api/v1/work/{task['id']}/heartbeat", json={"fencingToken": 1})
    assert beat.status_code == 200
    done = await operator.post(f"/api/v1/work/{task['id']}/complete", json={"fencingToken": 1})
    assert done.status_code == 204, done.text
    detail = (await client.get(f"/api/v1/tasks/{task['id']}")).json()
    assert detail["task"]["status"] == "done"
    assert [e["kind"] for e in detail["events"]] == ["created", "claimed", "completed"]
    entries = await TimeEntry.select().where(TimeEntry.task_id == task["id"])
    assert len(entries) == 1 and entries[0]["ended_at"] is not None and entries[0]["source"] == "auto"
    assert (await operator.post("/api/v1/work/next")).status_code == 204


async def test_invalid_payload_gets_one_error_per_field(floor: Floor) -> None:
    client = await floor.world.sign_in("a_member")
    response = await floor.submit(client, payload={"amount": 12.5, "due": "2026-13-01", "extra": 1})
    assert response.status_code == 422
    fields = sorted(e["field"] for e in response.json()["errors"])
    assert fields == ["payload.amount", "payload.due", "payload.extra", "payload.supplier"]
    assert await Task.count() == 0
    unknown = await floor.submit(client, taskType="nope")
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "taskType"


async def test_a_changed_task_type_or_tenant_applies_to_the_next_submission(floor: Floor) -> None:
    """Intake keeps what it validated against per process (on PostgreSQL); a change made anywhere, here
    straight in the database as another process would, still applies at once."""
    client = await floor.world.sign_in("a_member")
    assert (await floor.submit(client)).status_code == 201
    await TaskType.update({TaskType.active: False}).where(TaskType.id == floor.type_a)
    inactive = await floor.submit(client)
    assert inactive.status_code == 422 and inactive.json()["errors"][0]["field"] == "taskType"
    fields = [*FIELDS, {"key": "branch", "kind": "text", "labels": {"en": "Branch"}, "required": True}]
    await TaskType.update({TaskType.active: True, TaskType.fields: fields}).where(TaskType.id == floor.type_a)
    missing = await floor.submit(client)
    assert missing.status_code == 422
    assert [e["field"] for e in missing.json()["errors"]] == ["payload.branch"]
    # Money is read in the tenant's currency: yen have no minor unit.
    await Tenant.update({Tenant.currency: "JPY"}).where(Tenant.id == floor.world.client_a.id)
    yen = await floor.submit(client, payload={"supplier": "ACME", "amount": "1234.56", "branch": "SP"})
    assert yen.status_code == 422 and yen.json()["errors"][0]["field"] == "payload.amount"
    assert await Task.count() == 1


async def test_idempotent_intake(floor: Floor) -> None:
    client = await floor.world.sign_in("a_admin")
    first = await client.post(
        "/api/v1/tasks",
        json={"taskType": "payable", "payload": {"supplier": "X", "amount": "10"}},
        headers={"Idempotency-Key": "abc-1"},
    )
    again = await client.post(
        "/api/v1/tasks",
        json={"taskType": "payable", "payload": {"supplier": "X", "amount": "10"}},
        headers={"Idempotency-Key": "abc-1"},
    )
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert await Task.count() == 1
    other = await client.post(
        "/api/v1/tasks",
        json={"taskType": "payable", "payload": {"supplier": "Y", "amount": "10"}},
        headers={"Idempotency-Key": "abc-1"},
    )
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    # Another tenant's identical key is its own.
    b_client = await floor.world.sign_in("b_admin")
    b = await b_client.post(
        "/api/v1/tasks",
        json={"taskType": "payable", "payload": {"supplier": "X", "amount": "10"}},
        headers={"Idempotency-Key": "abc-1"},
    )
    assert b.status_code == 201 and b.json()["id"] != first.json()["id"]


async def test_stale_holder_is_refused_after_the_lease_expired(floor: Floor) -> None:
    client = await floor.world.sign_in("a_member")
    task_id = (await floor.submit(client)).json()["id"]
    operator = await floor.operator_client("operator")
    lease = (await operator.post("/api/v1/work/next")).json()
    # The holder goes silent; its lease runs out and the reaper returns the task.
    await Task.update({Task.lease_expires_at: datetime.now(UTC) - timedelta(seconds=1)}).where(
        Task.id == task_id
    )
    async with transaction():
        assert await reap_expired_leases() == 1
    refused = await operator.post(
        f"/api/v1/work/{task_id}/complete", json={"fencingToken": lease["fencingToken"]}
    )
    assert refused.status_code == 409 and refused.json()["code"] == "lease_lost"
    row = await Task.objects().where(Task.id == task_id).first()
    assert row is not None and row.status == "queued" and row.assignee_id is None
    again = (await operator.post("/api/v1/work/next")).json()
    assert again["task"]["id"] == task_id and again["fencingToken"] == lease["fencingToken"] + 1
    kinds = [
        e["kind"]
        for e in await TaskEvent.select(TaskEvent.kind)
        .where(TaskEvent.task_id == task_id)
        .order_by(TaskEvent.at)
    ]
    assert kinds == ["created", "claimed", "lease_expired", "claimed"]


async def test_clients_see_only_their_tasks_and_foreign_ids_are_404(floor: Floor) -> None:
    a = await floor.world.sign_in("a_member")
    b = await floor.world.sign_in("b_member")
    a_task = (await floor.submit(a)).json()["id"]
    b_task = (await floor.submit(b)).json()["id"]
    assert {t["id"] for t in (await a.get("/api/v1/tasks")).json()["items"]} == {a_task}
    assert (await a.get(f"/api/v1/tasks/{b_task}")).status_code == 404
    assert (await a.post(f"/api/v1/tasks/{b_task}/comments", json={"body": "hi"})).status_code == 404
    assert (await a.post("/api/v1/work/next")).status_code == 403
