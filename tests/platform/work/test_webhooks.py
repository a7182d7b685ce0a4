"""Outbound webhooks through the API and the job runner, against a real HTTP receiver on 127.0.0.1.

Signatures are checked with `standardwebhooks`, an independent implementation of the spec, never with our own
signing code."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from retaguarda.db import transaction
from retaguarda.settings import get_settings
from retaguarda.work.tables import TaskEvent
from retaguarda.work.webhooks import service as webhooks
from retaguarda.work.webhooks.service import sending
from retaguarda.work.webhooks.tables import WebhookDelivery
from tests.support.work import Floor
from tests.support.world import World


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A minimal HTTP/1.1 server that records every request and answers 500 to the first ``fail_first``."""

    fail_first: int = 0
    answer_after_s: float = 0.0
    requests: list[Received] = field(default_factory=list)
    server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/hooks"

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)

    async def close(self) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        _, path, _ = (await reader.readline()).decode().split(" ", 2)
        headers: dict[str, str] = {}
        while (line := await reader.readline()) not in {b"\r\n", b"\n", b""}:
            name, _, value = line.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        self.requests.append(Received(path, headers, body))
        await asyncio.sleep(self.answer_after_s)
        failing = len(self.requests) <= self.fail_first
        status, answer = (
            (b"500 Internal Server Error", b"receiver is down") if failing else (b"200 OK", b"ok")
        )
        writer.write(
            b"HTTP/1.1 %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s"
            % (status, len(answer), answer)
        )
        await writer.drain()
        writer.close()
        await writer.wait_closed()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    running = Receiver()
    await running.start()
    yield running
    await running.close()


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sending, "RETRY_DELAYS_S", (0,))


async def settle(world: World) -> None:
    await world.settle_jobs()


async def create_endpoint(
    client: httpx.AsyncClient, url: str, events: list[str], **extra: Any
) -> dict[str, Any]:
    response = await client.post("/api/v1/webhooks", json={"url": url, "events": events, **extra})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def deliveries(client: httpx.AsyncClient, endpoint_id: str, **params: Any) -> list[dict[str, Any]]:
    response = await client.get(f"/api/v1/webhooks/{endpoint_id}/deliveries", params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def verified(secret: str, request: Received) -> dict[str, Any]:
    message: dict[str, Any] = Webhook(secret).verify(request.body, request.headers)
    return message


async def test_a_created_task_reaches_the_endpoint_signed_per_the_spec(
    floor: Floor, receiver: Receiver
) -> None:
    admin = await floor.world.sign_in("a_admin")
    endpoint = await create_endpoint(admin, receiver.url, ["task.created"], description="ERP")
    secret = endpoint["secret"]
    assert secret.startswith("whsec_") and endpoint["events"] == ["task.created"] and endpoint["active"]
    # The secret is shown once, at creation.
    listed = (await admin.get("/api/v1/webhooks")).json()["items"]
    assert [e["id"] for e in listed] == [endpoint["id"]] and "secret" not in listed[0]
    assert "secret" not in (await admin.get(f"/api/v1/webhooks/{endpoint['id']}")).json()

    task = (await floor.submit(admin, externalRef="INV-9")).json()
    await settle(floor.world)

    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert request.path == "/hooks" and request.headers["content-type"] == "application/json"
    message = verified(secret, request)
    assert message["type"] == "task.created"
    assert datetime.fromisoformat(message["timestamp"]).tzinfo is not None
    assert message["data"] == {
        "id": task["id"],
        "externalRef": "INV-9",
        "status": "queued",
        "taskTypeId": str(floor.type_a),
        "queueId": str(floor.queue_a),
        "priority": 2,
        "createdAt": message["data"]["createdAt"],
        "completedAt": None,
        "files": [],
    }
    assert abs(int(request.headers["webhook-timestamp"]) - time.time()) < 60
    # A tampered body, a replayed request under another timestamp, or another secret: all refused.
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(request.body.replace(b"INV-9", b"INV-6"), request.headers)
    later = str(int(request.headers["webhook-timestamp"]) + 1)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(request.body, {**request.headers, "webhook-timestamp": later})
    with pytest.raises(WebhookVerificationError):
        Webhook(webhooks.new_secret()).verify(request.body, request.headers)

    log = await deliveries(admin, endpoint["id"])
    assert len(log) == 1
    entry = log[0]
    assert entry["status"] == "succeeded" and entry["attempts"] == 1 and entry["lastStatusCode"] == 200
    assert entry["eventType"] == "task.created" and entry["messageId"] == request.headers["webhook-id"]
    assert entry["messageId"].startswith("msg_") and entry["deliveredAt"] and entry["lastError"] == ""


def test_our_signature_matches_the_reference_implementation() -> None:
    secret = webhooks.new_secret()
    body = '{"type":"task.created","data":{"supplier":"Açúcar & Café"}}'
    stamp = 1_700_000_000
    theirs = Webhook(secret).sign("msg_abc", datetime.fromtimestamp(stamp, UTC), body)
    assert webhooks.sign(secret, "msg_abc", stamp, body.encode()) == theirs


async def test_an_endpoint_gets_only_the_events_it_chose(floor: Floor, receiver: Receiver) -> None:
    admin = await floor.world.sign_in("a_admin")
    endpoint = await create_endpoint(admin, receiver.url, ["task.completed"])
    task = (await floor.submit(admin)).json()
    await settle(floor.world)
    assert receiver.requests == [] and await deliveries(admin, endpoint["id"]) == []

    op = await floor.world.sign_in("operator")
    lease = (await op.post("/api/v1/work/next")).json()
    assert lease["task"]["id"] == task["id"]
    done = await op.post(f"/api/v1/work/{task['id']}/complete", json={"fencingToken": lease["fencingToken"]})
    assert done.status_code == 204, done.text
    await settle(floor.world)

    assert [verified(endpoint["secret"], r)["type"] for r in receiver.requests] == ["task.completed"]
    message = verified(endpoint["secret"], receiver.requests[0])
    assert message["data"]["status"] == "done" and message["data"]["completedAt"] is not None
    assert [d["eventType"] for d in await deliveries(admin, endpoint["id"])] == ["task.completed"]

    # An inactive endpoint gets nothing.
    paused = await admin.patch(f"/api/v1/webhooks/{endpoint['id']}", json={"active": False})
    assert paused.status_code == 200 and paused.json()["active"] is False
    await floor.submit(admin)
    await settle(floor.world)
    assert len(receiver.requests) == 1


@pytest.mark.usefixtures("quick_retries")
async def test_a_failing_receiver_is_retried_until_it_answers(floor: Floor, receiver: Receiver) -> None:
    receiver.fail_first = 2
    admin = await floor.world.sign_in("a_admin")
    endpoint = await create_endpoint(admin, receiver.url, ["task.created"])
    await floor.submit(admin)
    await settle(floor.world)

    assert len(receiver.requests) == 3
    # Every attempt carries the same message id, each signed anew.
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1
    assert all(verified(endpoint["secret"], r)["type"] == "task.created" for r in receiver.requests)
    [entry] = await deliveries(admin, endpoint["id"])
    assert entry["status"] == "succeeded" and entry["attempts"] == 3 and entry["lastStatusCode"] == 200
    assert entry["nextAttemptAt"] is None


@pytest.mark.usefixtures("quick_retries")
async def test_a_receiver_that_keeps_failing_ends_failed_and_can_be_retried(
    floor: Floor, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sending, "MAX_ATTEMPTS", 3)
    receiver.fail_first = 1000
    admin = await floor.world.sign_in("a_admin")
    endpoint = await create_endpoint(admin, receiver.url, ["task.created"])
    await floor.submit(admin)
    await settle(floor.world)

    [entry] = await deliveries(admin, endpoint["id"])
    assert entry["status"] == "failed" and entry["attempts"] == 3 and len(receiver.requests) == 3
    assert entry["lastStatusCode"] == 500 and "receiver is down" in entry["lastError"]
    assert entry["deliveredAt"] is None
    assert [e["id"] for e in await deliveries(admin, endpoint["id"], status="failed")] == [entry["id"]]
    assert await deliveries(admin, endpoint["id"], status="succeeded") == []

    # The receiver is fixed; a person sends the delivery again, under the same message id.
    receiver.fail_first = 0
    retry_url = f"/api/v1/webhooks/{endpoint['id']}/deliveries/{entry['id']}/retry"
    retried = await admin.post(retry_url)
    assert retried.status_code == 202 and retried.json()["status"] == "pending"
    await settle(floor.world)
    [after] = await deliveries(admin, endpoint["id"])
    assert after["status"] == "succeeded" and after["attempts"] == 4
    assert receiver.requests[-1].headers["webhook-id"] == entry["messageId"]
    assert (await admin.post(retry_url)).status_code == 409


async def test_ping_and_the_delivery_log(floor: Floor, receiver: Receiver) -> None:
    admin = await floor.world.sign_in("a_admin")
    member = await floor.world.sign_in("a_member")
    endpoint = await create_endpoint(admin, receiver.url, ["task.completed"])
    pinged = await admin.post(f"/api/v1/webhooks/{endpoint['id']}/ping")
    assert pinged.status_code == 202, pinged.text
    assert pinged.json()["eventType"] == "webhook.ping" and pinged.json()["status"] == "pending"
    await settle(floor.world)
    message = verified(endpoint["secret"], receiver.requests[0])
    assert message["type"] == "webhook.ping" and message["data"] == {"endpointId": endpoint["id"]}

    for _ in range(2):
        assert (await admin.post(f"/api/v1/webhooks/{endpoint['id']}/ping")).status_code == 202
    await settle(floor.world)
    # Newest first, page by page; client members read the log too.
    first = (await member.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries", params={"limit": 2})).json()
    assert len(first["items"]) == 2 and first["nextCursor"]
    rest = await deliveries(member, endpoint["id"], limit=2, cursor=first["nextCursor"])
    log = first["items"] + rest
    assert [d["id"] for d in log][-1] == pinged.json()["id"] and len({d["id"] for d in log}) == 3
    assert [d["createdAt"] for d in log] == sorted((d["createdAt"] for d in log), reverse=True)
    assert {d["status"] for d in log} == {"succeeded"}
    one = await member.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries/{log[0]['id']}")
    assert one.status_code == 200 and one.json()["payload"]["type"] == "webhook.ping"

    # Members only look.
    assert (await member.get(f"/api/v1/webhooks/{endpoint['id']}")).status_code == 200
    refused = await member.post("/api/v1/webhooks", json={"url": receiver.url, "events": ["task.created"]})
    assert refused.status_code == 403
    assert (await member.post(f"/api/v1/webhooks/{endpoint['id']}/ping")).status_code == 403
    assert (await member.delete(f"/api/v1/webhooks/{endpoint['id']}")).status_code == 403


async def test_endpoint_management_and_secret_rotation(floor: Floor, receiver: Receiver) -> None:
    admin = await floor.world.sign_in("a_admin")
    endpoint = await create_endpoint(admin, receiver.url, ["task.created"])
    changed = await admin.patch(
        f"/api/v1/webhooks/{endpoint['id']}",
        json={"events": ["task.completed", "task.created", "task.created"], "description": "ERP"},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["events"] == ["task.completed", "task.created"]
    assert changed.json()["description"] == "ERP" and changed.json()["url"] == receiver.url

    rotated = await admin.post(f"/api/v1/webhooks/{endpoint['id']}/rotate-secret")
    assert rotated.status_code == 200
    new_secret = rotated.json()["secret"]
    assert new_secret.startswith("whsec_") and new_secret != endpoint["secret"]
    await admin.post(f"/api/v1/webhooks/{endpoint['id']}/ping")
    await settle(floor.world)
    assert verified(new_secret, receiver.requests[0])["type"] == "webhook.ping"
    with pytest.raises(WebhookVerificationError):
        verified(endpoint["secret"], receiver.requests[0])

    assert (await admin.delete(f"/api/v1/webhooks/{endpoint['id']}")).status_code == 204
    assert (await admin.get(f"/api/v1/webhooks/{endpoint['id']}")).status_code == 404
    assert await WebhookDelivery.count() == 0


async def test_another_tenant_cannot_see_or_touch_an_endpoint(floor: Floor, receiver: Receiver) -> None:
    a_admin = await floor.world.sign_in("a_admin")
    b_admin = await floor.world.sign_in("b_admin")
    endpoint = await create_endpoint(a_admin, receiver.url, ["task.created"])
    a_id = endpoint["id"]
    await a_admin.post(f"/api/v1/webhooks/{a_id}/ping")
    await settle(floor.world)
    delivery_id = (await deliveries(a_admin, a_id))[0]["id"]
    b_own = await create_endpoint(b_admin, receiver.url, ["task.created"])

    assert [e["id"] for e in (await b_admin.get("/api/v1/webhooks")).json()["items"]] == [b_own["id"]]
    filtered = await b_admin.get("/api/v1/webhooks", params={"tenantId": str(floor.world.client_a.id)})
    assert filtered.json()["items"] == []
    base = f"/api/v1/webhooks/{a_id}"
    assert (await b_admin.get(base)).status_code == 404
    assert (await b_admin.patch(base, json={"active": False})).status_code == 404
    assert (await b_admin.post(f"{base}/ping")).status_code == 404
    assert (await b_admin.post(f"{base}/rotate-secret")).status_code == 404
    assert (await b_admin.get(f"{base}/deliveries")).status_code == 404
    assert (await b_admin.get(f"{base}/deliveries/{delivery_id}")).status_code == 404
    assert (await b_admin.post(f"{base}/deliveries/{delivery_id}/retry")).status_code == 404
    assert (await b_admin.get(f"/api/v1/webhooks/{b_own['id']}/deliveries/{delivery_id}")).status_code == 404
    assert (await b_admin.delete(base)).status_code == 404
    assert (await a_admin.get(base)).json()["active"] is True

    # B's tasks never reach A's endpoint.
    b_member = await floor.world.sign_in("b_member")
    await floor.submit(b_member)
    await settle(floor.world)
    a_messages = {r.headers["webhook-id"] for r in receiver.requests}
    assert [d["eventType"] for d in await deliveries(a_admin, a_id)] == ["webhook.ping"]
    assert [d["eventType"] for d in await deliveries(b_admin, b_own["id"])] == ["task.created"]
    assert len(a_messages) == 2


async def test_provider_staff_manage_the_endpoints_of_clients_they_reach(
    floor: Floor, receiver: Receiver
) -> None:
    world = floor.world
    manager = await world.sign_in("account_manager")  # owns client A only
    body = {"url": receiver.url, "events": ["task.created"]}
    for_a = await manager.post("/api/v1/webhooks", json={**body, "tenantId": str(world.client_a.id)})
    assert for_a.status_code == 201 and for_a.json()["tenantId"] == str(world.client_a.id)
    for_b = await manager.post("/api/v1/webhooks", json={**body, "tenantId": str(world.client_b.id)})
    assert for_b.status_code == 404
    admin = await world.sign_in("admin")
    unnamed = await admin.post("/api/v1/webhooks", json=body)
    assert unnamed.status_code == 422 and unnamed.json()["errors"][0]["field"] == "tenantId"
    provider = await admin.post("/api/v1/webhooks", json={**body, "tenantId": str(world.provider.id)})
    assert provider.status_code == 422 and provider.json()["errors"][0]["field"] == "tenantId"
    assert (await (await world.sign_in("operator")).get("/api/v1/webhooks")).status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://example.com/hook", "events": ["task.created"]}, "url"),
        ({"url": "http://example.com/hook", "events": ["task.created"]}, "url"),
        ({"url": "not a url", "events": ["task.created"]}, "url"),
        ({"url": "https://example.com/hook", "events": ["task.exploded"]}, "events"),
        ({"url": "https://example.com/hook", "events": []}, "events"),
        ({"url": "https://example.com/hook", "events": ["task.created"], "colour": "red"}, "colour"),
    ],
)
async def test_bad_input_is_refused_field_by_field(floor: Floor, body: dict[str, Any], field: str) -> None:
    admin = await floor.world.sign_in("a_admin")
    response = await admin.post("/api/v1/webhooks", json=body)
    assert response.status_code == 422, response.text
    assert [e["field"].split("[")[0] for e in response.json()["errors"]] == [field]
    assert (await admin.get("/api/v1/webhooks")).json()["items"] == []


async def test_https_anywhere_and_http_only_on_this_machine(floor: Floor) -> None:
    admin = await floor.world.sign_in("a_admin")
    for url in ("https://erp.example.com/hooks", "http://localhost:9/hooks", "http://127.0.0.1:9/hooks"):
        await create_endpoint(admin, url, ["task.created"])
    endpoint = await create_endpoint(admin, "https://erp.example.com/a", ["task.created"])
    insecure = await admin.patch(
        f"/api/v1/webhooks/{endpoint['id']}", json={"url": "http://erp.example.com/"}
    )
    assert insecure.status_code == 422 and insecure.json()["errors"][0]["code"] == "insecure_url"


async def test_fan_out_and_delivery_are_idempotent(floor: Floor, receiver: Receiver) -> None:
    admin = await floor.world.sign_in("a_admin")
    endpoint = await create_endpoint(admin, receiver.url, ["task.created", "task.claimed"])
    task_id = (await floor.submit(admin)).json()["id"]
    await settle(floor.world)
    assert len(await deliveries(admin, endpoint["id"])) == 1

    # The job run again (a crash after its commit, a second relay): no second sending.
    for _ in range(2):
        async with transaction():
            await webhooks.fan_out(UUID(task_id), "task.created")
    await settle(floor.world)
    [created] = await deliveries(admin, endpoint["id"])
    assert len(receiver.requests) == 1
    # A delivery job run again sends nothing twice.
    await webhooks.deliver(UUID(created["id"]))
    assert len(receiver.requests) == 1

    # Two claims are two events, two messages; fanning either out again adds nothing.
    op = await floor.world.sign_in("operator")
    lease = (await op.post("/api/v1/work/next")).json()
    await settle(floor.world)
    released = await op.post(f"/api/v1/work/{task_id}/release", json={"fencingToken": lease["fencingToken"]})
    assert released.status_code == 204, released.text
    assert (await op.post("/api/v1/work/next")).json()["task"]["id"] == task_id
    await settle(floor.world)
    claims = await TaskEvent.select(TaskEvent.id).where(
        (TaskEvent.task_id == task_id) & (TaskEvent.kind == "claimed")
    )
    async with transaction():
        await webhooks.fan_out(UUID(task_id), "task.claimed")
        for claim in claims:  # the exact occurrence, as a job carrying its event's id names it
            await webhooks.fan_out(UUID(task_id), "task.claimed", claim["id"])
    await settle(floor.world)
    log = await deliveries(admin, endpoint["id"])
    assert [d["eventType"] for d in log] == ["task.claimed", "task.claimed", "task.created"]
    assert {d["messageId"] for d in log[:2]} == {"msg_" + c["id"].hex for c in claims}
    assert len(receiver.requests) == 3


async def test_each_occurrence_is_one_message_however_often_it_is_fanned_out(
    floor: Floor, receiver: Receiver
) -> None:
    """Two claims of one task are two messages (their jobs name their own history rows); extra fan-outs
    without an event id name the latest claim, which already has its message, so they add nothing."""
    admin = await floor.world.sign_in("a_admin")
    endpoint = await create_endpoint(admin, receiver.url, ["task.claimed"])
    task_id = (await floor.submit(admin)).json()["id"]
    op = await floor.world.sign_in("operator")
    lease = (await op.post("/api/v1/work/next")).json()
    await op.post(f"/api/v1/work/{task_id}/release", json={"fencingToken": lease["fencingToken"]})
    await op.post("/api/v1/work/next")
    async with transaction():
        for _ in range(2):
            await webhooks.fan_out(UUID(task_id), "task.claimed")
    await settle(floor.world)
    log = await deliveries(admin, endpoint["id"])
    assert len(log) == 2
    assert len({d["messageId"] for d in log}) == 2


async def test_one_attempt_at_a_time_and_a_dead_workers_claim_runs_out(
    floor: Floor, receiver: Receiver
) -> None:
    admin = await floor.world.sign_in("a_admin")
    endpoint = await create_endpoint(admin, receiver.url, ["task.created"])
    stamp = datetime.now(UTC)
    # Rows written without their jobs, so only the calls below run them.
    pending, stuck = (
        WebhookDelivery(
            id=uuid4(),
            tenant_id=floor.world.client_a.id,
            endpoint_id=UUID(endpoint["id"]),
            message_id=f"msg_{uuid4().hex}",
            event_type="webhook.ping",
            payload={"type": "webhook.ping", "data": {}},
            status=status,
            next_attempt_at=stamp - timedelta(seconds=1),
            created_at=stamp,
        )
        for status in ("pending", "sending")
    )
    await pending.save()
    await stuck.save()

    receiver.answer_after_s = 0.3
    outcomes = await asyncio.gather(
        webhooks.deliver(pending.id), webhooks.deliver(pending.id), return_exceptions=True
    )
    # The invariant is one request. Whether the twin call saw the first one in flight (and raised, for the
    # outbox to retry) or only after it succeeded (and did nothing) depends on scheduling.
    assert len(receiver.requests) == 1
    assert {type(o).__name__ for o in outcomes} <= {"DeliveryInFlight", "NoneType"}
    # A claim whose worker died (`sending`, its time up) is taken over.
    await webhooks.deliver(stuck.id)
    assert len(receiver.requests) == 2
    states = {d["id"]: (d["status"], d["attempts"]) for d in await deliveries(admin, endpoint["id"])}
    assert states == {str(pending.id): ("succeeded", 1), str(stuck.id): ("succeeded", 1)}


async def test_a_name_that_resolves_inside_our_network_is_refused_at_send_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Creation checks literal addresses only; each attempt resolves the name again and refuses an address
    inside the network (a client re-pointing its DNS at the provider's own machines)."""
    answers = {"erp.example.com": {"93.184.216.34"}, "sneaky.example.com": {"93.184.216.34", "10.1.2.3"}}

    async def resolve(host: str, port: int) -> set[str]:
        return answers[host]

    monkeypatch.setattr(sending, "resolved_addresses", resolve)
    settings = get_settings()
    strict = dataclasses.replace(
        settings, work=dataclasses.replace(settings.work, webhooks_allow_private=False)
    )
    monkeypatch.setattr(sending, "get_settings", lambda: strict)
    assert not await sending._resolves_inside("https://erp.example.com/hooks")
    assert await sending._resolves_inside("https://sneaky.example.com/hooks")
    assert await sending._resolves_inside("http://localhost:9/hooks")
    attempt = sending._Attempt(
        uuid4(), uuid4(), "https://sneaky.example.com/hooks", "whsec_eA==", "msg_1", b"{}", 0
    )
    outcome = await sending._send(attempt)
    assert not outcome.ok and outcome.status_code is None and "inside our network" in outcome.error
