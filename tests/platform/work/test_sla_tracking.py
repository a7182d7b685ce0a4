"""SLA tracking through the API and the sweep: clocks on tasks, policy versions, pause and resume, warnings
and breaches fired once (with notices, email and webhooks), breached tasks first in the claim order, and
attainment reports. The sweep is driven with explicit instants, so no test waits for a clock."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from retaguarda.db import transaction
from retaguarda.mail import LogSender, set_sender
from retaguarda.work.sla.service.sweep import sweep_sla
from retaguarda.work.sla.service.terms import tenant_calendar
from retaguarda.work.tables import Notification, Task, TaskEvent
from retaguarda.work.webhooks.tables import WebhookDelivery
from tests.platform.work.test_webhooks import Receiver
from tests.support.work import Floor

TARGETS = [{"priority": p, "responseMinutes": 30 * p, "resolutionMinutes": 240 * p} for p in (1, 2, 3, 4)]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    running = Receiver()
    await running.start()
    yield running
    await running.close()


async def _policy(floor: Floor, am: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    """A round-the-clock policy for client A (so business time is wall time) attached to its task type."""
    calendar = await am.post(
        "/api/v1/calendars",
        json={
            "name": "24x7",
            "timezone": "America/Sao_Paulo",
            "alwaysOpen": True,
            "tenantId": str(floor.world.client_a.id),
        },
    )
    assert calendar.status_code == 201, calendar.text
    body = {
        "name": "Standard",
        "targets": TARGETS,
        "calendarId": calendar.json()["id"],
        "tenantId": str(floor.world.client_a.id),
        **overrides,
    }
    created = await am.post("/api/v1/sla/policies", json=body)
    assert created.status_code == 201, created.text
    policy: dict[str, Any] = created.json()
    linked = await am.patch(f"/api/v1/task-types/{floor.type_a}", json={"slaPolicyId": policy["id"]})
    assert linked.status_code == 200, linked.text
    assert linked.json()["slaPolicyId"] == policy["id"]
    return policy


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def _sweep(at: datetime) -> int:
    async with transaction():
        return (await sweep_sla(at)).fired


async def test_a_task_carries_its_clocks_and_a_policy_change_keeps_them(floor: Floor) -> None:
    am = await floor.world.sign_in("account_manager")
    policy = await _policy(floor, am)
    client = await floor.world.sign_in("a_member")
    first = (await floor.submit(client, priority=2)).json()
    created = _at(first["createdAt"])
    sla = first["sla"]
    assert sla["policyVersion"] == 1
    assert _at(sla["response"]["dueAt"]) == created + timedelta(minutes=60)
    assert _at(sla["resolution"]["dueAt"]) == created + timedelta(minutes=480)
    assert _at(sla["response"]["warnAt"]) == created + timedelta(minutes=48)
    assert sla["response"]["state"] == "running" and sla["response"]["targetMinutes"] == 60
    assert _at(first["dueAt"]) == created + timedelta(minutes=60)  # the claim order races the response
    changed = await am.patch(
        f"/api/v1/sla/policies/{policy['id']}",
        json={"targets": [{**t, "responseMinutes": 10} for t in TARGETS]},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["currentVersion"] == 2
    versions = (await am.get(f"/api/v1/sla/policies/{policy['id']}/versions")).json()
    assert [v["version"] for v in versions] == [1, 2]
    second = (await floor.submit(client, priority=2)).json()
    assert second["sla"]["policyVersion"] == 2
    assert _at(second["sla"]["response"]["dueAt"]) == _at(second["createdAt"]) + timedelta(minutes=10)
    again = (await client.get(f"/api/v1/tasks/{first['id']}")).json()["task"]
    assert again["sla"]["policyVersion"] == 1
    assert again["sla"]["response"]["dueAt"] == sla["response"]["dueAt"]
    listed = (await client.get("/api/v1/tasks")).json()["items"]
    assert {t["id"]: t["sla"]["policyVersion"] for t in listed} == {first["id"]: 1, second["id"]: 2}


async def test_policy_input_is_checked_and_scoped(floor: Floor) -> None:
    am = await floor.world.sign_in("account_manager")
    bad = await am.post(
        "/api/v1/sla/policies",
        json={
            "name": "Bad",
            "targets": [{"priority": 1, "responseMinutes": 60, "resolutionMinutes": 30}],
            "pauseStatuses": ["claimed"],
            "tenantId": str(floor.world.client_a.id),
        },
    )
    assert bad.status_code == 422
    fields = {e["field"] for e in bad.json()["errors"]}
    assert {"targets", "targets[0].resolutionMinutes", "pauseStatuses"} <= fields
    policy = await _policy(floor, am)
    b_admin = await floor.world.sign_in("b_admin")
    assert (await b_admin.get(f"/api/v1/sla/policies/{policy['id']}")).status_code == 404
    assert (await b_admin.patch(f"/api/v1/sla/policies/{policy['id']}", json={"name": "x"})).status_code in (
        403,
        404,
    )
    a_admin = await floor.world.sign_in("a_admin")
    assert (await a_admin.get(f"/api/v1/sla/policies/{policy['id']}")).status_code == 200
    assert (
        await a_admin.post("/api/v1/sla/policies", json={"name": "Mine", "targets": TARGETS})
    ).status_code == 403
    # Another client's policy cannot be attached to client A's task type.
    b_policy = await am.post(
        "/api/v1/sla/policies",
        json={"name": "B", "targets": TARGETS, "tenantId": str(floor.world.client_b.id)},
    )
    assert b_policy.status_code == 404  # the account manager does not reach client B
    admin = await floor.world.sign_in("admin")
    b_policy = await admin.post(
        "/api/v1/sla/policies",
        json={"name": "B", "targets": TARGETS, "tenantId": str(floor.world.client_b.id)},
    )
    assert b_policy.status_code == 201, b_policy.text
    cross = await admin.patch(
        f"/api/v1/task-types/{floor.type_a}", json={"slaPolicyId": b_policy.json()["id"]}
    )
    assert cross.status_code == 422
    in_use = await am.delete(f"/api/v1/sla/policies/{policy['id']}")
    assert in_use.status_code == 409


async def test_waiting_on_the_client_pauses_the_resolution_clock(floor: Floor) -> None:
    am = await floor.world.sign_in("account_manager")
    await _policy(floor, am)
    client = await floor.world.sign_in("a_member")
    task = (await floor.submit(client, priority=1)).json()
    operator = await floor.operator_client("operator")
    lease = (await operator.post("/api/v1/work/next")).json()
    claimed = (await client.get(f"/api/v1/tasks/{task['id']}")).json()["task"]
    assert claimed["sla"]["response"]["state"] == "met"
    assert claimed["dueAt"] == claimed["sla"]["resolution"]["dueAt"]  # now it races the resolution
    asked = await operator.post(
        f"/api/v1/work/{task['id']}/ask-client",
        json={"fencingToken": lease["fencingToken"], "question": "Which branch?"},
    )
    assert asked.status_code == 204
    paused = (await client.get(f"/api/v1/tasks/{task['id']}")).json()["task"]["sla"]["resolution"]
    assert paused["state"] == "paused"
    row = await Task.select().where(Task.id == UUID(task["id"])).first()
    assert row is not None and row["sla_paused_at"] is not None and row["sla_next_at"] is None
    # Pretend the question waited for two hours (the paused time counts them; the due time moves by the
    # business time left at the pause, kept to the second).
    await Task.update({Task.sla_paused_at: row["sla_paused_at"] - timedelta(hours=2)}).where(
        Task.id == row["id"]
    )
    answered = await client.post(f"/api/v1/tasks/{task['id']}/comments", json={"body": "São Paulo."})
    assert answered.status_code == 201
    after = await Task.select().where(Task.id == row["id"]).first()
    assert after is not None and after["sla_paused_at"] is None
    moved = after["resolution_due_at"] - row["resolution_due_at"]
    assert timedelta(seconds=-1) <= moved < timedelta(seconds=5)
    assert after["sla_paused_s"] >= 2 * 3600
    assert (
        after["due_at"] == after["resolution_due_at"] and after["sla_next_at"] == after["resolution_warn_at"]
    )


async def test_the_sweep_fires_warning_and_breach_once_and_tells_everyone(
    floor: Floor, receiver: Receiver
) -> None:
    sender = LogSender()
    set_sender(sender)
    try:
        am = await floor.world.sign_in("account_manager")
        await _policy(floor, am)
        a_admin = await floor.world.sign_in("a_admin")
        hook = await a_admin.post(
            "/api/v1/webhooks",
            json={"url": receiver.url, "events": ["task.sla_warning", "task.sla_breached"]},
        )
        assert hook.status_code == 201, hook.text
        client = await floor.world.sign_in("a_member")
        task = (await floor.submit(client, priority=1)).json()  # response 30 min, resolution 4 h
        created = _at(task["createdAt"])
        assert await _sweep(created + timedelta(minutes=10)) == 0
        assert await _sweep(created + timedelta(minutes=25)) == 1  # 80 % of 30 min: the warning
        assert await _sweep(created + timedelta(minutes=26)) == 0
        assert await _sweep(created + timedelta(minutes=31)) == 1  # the breach
        assert await _sweep(created + timedelta(minutes=40)) == 0
        kinds = [
            (e["kind"], e["data"]["clock"])
            for e in await TaskEvent.select()
            .output(load_json=True)
            .where(TaskEvent.task_id == UUID(task["id"]))
            .order_by(TaskEvent.at)
            if e["kind"].startswith("sla_")
        ]
        assert kinds == [("sla_warning", "response"), ("sla_breached", "response")]
        await floor.world.settle_jobs()
        # The client's account manager and the provider's supervisor, in-app and by email; the client's own
        # people hear of the warning (a task at risk), not of the breach; nobody else.
        notices = await Notification.select(Notification.user_id, Notification.kind)
        people = floor.world.people
        assert sorted((n["user_id"], n["kind"]) for n in notices) == sorted(
            [
                *(
                    (people[who].user_id, kind)
                    for who in ("account_manager", "supervisor")
                    for kind in ("sla_warning", "sla_breached")
                ),
                *((people[who].user_id, "sla_warning") for who in ("a_admin", "a_member")),
            ]
        )
        assert sorted(e.to for e in sender.sent if e.subject.startswith("Tarefa em risco")) == sorted(
            [people["a_admin"].email, people["a_member"].email]
        )
        assert sorted(e.to for e in sender.sent if e.subject.startswith("SLA")) == sorted(
            [people["account_manager"].email, people["supervisor"].email] * 2
        )
        deliveries = await WebhookDelivery.select(WebhookDelivery.event_type, WebhookDelivery.status)
        assert sorted(d["event_type"] for d in deliveries) == ["task.sla_breached", "task.sla_warning"]
        assert {d["status"] for d in deliveries} == {"succeeded"}
        received = sorted(
            (json.loads(r.body)["type"], json.loads(r.body)["data"]["sla"]["clock"])
            for r in receiver.requests
        )
        assert received == [("task.sla_breached", "response"), ("task.sla_warning", "response")]
        # The supervisor reads and clears its notices; another user cannot touch them.
        supervisor = await floor.world.sign_in("supervisor")
        mine = (await supervisor.get("/api/v1/notifications?unread=true")).json()["items"]
        assert len(mine) == 2 and all(n["taskId"] == task["id"] for n in mine)
        admin = await floor.world.sign_in("admin")
        assert (await admin.post(f"/api/v1/notifications/{mine[0]['id']}/read")).status_code == 404
        read = await supervisor.post(f"/api/v1/notifications/{mine[0]['id']}/read")
        assert read.status_code == 200 and read.json()["readAt"] is not None
        assert len((await supervisor.get("/api/v1/notifications?unread=true")).json()["items"]) == 1
        client_view = (await client.get(f"/api/v1/tasks/{task['id']}")).json()["task"]["sla"]
        assert client_view["response"]["state"] == "breached"
    finally:
        set_sender(None)


async def test_breached_tasks_jump_the_claim_order(floor: Floor) -> None:
    am = await floor.world.sign_in("account_manager")
    await _policy(floor, am)
    client = await floor.world.sign_in("a_member")
    low = (await floor.submit(client, priority=1)).json()  # response due in 30 minutes
    urgent = (await floor.submit(client, priority=4)).json()  # response due in 120 minutes
    # Without SLA pressure the sooner due time goes first anyway; make the urgent one the breached one.
    past = datetime.now(UTC) - timedelta(minutes=5)
    await Task.update(
        {Task.response_due_at: past, Task.response_warn_at: past, Task.sla_next_at: past}
    ).where(Task.id == UUID(urgent["id"]))
    assert await _sweep(datetime.now(UTC)) >= 1
    operator = await floor.operator_client("operator")
    first = (await operator.post("/api/v1/work/next")).json()
    assert first["task"]["id"] == urgent["id"]
    second = (await operator.post("/api/v1/work/next")).json()
    assert second["task"]["id"] == low["id"]


async def test_attainment_report_and_csv(floor: Floor) -> None:
    am = await floor.world.sign_in("account_manager")
    await _policy(floor, am)
    client = await floor.world.sign_in("a_member")
    operator = await floor.operator_client("operator")
    done = (await floor.submit(client, priority=2)).json()
    lease = (await operator.post("/api/v1/work/next")).json()
    completed = await operator.post(
        f"/api/v1/work/{done['id']}/complete", json={"fencingToken": lease["fencingToken"]}
    )
    assert completed.status_code == 204, completed.text
    late = (await floor.submit(client, priority=2)).json()
    await Task.update({Task.resolution_due_at: datetime.now(UTC) - timedelta(minutes=1)}).where(
        Task.id == UUID(late["id"])
    )
    today = datetime.now(UTC).astimezone(__import__("zoneinfo").ZoneInfo("America/Sao_Paulo")).date()
    period = {"from": (today - timedelta(days=1)).isoformat(), "to": (today + timedelta(days=1)).isoformat()}
    report = await client.get("/api/v1/sla/attainment", params={**period, "group_by": "priority"})
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["timezone"] == "America/Sao_Paulo"
    total = body["total"]
    assert (total["responseMet"], total["responseBreached"], total["responseInProgress"]) == (1, 0, 1)
    assert (total["resolutionMet"], total["resolutionBreached"], total["resolutionInProgress"]) == (1, 1, 0)
    assert total["resolutionAttainment"] == 0.5
    assert [r["label"] for r in body["rows"]] == ["Normal"]
    assert total["resolutionHoursP50"] is not None and total["resolutionHoursP50"] < 0.1
    csv = await client.get(
        "/api/v1/sla/attainment/csv",
        params={**period, "group_by": "priority"},
        headers={"Accept-Language": "pt-BR"},
    )
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.strip().splitlines()
    assert ";" in lines[0] and lines[-1].split(";")[8] == "50,0%"
    assert (
        await client.get("/api/v1/sla/attainment", params={"from": "2026-01-02", "to": "2026-01-01"})
    ).status_code == 422
    b_admin = await floor.world.sign_in("b_admin")
    foreign = await b_admin.get(
        "/api/v1/sla/attainment", params={**period, "tenant_id": str(floor.world.client_a.id)}
    )
    assert foreign.status_code == 404
    own = (await b_admin.get("/api/v1/sla/attainment", params=period)).json()
    assert own["total"]["resolutionMet"] == 0 and own["timezone"] == "Europe/Madrid"


@pytest.mark.postgres
async def test_two_concurrent_sweeps_fire_each_event_once(floor: Floor) -> None:
    am = await floor.world.sign_in("account_manager")
    await _policy(floor, am)
    client = await floor.world.sign_in("a_member")
    tasks = [(await floor.submit(client, priority=1)).json() for _ in range(30)]
    later = max(_at(t["createdAt"]) for t in tasks) + timedelta(minutes=31)
    fired = await asyncio.gather(_sweep(later), _sweep(later), _sweep(later))
    # Each task: the response warning and breach (the resolution's 4 h are far off).
    assert sum(fired) == 60
    events = await TaskEvent.count().where(TaskEvent.kind.is_in(["sla_warning", "sla_breached"]))
    assert events == 60
    assert await _sweep(later) == 0


async def test_a_policy_whose_calendar_is_gone_runs_on_the_clients_default_calendar(floor: Floor) -> None:
    client = floor.world.client_a.id
    fallback = await tenant_calendar(client, uuid4())
    assert not fallback.always_open and fallback.timezone == "America/Sao_Paulo"
    assert fallback == await tenant_calendar(client, None)
