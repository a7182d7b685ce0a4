"""Skills and pools: CRUD, validation, duplicates, and what may not be deleted."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from retaguarda.db import is_unique_violation
from staffing.tables import Pool, Shift, Skill
from tests.staffing.builders import MADRID, SAO_PAULO, join, make_operator, make_pool, make_skill, schedule
from tests.support.world import World


async def test_account_manager_keeps_the_skill_list(world: World) -> None:
    manager = await world.sign_in("account_manager")
    fiscal = await make_skill(manager, "fiscal", "Fiscal and tax")
    assert fiscal["tenantId"] == str(world.provider.id) and fiscal["code"] == "fiscal"
    await make_skill(manager, "payroll")
    listed = (await manager.get("/api/v1/skills")).json()
    assert [s["code"] for s in listed["items"]] == ["fiscal", "payroll"]
    renamed = await manager.patch(
        f"/api/v1/skills/{fiscal['id']}", json={"code": "tax.br", "name": "Tax (BR)"}
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["code"] == "tax.br"
    assert (await manager.get(f"/api/v1/skills/{fiscal['id']}")).json()["name"] == "Tax (BR)"
    assert (await manager.delete(f"/api/v1/skills/{fiscal['id']}")).status_code == 204
    assert (await manager.get(f"/api/v1/skills/{fiscal['id']}")).status_code == 404


async def test_skill_codes_are_unique(world: World) -> None:
    admin = await world.sign_in("admin")
    await make_skill(admin, "fiscal")
    payroll = await make_skill(admin, "payroll")
    duplicate = await admin.post("/api/v1/skills", json={"code": "fiscal", "name": "Again"})
    assert duplicate.status_code == 409
    assert duplicate.json()["errors"][0] == {
        "field": "code",
        "code": "taken",
        "message": "A skill with this code exists.",
    }
    renamed = await admin.patch(f"/api/v1/skills/{payroll['id']}", json={"code": "fiscal"})
    assert renamed.status_code == 409
    # Keeping one's own code is no conflict.
    assert (await admin.patch(f"/api/v1/skills/{payroll['id']}", json={"code": "payroll"})).status_code == 200


async def test_unique_indexes_back_the_checks(world: World) -> None:
    """Two requests racing past the service's check still cannot store a duplicate."""
    tenant_id = world.provider.id
    twins = [
        (
            Skill(id=uuid4(), tenant_id=tenant_id, code="fiscal", name="A"),
            Skill(id=uuid4(), tenant_id=tenant_id, code="fiscal", name="B"),
        ),
        (
            Pool(id=uuid4(), tenant_id=tenant_id, name="SP", timezone="UTC"),
            Pool(id=uuid4(), tenant_id=tenant_id, name="SP", timezone="UTC"),
        ),
    ]
    for first, second in twins:
        await first.save()
        with pytest.raises(Exception, match=r"(?i)unique|duplicate key") as raised:
            await second.save()
        assert is_unique_violation(raised.value)


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"code": "Fiscal", "name": "Fiscal"}, "code", "invalid"),
        ({"code": "fiscal tax", "name": "Fiscal"}, "code", "invalid"),
        ({"code": "x" * 41, "name": "Fiscal"}, "code", "invalid"),
        ({"code": "", "name": "Fiscal"}, "code", "invalid"),
        ({"code": "fiscal", "name": ""}, "name", "invalid"),
        ({"name": "Fiscal"}, "code", "required"),
        ({"code": "fiscal", "name": "Fiscal", "colour": "red"}, "colour", "unknown_field"),
    ],
)
async def test_bad_skill_input(world: World, body: dict[str, Any], field: str, code: str) -> None:
    response = await (await world.sign_in("admin")).post("/api/v1/skills", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert {"field": field, "code": code} in [
        {"field": e["field"], "code": e["code"]} for e in response.json()["errors"]
    ]
    assert await Skill.count() == 0


async def test_a_skill_that_operators_hold_is_not_deleted(world: World) -> None:
    admin = await world.sign_in("admin")
    fiscal = await make_skill(admin, "fiscal")
    await make_operator(admin, world, skills=[{"skillId": fiscal["id"], "level": 3}])
    refused = await admin.delete(f"/api/v1/skills/{fiscal['id']}")
    assert refused.status_code == 409
    assert await Skill.count() == 1


async def test_pools_crud(world: World) -> None:
    admin = await world.sign_in("admin")
    sao_paulo = await make_pool(admin, SAO_PAULO)
    assert sao_paulo["timezone"] == "America/Sao_Paulo" and sao_paulo["site"] == "São Paulo"
    madrid = await make_pool(admin, MADRID)
    listed = (await admin.get("/api/v1/pools")).json()["items"]
    assert [p["name"] for p in listed] == ["São Paulo back office", "Madrid soporte"]
    page = (await admin.get("/api/v1/pools", params={"limit": 1})).json()
    assert len(page["items"]) == 1 and page["nextCursor"]
    rest = (await admin.get("/api/v1/pools", params={"limit": 1, "cursor": page["nextCursor"]})).json()
    assert [p["id"] for p in rest["items"]] == [madrid["id"]] and rest["nextCursor"] is None
    moved = await admin.patch(
        f"/api/v1/pools/{madrid['id']}", json={"timezone": "Atlantic/Canary", "site": "Las Palmas"}
    )
    assert moved.status_code == 200 and moved.json()["timezone"] == "Atlantic/Canary"
    assert moved.json()["name"] == "Madrid soporte"
    taken = await admin.patch(f"/api/v1/pools/{madrid['id']}", json={"name": SAO_PAULO["name"]})
    assert taken.status_code == 409 and taken.json()["errors"][0]["field"] == "name"
    assert (await admin.post("/api/v1/pools", json=SAO_PAULO)).status_code == 409
    assert (await admin.delete(f"/api/v1/pools/{madrid['id']}")).status_code == 204
    assert (await admin.get(f"/api/v1/pools/{madrid['id']}")).status_code == 404
    assert await Pool.count() == 1


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({**SAO_PAULO, "timezone": "Nowhere/City"}, "timezone", "unknown_timezone"),
        ({**SAO_PAULO, "timezone": ""}, "timezone", "invalid"),
        ({**SAO_PAULO, "name": ""}, "name", "invalid"),
        ({**SAO_PAULO, "name": "x" * 101}, "name", "invalid"),
        ({"name": "P"}, "timezone", "required"),
        ({**SAO_PAULO, "city": "SP"}, "city", "unknown_field"),
    ],
)
async def test_bad_pool_input(world: World, body: dict[str, Any], field: str, code: str) -> None:
    response = await (await world.sign_in("account_manager")).post("/api/v1/pools", json=body)
    assert response.status_code == 422, response.text
    assert {"field": field, "code": code} in [
        {"field": e["field"], "code": e["code"]} for e in response.json()["errors"]
    ]
    assert await Pool.count() == 0


async def test_a_pool_timezone_is_checked_on_change_too(world: World) -> None:
    admin = await world.sign_in("admin")
    pool = await make_pool(admin)
    response = await admin.patch(f"/api/v1/pools/{pool['id']}", json={"timezone": "Mars/Olympus"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "unknown_timezone"


async def test_a_pool_with_members_is_not_deleted_and_its_shifts_outlive_it(world: World) -> None:
    admin = await world.sign_in("admin")
    pool = await make_pool(admin)
    operator = await make_operator(admin, world)
    membership = (await join(admin, pool["id"], operator["id"])).json()
    assert (await admin.delete(f"/api/v1/pools/{pool['id']}")).status_code == 409
    shift = await schedule(
        admin, operator["id"], "2026-03-02T08:00:00-03:00", "2026-03-02T17:00:00-03:00", poolId=pool["id"]
    )
    assert shift.status_code == 201
    assert (
        await admin.delete(f"/api/v1/pools/{pool['id']}/memberships/{membership['id']}")
    ).status_code == 204
    assert (await admin.delete(f"/api/v1/pools/{pool['id']}")).status_code == 204
    kept = await Shift.objects().where(Shift.id == shift.json()["id"]).first()
    assert kept is not None and kept.pool_id is None


@pytest.mark.parametrize("resource", ["skills", "pools", "operators", "shifts"])
async def test_made_up_ids_are_404(world: World, resource: str) -> None:
    manager = await world.sign_in("account_manager")
    made_up = uuid4()
    assert (await manager.get(f"/api/v1/{resource}/{made_up}")).status_code == 404
    assert (await manager.delete(f"/api/v1/{resource}/{made_up}")).status_code == 404
    if resource != "shifts":
        assert (await manager.patch(f"/api/v1/{resource}/{made_up}", json={})).status_code == 404
