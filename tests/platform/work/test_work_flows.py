"""Asking the client, reassignment, operator scoping, time corrections and the catalog API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from retaguarda.work.tables import Task, TimeEntry
from tests.support.work import Floor, add_operator


async def _claim(floor: Floor, who: str) -> tuple[Any, dict[str, Any]]:
    operator = await floor.operator_client(who)
    response = await operator.post("/api/v1/work/next")
    assert response.status_code == 200, response.text
    return operator, response.json()


async def test_asking_the_client_pauses_and_the_answer_returns_it_to_the_same_operator(floor: Floor) -> None:
    await add_operator(floor.world, "second", skill_id=floor.skill_id, pool_id=floor.pool_id)
    client = await floor.world.sign_in("a_member")
    task_id = (await floor.submit(client)).json()["id"]
    operator, lease = await _claim(floor, "operator")
    asked = await operator.post(
        f"/api/v1/work/{task_id}/ask-client",
        json={"fencingToken": lease["fencingToken"], "question": "Which branch pays?"},
    )
    assert asked.status_code == 204, asked.text
    detail = (await client.get(f"/api/v1/tasks/{task_id}")).json()
    assert detail["task"]["status"] == "waiting_on_client"
    assert [c["body"] for c in detail["comments"]] == ["Which branch pays?"]
    assert detail["comments"][0]["side"] == "provider"
    # Paused time is not handling time: the entry closed at the question.
    entry = await TimeEntry.objects().where(TimeEntry.task_id == task_id).first()
    assert entry is not None and entry.ended_at is not None
    second = await floor.operator_client("second")
    assert (await second.post("/api/v1/work/next")).status_code == 204  # nothing to take while it waits
    answered = await client.post(f"/api/v1/tasks/{task_id}/comments", json={"body": "The São Paulo branch."})
    assert answered.status_code == 201
    assert (await second.post("/api/v1/work/next")).status_code == 204  # reserved for the one who asked
    again = (await operator.post("/api/v1/work/next")).json()
    assert again["task"]["id"] == task_id and again["fencingToken"] == lease["fencingToken"] + 1
    kinds = [e["kind"] for e in (await client.get(f"/api/v1/tasks/{task_id}")).json()["events"]]
    assert kinds == ["created", "claimed", "paused", "commented", "resumed", "claimed"]


async def test_the_reservation_lapses(floor: Floor) -> None:
    await add_operator(floor.world, "second", skill_id=floor.skill_id, pool_id=floor.pool_id)
    client = await floor.world.sign_in("a_member")
    task_id = (await floor.submit(client)).json()["id"]
    operator, lease = await _claim(floor, "operator")
    await operator.post(
        f"/api/v1/work/{task_id}/ask-client", json={"fencingToken": lease["fencingToken"], "question": "?"}
    )
    await client.post(f"/api/v1/tasks/{task_id}/comments", json={"body": "answer"})
    await Task.update({Task.preferred_until: datetime.now(UTC) - timedelta(seconds=1)}).where(
        Task.id == task_id
    )
    second = await floor.operator_client("second")
    assert (await second.post("/api/v1/work/next")).json()["task"]["id"] == task_id


async def test_supervisor_reassigns_and_the_former_holder_is_fenced_off(floor: Floor) -> None:
    other = await add_operator(floor.world, "second", skill_id=floor.skill_id, pool_id=floor.pool_id)
    client = await floor.world.sign_in("a_member")
    task_id = (await floor.submit(client)).json()["id"]
    operator, lease = await _claim(floor, "operator")
    supervisor = await floor.world.sign_in("supervisor")
    moved = await supervisor.post(f"/api/v1/tasks/{task_id}/reassign", json={"operatorId": str(other)})
    assert moved.status_code == 200, moved.text
    new_token = moved.json()["fencingToken"]
    assert new_token == lease["fencingToken"] + 1
    for action in ("heartbeat", "complete", "release"):
        refused = await operator.post(
            f"/api/v1/work/{task_id}/{action}", json={"fencingToken": lease["fencingToken"]}
        )
        assert refused.status_code == 409, action
    second = await floor.operator_client("second")
    held = (await second.get("/api/v1/work/held")).json()
    assert [h["task"]["id"] for h in held] == [task_id]
    assert (
        await second.post(f"/api/v1/work/{task_id}/complete", json={"fencingToken": new_token})
    ).status_code == 204
    entries = await TimeEntry.select(TimeEntry.operator_id, TimeEntry.ended_at).where(
        TimeEntry.task_id == task_id
    )
    assert len(entries) == 2 and all(e["ended_at"] is not None for e in entries)
    # Operators and clients may not reassign.
    assert (await operator.post(f"/api/v1/tasks/{task_id}/reassign", json={})).status_code == 403
    assert (await client.post(f"/api/v1/tasks/{task_id}/reassign", json={})).status_code == 403


async def test_an_operator_sees_only_tasks_of_queues_its_pools_serve(floor: Floor) -> None:
    client = await floor.world.sign_in("a_member")
    served = (await floor.submit(client)).json()["id"]
    # A queue no pool of the operator serves.
    admin = await floor.world.sign_in("admin")
    created = await admin.post(
        "/api/v1/queues",
        json={"code": "private", "name": "Private", "tenantId": str(floor.world.client_a.id)},
    )
    assert created.status_code == 201, created.text
    hidden = (await floor.submit(client, queue="private")).json()["id"]
    operator = await floor.operator_client("operator")
    listed = {t["id"] for t in (await operator.get("/api/v1/tasks")).json()["items"]}
    assert served in listed and hidden not in listed
    assert (await operator.get(f"/api/v1/tasks/{hidden}")).status_code == 404
    assert (await operator.get(f"/api/v1/tasks/{served}")).status_code == 200


async def test_claim_respects_skill_and_membership_dates(floor: Floor) -> None:
    await add_operator(floor.world, "unskilled", skill_id=None, pool_id=floor.pool_id)
    client = await floor.world.sign_in("a_member")
    await floor.submit(client)
    unskilled = await floor.operator_client("unskilled")
    assert (await unskilled.post("/api/v1/work/next")).status_code == 204
    supervisor = await floor.world.sign_in("supervisor")  # provider staff without an operator record
    assert (await supervisor.post("/api/v1/work/next")).status_code == 403


async def test_claim_order_is_due_time_then_priority_then_age(floor: Floor) -> None:
    client = await floor.world.sign_in("a_member")
    old_low = (await floor.submit(client, priority=1)).json()["id"]
    urgent = (await floor.submit(client, priority=4)).json()["id"]
    due_soon = (await floor.submit(client, priority=1)).json()["id"]
    await Task.update({Task.due_at: datetime.now(UTC) + timedelta(hours=1)}).where(Task.id == due_soon)
    operator = await floor.operator_client("operator")
    order = []
    for _ in range(3):
        lease = (await operator.post("/api/v1/work/next")).json()
        order.append(lease["task"]["id"])
        await operator.post(
            f"/api/v1/work/{lease['task']['id']}/complete", json={"fencingToken": lease["fencingToken"]}
        )
    assert order == [due_soon, urgent, old_low]


async def test_capacity_limits_concurrent_holds(floor: Floor) -> None:
    client = await floor.world.sign_in("a_member")
    for _ in range(3):
        await floor.submit(client)
    operator = await floor.operator_client("operator")  # capacity 2
    assert (await operator.post("/api/v1/work/next")).status_code == 200
    assert (await operator.post("/api/v1/work/next")).status_code == 200
    assert (await operator.post("/api/v1/work/next")).status_code == 204


async def test_supervisor_corrects_time_with_a_reason(floor: Floor) -> None:
    client = await floor.world.sign_in("a_member")
    task_id = (await floor.submit(client)).json()["id"]
    operator, lease = await _claim(floor, "operator")
    await operator.post(f"/api/v1/work/{task_id}/complete", json={"fencingToken": lease["fencingToken"]})
    entry = await TimeEntry.objects().where(TimeEntry.task_id == task_id).first()
    assert entry is not None
    supervisor = await floor.world.sign_in("supervisor")
    start = datetime.now(UTC) - timedelta(minutes=30)
    body = {
        "taskId": task_id,
        "operatorId": str(floor.operators["operator"]),
        "startedAt": start.isoformat(),
        "endedAt": (start + timedelta(minutes=12)).isoformat(),
        "reason": "Forgot to claim before starting",
        "correctsId": str(entry.id),
    }
    corrected = await supervisor.post("/api/v1/time-entries/corrections", json=body)
    assert corrected.status_code == 201, corrected.text
    assert corrected.json()["seconds"] == 720 and corrected.json()["source"] == "manual"
    original = await TimeEntry.objects().where(TimeEntry.id == entry.id).first()
    assert original is not None and original.billable is False
    listed = (await supervisor.get("/api/v1/time-entries", params={"task_id": task_id})).json()["items"]
    assert len(listed) == 2
    bad = await supervisor.post(
        "/api/v1/time-entries/corrections", json={**body, "endedAt": start.isoformat()}
    )
    assert bad.status_code == 422
    assert (await operator.post("/api/v1/time-entries/corrections", json=body)).status_code == 403
    detail = (await client.get(f"/api/v1/tasks/{task_id}")).json()
    assert "time_corrected" in [e["kind"] for e in detail["events"]]
    # The client sees its own time entries, never another client's.
    b_client = await floor.world.sign_in("b_member")
    assert (await b_client.get("/api/v1/time-entries")).json()["items"] == []


async def test_catalog_api_scoping_and_templates(floor: Floor) -> None:
    manager = await floor.world.sign_in("account_manager")  # owns client A only
    templates = (await manager.get("/api/v1/task-types/templates")).json()
    assert len({t["family"] for t in templates}) == 10
    made = await manager.post(
        "/api/v1/task-types/from-template",
        json={"template": "issue_darf", "tenantId": str(floor.world.client_a.id)},
    )
    assert made.status_code == 201, made.text
    assert made.json()["names"]["pt_BR"]
    foreign = await manager.post(
        "/api/v1/task-types/from-template",
        json={"template": "issue_darf", "tenantId": str(floor.world.client_b.id)},
    )
    assert foreign.status_code == 404
    assert (await manager.get(f"/api/v1/task-types/{floor.type_b}")).status_code == 404
    assert (await manager.get(f"/api/v1/queues/{floor.queue_b}")).status_code == 404
    client = await floor.world.sign_in("a_admin")
    assert {t["tenantId"] for t in (await client.get("/api/v1/task-types")).json()["items"]} == {
        str(floor.world.client_a.id)
    }
    assert (await client.post("/api/v1/queues", json={"code": "x", "name": "X"})).status_code == 403
    bad = await manager.post(
        "/api/v1/task-types",
        json={"code": "Bad Code", "names": {"fr": "x"}, "tenantId": str(floor.world.client_a.id)},
    )
    assert bad.status_code == 422


@pytest.mark.parametrize(
    "path", ["/api/v1/work/held", "/api/v1/time-entries", "/api/v1/tasks", "/api/v1/queues"]
)
async def test_anonymous_calls_are_401(floor: Floor, path: str) -> None:
    assert (await floor.world.anonymous().get(path)).status_code == 401
