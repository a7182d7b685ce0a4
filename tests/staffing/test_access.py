"""Who reaches the roster: admins and account managers write, supervisors read, an operator reads its own
record, clients nothing (neither through the API nor through their TenantContext)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

from retaguarda.auth import ROLE_SCOPES, Principal, Role, Scope, TenantKind
from retaguarda.errors import NotFound
from retaguarda.tenancy import TenantContext
from staffing.service import operators, pools, roster, skills
from staffing.tables import Pool, Skill
from tests.staffing.builders import join, make_operator, make_pool, make_skill, schedule
from tests.support.world import World

CLIENTS = ["a_admin", "a_member", "b_admin", "b_member"]
LISTS = ["/api/v1/skills", "/api/v1/operators", "/api/v1/pools", "/api/v1/shifts"]


async def _roster(world: World) -> dict[str, Any]:
    admin = await world.sign_in("admin")
    skill = await make_skill(admin, "fiscal")
    pool = await make_pool(admin)
    operator = await make_operator(admin, world, skills=[{"skillId": skill["id"], "level": 3}])
    membership = (await join(admin, pool["id"], operator["id"])).json()
    shift = (await schedule(admin, operator["id"], "2026-03-02T11:00:00Z", "2026-03-02T20:00:00Z")).json()
    return {"skill": skill, "pool": pool, "operator": operator, "membership": membership, "shift": shift}


def _reads(rows: dict[str, Any]) -> list[str]:
    pool_id = rows["pool"]["id"]
    return [
        *LISTS,
        f"/api/v1/skills/{rows['skill']['id']}",
        f"/api/v1/operators/{rows['operator']['id']}",
        f"/api/v1/pools/{pool_id}",
        f"/api/v1/pools/{pool_id}/memberships",
        f"/api/v1/pools/{pool_id}/memberships/{rows['membership']['id']}",
        f"/api/v1/shifts/{rows['shift']['id']}",
    ]


def _writes(rows: dict[str, Any], world: World) -> list[tuple[str, str, dict[str, Any] | None]]:
    pool_id = rows["pool"]["id"]
    membership = f"/api/v1/pools/{pool_id}/memberships/{rows['membership']['id']}"
    return [
        ("POST", "/api/v1/skills", {"code": "payroll", "name": "Payroll"}),
        ("PATCH", f"/api/v1/skills/{rows['skill']['id']}", {"name": "Tax"}),
        ("POST", "/api/v1/pools", {"name": "Madrid", "timezone": "Europe/Madrid"}),
        ("PATCH", f"/api/v1/pools/{pool_id}", {"site": "Campinas"}),
        ("POST", "/api/v1/operators", {"userId": str(world.people["supervisor"].user_id)}),
        ("PATCH", f"/api/v1/operators/{rows['operator']['id']}", {"capacity": 2}),
        ("PATCH", membership, {"share": 50}),
        (
            "POST",
            "/api/v1/shifts",
            {
                "operatorId": rows["operator"]["id"],
                "startsAt": "2026-03-03T11:00:00Z",
                "endsAt": "2026-03-03T20:00:00Z",
            },
        ),
        ("DELETE", f"/api/v1/shifts/{rows['shift']['id']}", None),
        ("DELETE", membership, None),
        ("DELETE", f"/api/v1/operators/{rows['operator']['id']}", None),
        ("DELETE", f"/api/v1/pools/{pool_id}", None),
        ("DELETE", f"/api/v1/skills/{rows['skill']['id']}", None),
    ]


@pytest.mark.parametrize("who", ["admin", "account_manager", "supervisor"])
async def test_provider_staff_read_the_roster(world: World, who: str) -> None:
    rows = await _roster(world)
    client = await world.sign_in(who)
    for url in _reads(rows):
        response = await client.get(url)
        assert response.status_code == 200, (url, response.text)


@pytest.mark.parametrize("who", ["operator", *CLIENTS])
async def test_operators_and_clients_read_nothing_of_the_roster(world: World, who: str) -> None:
    rows = await _roster(world)
    client = await world.sign_in(who)
    for url in _reads(rows):
        response = await client.get(url)
        assert response.status_code == 403, (url, response.status_code)
        assert response.json()["code"] == "forbidden"


@pytest.mark.parametrize("who", CLIENTS)
async def test_clients_have_no_operator_record(world: World, who: str) -> None:
    assert (await (await world.sign_in(who)).get("/api/v1/operators/me")).status_code == 403


@pytest.mark.parametrize("who", ["admin", "account_manager"])
async def test_admins_and_account_managers_write(world: World, who: str) -> None:
    rows = await _roster(world)
    client = await world.sign_in(who)
    for method, url, body in _writes(rows, world):
        response = await client.request(method, url, json=body)
        assert response.status_code in {200, 201, 204}, (method, url, response.text)


@pytest.mark.parametrize("who", ["supervisor", "operator", *CLIENTS])
async def test_everyone_else_writes_nothing(world: World, who: str) -> None:
    rows = await _roster(world)
    client = await world.sign_in(who)
    for method, url, body in _writes(rows, world):
        response = await client.request(method, url, json=body)
        assert response.status_code == 403, (method, url, response.status_code)
    assert await Skill.count() == 1 and await Pool.count() == 1


async def test_api_keys_follow_their_scopes(world: World) -> None:
    await _roster(world)
    reader = await world.api_key_client("admin", ["staffing:read"])
    assert (await reader.get("/api/v1/pools")).status_code == 200
    refused = await reader.post("/api/v1/skills", json={"code": "payroll", "name": "Payroll"})
    assert refused.status_code == 403
    writer = await world.api_key_client("admin", ["staffing:read", "staffing:write"])
    assert (
        await writer.post("/api/v1/skills", json={"code": "payroll", "name": "Payroll"})
    ).status_code == 201
    # A key has no person behind it, so no operator record.
    assert (await writer.get("/api/v1/operators/me")).status_code == 404
    # Clients do not hold the staffing scopes, so they cannot put them on a key either.
    client_admin = await world.sign_in("a_admin")
    key = await client_admin.post("/api/v1/api-keys", json={"name": "roster", "scopes": ["staffing:read"]})
    assert key.status_code == 422 and key.json()["errors"][0]["code"] == "scope_not_held"


def test_staffing_scopes_by_role() -> None:
    both = {Scope.STAFFING_READ, Scope.STAFFING_WRITE}
    assert both <= ROLE_SCOPES[Role.ADMIN] and both <= ROLE_SCOPES[Role.ACCOUNT_MANAGER]
    assert Scope.STAFFING_READ in ROLE_SCOPES[Role.SUPERVISOR]
    assert Scope.STAFFING_WRITE not in ROLE_SCOPES[Role.SUPERVISOR]
    for role in (Role.OPERATOR, Role.CLIENT_ADMIN, Role.CLIENT_MEMBER):
        assert not both & ROLE_SCOPES[role]


def _client_context(tenant_id: UUID) -> TenantContext:
    return TenantContext(
        Principal(
            tenant_id=tenant_id,
            tenant_kind=TenantKind.CLIENT,
            role=Role.CLIENT_ADMIN,
            via="session",
            scopes=ROLE_SCOPES[Role.CLIENT_ADMIN],
            reachable_tenant_ids=frozenset({tenant_id}),
            locale="en",
            timezone="UTC",
        )
    )


async def test_a_client_context_does_not_reach_roster_rows(world: World) -> None:
    """Behind the guards, the scoping helper fences clients out too: roster rows are the provider's."""
    rows = await _roster(world)
    ctx = _client_context(world.client_a.id)
    with pytest.raises(NotFound):
        await skills.get_skill(ctx, UUID(rows["skill"]["id"]))
    with pytest.raises(NotFound):
        await pools.get_pool(ctx, UUID(rows["pool"]["id"]))
    assert (await skills.list_skills(ctx, cursor=None, limit=50))[0] == []
    assert (await operators.list_operators(ctx, status=None, pool_id=None, cursor=None, limit=50))[0] == []
    assert (
        await roster.active_pool_ids(ctx, UUID(rows["operator"]["id"]), datetime(2026, 6, 1, tzinfo=UTC))
        == []
    )
    assert await roster.operator_for_user(ctx, world.people["operator"].user_id) is None
