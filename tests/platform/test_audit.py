"""The audit log: each recorded action writes its entry (who, from where, what), in the action's own
transaction; the log is append-only; admins read, filter and export it in the portal, a client admin only its
own company's entries."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import httpx
import pytest

from retaguarda import audit
from retaguarda.audit import AuditAction
from retaguarda.audit.tables import AuditEntry
from retaguarda.db import transaction
from retaguarda.portal.pages.audit import safe_cell
from retaguarda.tenancy import system_context
from retaguarda.work.tables import TimeEntry
from staffing.tables import PoolMembership
from tests.billing.builders import add_contract, add_work, at
from tests.support.work import Floor, add_operator
from tests.support.world import PASSWORD, World, sign_in

BROWSER = {"User-Agent": "AuditTest/1.0"}


async def _entries(action: AuditAction) -> list[dict[str, Any]]:
    rows = await AuditEntry.select().where(AuditEntry.action == action.value).output(load_json=True)
    return list(rows)


async def _one(action: AuditAction) -> dict[str, Any]:
    rows = await _entries(action)
    assert len(rows) == 1, [
        (r["actor_kind"], r["actor_label"], r["details"], r["occurred_at"], r["ip"]) for r in rows
    ]
    return rows[0]


async def _signed_in(world: World, who: str, address: str = "127.0.0.1") -> httpx.AsyncClient:
    client = world.anonymous(address)
    client.headers.update(BROWSER)
    assert (await sign_in(client, world.people[who].email, PASSWORD)).status_code == 303
    home = await client.get("/")
    match = re.search(r'name="csrf-token" content="([^"]+)"', home.text)
    assert match
    client.headers["X-CSRF-Token"] = match.group(1)
    return client


async def test_sign_ins_and_failures_are_recorded_with_where_from(world: World) -> None:
    a_admin = world.people["a_admin"]
    await _signed_in(world, "a_admin", "192.0.2.44")
    signed_in = await _one(AuditAction.SIGNED_IN)
    assert signed_in["actor_user_id"] == a_admin.user_id and signed_in["actor_label"] == a_admin.email
    assert signed_in["tenant_id"] == world.client_a.id
    assert signed_in["ip"] == "192.0.2.44" and signed_in["user_agent"] == "AuditTest/1.0"
    assert signed_in["actor_kind"] == "user"

    assert (await sign_in(world.anonymous("192.0.2.45"), a_admin.email, "wrong!")).status_code == 401
    assert (await sign_in(world.anonymous("192.0.2.45"), "nobody@example.test", "wrong!")).status_code == 401
    failed = sorted(await _entries(AuditAction.SIGN_IN_FAILED), key=lambda r: r["occurred_at"])
    assert [(r["actor_label"], r["tenant_id"], r["ip"]) for r in failed] == [
        (a_admin.email, world.client_a.id, "192.0.2.45"),
        ("nobody@example.test", None, "192.0.2.45"),
    ]
    assert failed[0]["actor_user_id"] == a_admin.user_id and failed[1]["actor_kind"] == "anonymous"

    for _ in range(4):
        await sign_in(world.anonymous("192.0.2.45"), a_admin.email, "wrong!")
    assert (await sign_in(world.anonymous("192.0.2.45"), a_admin.email, PASSWORD)).status_code == 429
    refused = await _one(AuditAction.SIGN_IN_REFUSED)
    assert refused["actor_label"] == a_admin.email and refused["ip"] == "192.0.2.45"


async def test_membership_role_and_assignment_changes_are_recorded(world: World) -> None:
    a_admin = await _signed_in(world, "a_admin")
    members = f"/api/v1/tenants/{world.client_a.id}/members"
    body = {"email": "new.person@example.test", "displayName": "New Person", "role": "client_member"}
    created = await a_admin.post(members, json=body)
    assert created.status_code == 201, created.text
    membership = created.json()
    assert (
        await a_admin.patch(f"{members}/{membership['id']}", json={"role": "client_admin"})
    ).status_code == 200
    assert (await a_admin.delete(f"{members}/{membership['id']}")).status_code == 204

    added = await _one(AuditAction.MEMBER_ADDED)
    assert added["tenant_id"] == world.client_a.id
    assert added["actor_user_id"] == world.people["a_admin"].user_id
    assert added["target_type"] == "user" and added["target_label"] == "new.person@example.test"
    assert added["details"] == {"role": "client_member"}
    changed = await _one(AuditAction.MEMBER_ROLE_CHANGED)
    assert changed["details"] == {"from": "client_member", "to": "client_admin"}
    removed = await _one(AuditAction.MEMBER_REMOVED)
    assert removed["target_id"] == membership["userId"]

    admin = await _signed_in(world, "admin")
    manager = world.people["account_manager"]
    assigned = await admin.post(
        "/api/v1/account-assignments",
        json={"tenantId": str(world.client_b.id), "managerId": str(manager.user_id)},
    )
    assert assigned.status_code == 201, assigned.text
    assert (await admin.delete(f"/api/v1/account-assignments/{assigned.json()['id']}")).status_code == 204
    for action in (AuditAction.ACCOUNT_ASSIGNED, AuditAction.ACCOUNT_UNASSIGNED):
        entry = await _one(action)
        assert entry["tenant_id"] == world.client_b.id and entry["target_label"] == manager.email


async def test_settings_and_new_clients_are_recorded(world: World) -> None:
    a_admin = await _signed_in(world, "a_admin")
    changed = await a_admin.patch(f"/api/v1/tenants/{world.client_a.id}", json={"timezone": "America/Manaus"})
    assert changed.status_code == 200, changed.text
    entry = await _one(AuditAction.TENANT_SETTINGS_CHANGED)
    assert entry["tenant_id"] == world.client_a.id
    assert entry["details"] == {"timezone": {"from": "America/Sao_Paulo", "to": "America/Manaus"}}
    admin = await _signed_in(world, "admin")
    body = {
        "slug": "nova",
        "name": "Nova Ltda.",
        "locale": "pt_BR",
        "timezone": "America/Sao_Paulo",
        "currency": "BRL",
    }
    created = await admin.post("/api/v1/tenants", json=body)
    assert created.status_code == 201, created.text
    assert (await _one(AuditAction.CLIENT_CREATED))["target_label"] == "Nova Ltda."


async def test_api_keys_created_and_revoked_and_what_a_key_does_are_recorded(world: World) -> None:
    a_admin = await _signed_in(world, "a_admin")
    created = await a_admin.post(
        "/api/v1/api-keys", json={"name": "erp", "scopes": ["tenants:read", "tenants:write", "users:write"]}
    )
    assert created.status_code == 201, created.text
    key = created.json()
    entry = await _one(AuditAction.API_KEY_CREATED)
    assert entry["target_id"] == key["id"] and entry["target_label"] == f"erp ({key['prefix']})"
    assert key["key"] not in str(entry), "the secret is never recorded"
    assert entry["details"]["scopes"] == ["tenants:read", "tenants:write", "users:write"]

    # A key's own actions are recorded as the key's.
    machine = world.anonymous("198.51.100.20")
    machine.headers["Authorization"] = f"Bearer {key['key']}"
    renamed = await machine.patch(f"/api/v1/tenants/{world.client_a.id}", json={"name": "Cliente A S.A."})
    assert renamed.status_code == 200, renamed.text
    by_key = await _one(AuditAction.TENANT_SETTINGS_CHANGED)
    assert by_key["actor_kind"] == "api_key" and str(by_key["actor_api_key_id"]) == key["id"]
    assert by_key["ip"] == "198.51.100.20"
    # The log names the key as people know it.
    page = (await a_admin.get("/audit", params={"action": "tenant.settings_changed"})).text
    assert f"erp ({key['prefix']})" in page
    exported = (await a_admin.get("/audit/export.csv", params={"action": "tenant.settings_changed"})).text
    assert f"erp ({key['prefix']})" in exported

    assert (await a_admin.delete(f"/api/v1/api-keys/{key['id']}")).status_code == 200
    assert (await a_admin.delete(f"/api/v1/api-keys/{key['id']}")).status_code == 200  # again: no new entry
    revoked = await _one(AuditAction.API_KEY_REVOKED)
    assert revoked["target_id"] == key["id"] and revoked["tenant_id"] == world.client_a.id


async def test_webhook_endpoint_changes_are_recorded(world: World) -> None:
    a_admin = await _signed_in(world, "a_admin")
    created = await a_admin.post(
        "/api/v1/webhooks", json={"url": "https://erp.example.com/hooks", "events": ["task.created"]}
    )
    assert created.status_code == 201, created.text
    endpoint = created.json()
    base = f"/api/v1/webhooks/{endpoint['id']}"
    assert (await a_admin.patch(base, json={"active": False})).status_code == 200
    rotated = await a_admin.post(f"{base}/rotate-secret")
    assert rotated.status_code == 200
    assert (await a_admin.delete(base)).status_code == 204
    entries = {a: await _one(a) for a in (
        AuditAction.WEBHOOK_CREATED,
        AuditAction.WEBHOOK_CHANGED,
        AuditAction.WEBHOOK_SECRET_ROTATED,
        AuditAction.WEBHOOK_DELETED,
    )}  # fmt: skip
    assert {e["target_id"] for e in entries.values()} == {endpoint["id"]}
    assert {e["tenant_id"] for e in entries.values()} == {world.client_a.id}
    assert entries[AuditAction.WEBHOOK_CHANGED]["details"] == {"active": {"from": True, "to": False}}
    for secret in (endpoint["secret"], rotated.json()["secret"]):
        assert all(secret not in str(e) for e in entries.values()), "secrets are never recorded"


async def test_time_corrections_are_recorded(floor: Floor) -> None:
    world = floor.world
    task_id = (await floor.submit(await world.sign_in("a_member"))).json()["id"]
    supervisor = await _signed_in(world, "supervisor")
    start = datetime.now(UTC) - timedelta(minutes=30)
    body = {
        "taskId": task_id,
        "operatorId": str(floor.operators["operator"]),
        "startedAt": start.isoformat(),
        "endedAt": (start + timedelta(minutes=12)).isoformat(),
        "reason": "Forgot to claim before starting",
    }
    corrected = await supervisor.post("/api/v1/time-entries/corrections", json=body)
    assert corrected.status_code == 201, corrected.text
    entry = await _one(AuditAction.TIME_CORRECTED)
    assert entry["tenant_id"] == world.client_a.id and entry["target_id"] == task_id
    assert entry["actor_user_id"] == world.people["supervisor"].user_id
    assert entry["details"]["seconds"] == 720 and entry["details"]["reason"] == body["reason"]
    assert entry["details"]["entryId"] == corrected.json()["id"]
    # A refused correction leaves nothing behind, entry included (the same transaction).
    refused = await supervisor.post(
        "/api/v1/time-entries/corrections", json={**body, "correctsId": str(uuid4())}
    )
    assert refused.status_code == 422
    assert len(await _entries(AuditAction.TIME_CORRECTED)) == 1


async def test_plan_approval_and_application_are_recorded(floor: Floor) -> None:
    world = floor.world
    seasonal = await add_operator(world, "seasonal", skill_id=floor.skill_id, pool_id=floor.pool_id)
    async with transaction():
        await PoolMembership.delete().where(PoolMembership.operator_id == seasonal)
    manager = await _signed_in(world, "account_manager")
    starts = datetime.combine(date.today() + timedelta(days=7), time(0), tzinfo=UTC)
    created = await manager.post(
        "/api/v1/planning/plans",
        json={
            "poolId": str(floor.pool_id),
            "name": "Year-end peak",
            "startsAt": starts.isoformat(),
            "endsAt": (starts + timedelta(days=2)).isoformat(),
            "changes": [{"kind": "add", "operatorId": str(seasonal)}],
        },
    )
    assert created.status_code == 201, created.text
    plan = created.json()
    assert (await manager.post(f"/api/v1/planning/plans/{plan['id']}/approve")).status_code == 200
    assert (await manager.post(f"/api/v1/planning/plans/{plan['id']}/apply")).status_code == 200
    approved = await _one(AuditAction.PLAN_APPROVED)
    assert approved["target_label"] == "Year-end peak" and approved["tenant_id"] == world.provider.id
    assert approved["details"]["changes"][0]["operatorId"] == str(seasonal)
    applied = await _one(AuditAction.PLAN_APPLIED)
    assert applied["details"]["memberships"]["created"]


async def test_invoice_adjust_finalize_and_void_are_recorded(floor: Floor) -> None:
    world = floor.world
    manager = await _signed_in(world, "account_manager")
    await add_contract(manager, world.client_a.id)
    await add_work(floor, world.client_a.id, at(date(2026, 10, 6), 10), 3600)
    run = await manager.post(
        "/api/v1/billing/invoices/runs", json={"tenantId": str(world.client_a.id), "month": "2026-10"}
    )
    invoice = run.json()
    base = f"/api/v1/billing/invoices/{invoice['id']}"
    adjusted = await manager.post(f"{base}/adjustments", json={"amount": "-20.00", "reason": "Discount"})
    assert adjusted.status_code == 201, adjusted.text
    line = next(li for li in adjusted.json()["lines"] if li["kind"] == "adjustment")
    assert (await manager.delete(f"{base}/adjustments/{line['id']}")).status_code == 200
    await manager.delete(f"{base}/adjustments/{line['id']}")  # gone already: nothing more recorded
    await manager.post(f"{base}/adjustments", json={"amount": "-10.00", "reason": "Goodwill"})
    finalized = await manager.post(f"{base}/finalize")
    assert finalized.status_code == 200, finalized.text
    credited = await manager.post(f"{base}/credit-notes", json={"reason": "other", "amount": "5.00"})
    assert credited.status_code == 201, credited.text
    voided = await manager.post(f"{base}/void", json={"reason": "Wrong client"})
    assert voided.status_code == 200, voided.text

    adjustments = await _entries(AuditAction.INVOICE_ADJUSTED)
    assert sorted(e["details"]["amount"] for e in adjustments) == ["-10.00", "-20.00"]
    removed = await _one(AuditAction.INVOICE_ADJUSTMENT_REMOVED)
    assert removed["details"] == {"lineId": line["id"], "amountMinor": -2000}
    final = await _one(AuditAction.INVOICE_FINALIZED)
    assert final["target_label"] == finalized.json()["number"] and final["tenant_id"] == world.client_a.id
    assert final["details"] == {"totalMinor": finalized.json()["totalMinor"], "currency": "BRL"}
    credit = await _one(AuditAction.INVOICE_CREDITED)
    assert (
        credit["details"]["totalMinor"] == 500 and credit["details"]["creditNoteId"] == credited.json()["id"]
    )
    assert credit["target_label"] == finalized.json()["number"]
    void = await _one(AuditAction.INVOICE_VOIDED)
    assert void["details"] == {"reason": "Wrong client", "from": "open"}
    assert void["actor_user_id"] == world.people["account_manager"].user_id
    assert await TimeEntry.count() >= 1


@pytest.mark.postgres
async def test_postgres_refuses_to_change_or_remove_an_entry(world: World) -> None:
    await _signed_in(world, "a_admin")
    entry = await _one(AuditAction.SIGNED_IN)
    for attempt in (
        AuditEntry.update({AuditEntry.actor_label: "someone else"}).where(AuditEntry.id == entry["id"]),
        AuditEntry.delete().where(AuditEntry.id == entry["id"]),
    ):
        with pytest.raises(Exception, match="append-only"):
            await attempt
    assert (await _one(AuditAction.SIGNED_IN))["actor_label"] == world.people["a_admin"].email


# ---- reading it in the portal ----------------------------------------------------------------------------


async def _record_in_both_clients(world: World) -> None:
    for who, name in (("a_admin", "key-of-a"), ("b_admin", "key-of-b")):
        client = await _signed_in(world, who)
        assert (
            await client.post("/api/v1/api-keys", json={"name": name, "scopes": ["tasks:read"]})
        ).status_code == 201


async def test_a_client_admin_reads_only_its_own_companys_entries(world: World) -> None:
    await _record_in_both_clients(world)
    a_admin = await _signed_in(world, "a_admin")
    page = await a_admin.get("/audit")
    assert page.status_code == 200
    assert "key-of-a" in page.text and "key-of-b" not in page.text
    assert world.people["b_admin"].email not in page.text
    # Naming the other company changes nothing: the filter never widens the scope.
    other = await a_admin.get("/audit", params={"tenant": str(world.client_b.id)})
    assert "key-of-b" not in other.text
    exported = await a_admin.get("/audit/export.csv")
    assert exported.status_code == 200
    assert "key-of-a" in exported.text and "key-of-b" not in exported.text
    for who in ("a_member", "account_manager", "supervisor", "operator"):
        assert (await (await world.sign_in(who)).get("/audit")).status_code == 403, who


async def test_the_provider_admin_reads_and_filters_every_entry(world: World) -> None:
    await _record_in_both_clients(world)
    assert (await sign_in(world.anonymous(), "nobody@example.test", "wrong!")).status_code == 401
    admin = await _signed_in(world, "admin")
    everything = (await admin.get("/audit")).text
    assert "key-of-a" in everything and "key-of-b" in everything and "nobody@example.test" in everything
    only_b = (await admin.get("/audit", params={"tenant": str(world.client_b.id)})).text
    assert "key-of-b" in only_b and "key-of-a" not in only_b
    keys = (await admin.get("/audit", params={"action": "api_key.created"})).text
    assert "key-of-a" in keys and "nobody@example.test" not in keys
    by_actor = (await admin.get("/audit", params={"actor": "B_ADMIN@"})).text
    assert "key-of-b" in by_actor and "key-of-a" not in by_actor
    # Pattern characters are taken literally.
    assert "key-of" not in (await admin.get("/audit", params={"actor": "%"})).text
    zone = ZoneInfo("America/Sao_Paulo")  # the admin's zone: days are its days
    today = datetime.now(zone).date()
    tomorrow = (await admin.get("/audit", params={"from": str(today + timedelta(days=1))})).text
    assert "key-of-a" not in tomorrow
    assert "key-of-a" in (await admin.get("/audit", params={"from": str(today), "to": str(today)})).text
    bad = await admin.get("/audit", params={"from": "0.5"})
    assert bad.status_code == 422
    assert (await admin.get("/audit", params={"cursor": "not-a-cursor"})).status_code in {400, 422}


async def test_labels_are_translated_and_times_in_the_viewers_zone(world: World) -> None:
    await _record_in_both_clients(world)
    a_admin = await _signed_in(world, "a_admin")  # client A reads pt_BR, São Paulo time
    page = (await a_admin.get("/audit")).text
    assert "Chave de API criada" in page and "Registro de auditoria" in page
    b_admin = await _signed_in(world, "b_admin")  # client B reads es, Madrid time
    spanish = await b_admin.get("/audit/export.csv")
    rows = list(csv.reader(io.StringIO(spanish.text), delimiter=";"))
    assert rows[0][0] == "Cuándo (Europe/Madrid)"
    created = next(r for r in rows if r[2] == "api_key.created")
    assert created[1] == "Clave de API creada"
    stored = (await _one_for(world.client_b.id, AuditAction.API_KEY_CREATED))["occurred_at"]
    assert created[0] == stored.astimezone(ZoneInfo("Europe/Madrid")).strftime("%Y-%m-%d %H:%M:%S")
    assert spanish.headers["content-type"] == "text/csv; charset=utf-8"


async def _one_for(tenant_id: UUID, action: AuditAction) -> dict[str, Any]:
    rows = [r for r in await _entries(action) if r["tenant_id"] == tenant_id]
    assert len(rows) == 1
    return rows[0]


async def test_the_export_never_carries_a_formula(world: World) -> None:
    admin = await _signed_in(world, "a_admin")
    named = await admin.post(
        "/api/v1/api-keys", json={"name": '=HYPERLINK("http://x")', "scopes": ["tasks:read"]}
    )
    assert named.status_code == 201, named.text
    exported = await admin.get("/audit/export.csv")
    rows = list(csv.reader(io.StringIO(exported.text), delimiter=";"))
    cells = [cell for row in rows[1:] for cell in row]
    assert not [c for c in cells if c[:1] in {"=", "+", "-", "@", "\t", "\r"}]
    assert any(c.startswith("'=HYPERLINK") for c in cells)
    assert [safe_cell(v) for v in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "plain", None)] == [
        "'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tx", "'\rx", "plain", "",
    ]  # fmt: skip


async def test_an_entry_shares_the_fate_of_its_actions_transaction(world: World) -> None:
    """Recorded in the action's own transaction: an action rolled back leaves no entry behind."""
    ctx = system_context(world.client_a.id)

    async def action_that_fails_after_recording() -> None:
        async with transaction():
            await audit.record(ctx, AuditAction.TENANT_SETTINGS_CHANGED, tenant_id=world.client_a.id)
            raise RuntimeError("the action failed after recording")

    with pytest.raises(RuntimeError):
        await action_that_fails_after_recording()
    assert await _entries(AuditAction.TENANT_SETTINGS_CHANGED) == []
    async with transaction():
        await audit.record(ctx, AuditAction.TENANT_SETTINGS_CHANGED, tenant_id=world.client_a.id)
    entry = await _one(AuditAction.TENANT_SETTINGS_CHANGED)
    assert entry["actor_kind"] == "system" and entry["ip"] == "" and entry["tenant_id"] == world.client_a.id
