"""Operators: who may be one, their skills (replaced as a whole), filters, and deletion."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from staffing.tables import Operator, OperatorSkill, PoolMembership, Shift
from tests.staffing.builders import MADRID, join, make_operator, make_pool, make_skill, schedule
from tests.support.world import World


async def test_an_operator_shows_its_skills(world: World) -> None:
    manager = await world.sign_in("account_manager")
    payroll = await make_skill(manager, "payroll")
    fiscal = await make_skill(manager, "fiscal")
    operator = await make_operator(
        manager,
        world,
        capacity=3,
        status="available",
        skills=[{"skillId": payroll["id"], "level": 2}, {"skillId": fiscal["id"], "level": 5}],
    )
    assert operator["tenantId"] == str(world.provider.id)
    assert operator["userId"] == str(world.people["operator"].user_id)
    assert operator["email"] == "operator@example.test"
    assert operator["capacity"] == 3 and operator["status"] == "available"
    assert operator["skills"] == [
        {"skillId": fiscal["id"], "code": "fiscal", "level": 5},
        {"skillId": payroll["id"], "code": "payroll", "level": 2},
    ]
    assert (await manager.get(f"/api/v1/operators/{operator['id']}")).json() == operator


async def test_defaults_and_duplicates(world: World) -> None:
    admin = await world.sign_in("admin")
    operator = await make_operator(admin, world)
    assert operator["capacity"] == 1 and operator["status"] == "offline" and operator["skills"] == []
    again = await admin.post("/api/v1/operators", json={"userId": operator["userId"]})
    assert again.status_code == 409
    assert again.json()["errors"][0]["field"] == "userId"
    # A supervisor may work queues too.
    assert (await make_operator(admin, world, "supervisor"))["email"] == "supervisor@example.test"


@pytest.mark.parametrize("who", ["account_manager", "admin", "a_admin", "b_member"])
async def test_only_operators_and_supervisors_of_the_provider_become_operators(
    world: World, who: str
) -> None:
    admin = await world.sign_in("admin")
    response = await admin.post("/api/v1/operators", json={"userId": str(world.people[who].user_id)})
    assert response.status_code == 422
    assert response.json()["errors"][0] == {
        "field": "userId",
        "code": "not_an_operator",
        "message": "This user is not an operator or supervisor here.",
    }
    unknown = await admin.post("/api/v1/operators", json={"userId": str(uuid4())})
    assert unknown.status_code == 422
    assert await Operator.count() == 0


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"capacity": 0}, "capacity", "invalid"),
        ({"capacity": "two"}, "capacity", "invalid"),
        ({"status": "busy"}, "status", "invalid"),
        ({"skills": [{"skillId": "SKILL", "level": 1}]}, "skills[0].skillId", "invalid"),
        ({"skills": [{"level": 1}]}, "skills[0].skillId", "required"),
        ({"nickname": "Ota"}, "nickname", "unknown_field"),
    ],
)
async def test_bad_operator_input(world: World, fields: dict[str, Any], field: str, code: str) -> None:
    admin = await world.sign_in("admin")
    body = {"userId": str(world.people["operator"].user_id), **fields}
    response = await admin.post("/api/v1/operators", json=body)
    assert response.status_code == 422, response.text
    assert {"field": field, "code": code} in [
        {"field": e["field"], "code": e["code"]} for e in response.json()["errors"]
    ]
    assert await Operator.count() == 0


async def test_skill_levels_are_checked(world: World) -> None:
    admin = await world.sign_in("admin")
    fiscal = await make_skill(admin, "fiscal")
    user_id = str(world.people["operator"].user_id)
    for level in (0, 6):
        response = await admin.post(
            "/api/v1/operators",
            json={"userId": user_id, "skills": [{"skillId": fiscal["id"], "level": level}]},
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "skills[0].level"
    twice = await admin.post(
        "/api/v1/operators",
        json={
            "userId": user_id,
            "skills": [{"skillId": fiscal["id"], "level": 1}, {"skillId": fiscal["id"], "level": 2}],
        },
    )
    assert twice.status_code == 422
    assert twice.json()["errors"][0] == {
        "field": "skills[1].skillId",
        "code": "duplicate",
        "message": "This skill is listed twice.",
    }
    # An unknown skill is a reference to nothing: 404, naming the field, and nothing is left behind.
    unknown = await admin.post(
        "/api/v1/operators",
        json={
            "userId": user_id,
            "skills": [{"skillId": fiscal["id"], "level": 1}, {"skillId": str(uuid4()), "level": 1}],
        },
    )
    assert unknown.status_code == 404
    assert unknown.json()["errors"][0]["field"] == "skills[1].skillId"
    assert await Operator.count() == 0 and await OperatorSkill.count() == 0


async def test_patch_replaces_the_skill_list(world: World) -> None:
    admin = await world.sign_in("admin")
    fiscal = await make_skill(admin, "fiscal")
    payroll = await make_skill(admin, "payroll")
    support = await make_skill(admin, "support")
    operator = await make_operator(
        admin,
        world,
        skills=[{"skillId": fiscal["id"], "level": 2}, {"skillId": payroll["id"], "level": 2}],
    )
    url = f"/api/v1/operators/{operator['id']}"
    changed = await admin.patch(
        url, json={"skills": [{"skillId": payroll["id"], "level": 4}, {"skillId": support["id"], "level": 1}]}
    )
    assert changed.status_code == 200, changed.text
    assert [(s["code"], s["level"]) for s in changed.json()["skills"]] == [("payroll", 4), ("support", 1)]
    assert changed.json()["updatedAt"] > operator["updatedAt"]
    # Leaving `skills` out keeps them; an empty list clears them.
    kept = (await admin.patch(url, json={"status": "away", "capacity": 2})).json()
    assert kept["status"] == "away" and kept["capacity"] == 2 and len(kept["skills"]) == 2
    assert (await admin.patch(url, json={"skills": []})).json()["skills"] == []
    bad = await admin.patch(url, json={"skills": [{"skillId": str(uuid4()), "level": 1}], "capacity": 9})
    assert bad.status_code == 404
    assert (await admin.get(url)).json()["capacity"] == 2


async def test_operators_are_filtered_by_status_and_current_pool(world: World) -> None:
    admin = await world.sign_in("admin")
    pool = await make_pool(admin)
    madrid = await make_pool(admin, MADRID)
    worker = await make_operator(admin, world, status="available")
    boss = await make_operator(admin, world, "supervisor", status="away")
    assert (await join(admin, pool["id"], worker["id"])).status_code == 201
    # The supervisor was in the pool last season only.
    ended = await join(
        admin,
        pool["id"],
        boss["id"],
        kind="seasonal",
        validFrom="2025-11-01T00:00:00Z",
        validUntil="2026-01-10T00:00:00Z",
    )
    assert ended.status_code == 201
    assert (await join(admin, madrid["id"], boss["id"])).status_code == 201

    async def ids(**params: str) -> list[str]:
        response = await admin.get("/api/v1/operators", params=params)
        assert response.status_code == 200, response.text
        return [o["id"] for o in response.json()["items"]]

    assert await ids() == [worker["id"], boss["id"]]
    assert await ids(status="away") == [boss["id"]]
    assert await ids(poolId=pool["id"]) == [worker["id"]]
    assert await ids(poolId=madrid["id"]) == [boss["id"]]
    assert await ids(poolId=madrid["id"], status="available") == []
    assert await ids(poolId=str(uuid4())) == []


async def test_deleting_an_operator_takes_its_roster_rows_with_it(world: World) -> None:
    admin = await world.sign_in("admin")
    fiscal = await make_skill(admin, "fiscal")
    pool = await make_pool(admin)
    operator = await make_operator(admin, world, skills=[{"skillId": fiscal["id"], "level": 1}])
    other = await make_operator(admin, world, "supervisor", skills=[{"skillId": fiscal["id"], "level": 1}])
    for someone in (operator, other):
        assert (await join(admin, pool["id"], someone["id"])).status_code == 201
        shift = await schedule(admin, someone["id"], "2026-03-02T11:00:00Z", "2026-03-02T20:00:00Z")
        assert shift.status_code == 201
    assert (await admin.delete(f"/api/v1/operators/{operator['id']}")).status_code == 204
    assert (await admin.get(f"/api/v1/operators/{operator['id']}")).status_code == 404
    for table in (OperatorSkill, PoolMembership, Shift):
        assert await table.count() == 1
        assert await table.count().where(table.operator_id == other["id"]) == 1


async def test_an_operator_reads_its_own_record(world: World) -> None:
    me = await world.sign_in("operator")
    assert (await me.get("/api/v1/operators/me")).status_code == 404
    admin = await world.sign_in("admin")
    mine = await make_operator(admin, world)
    await make_operator(admin, world, "supervisor")
    response = await me.get("/api/v1/operators/me")
    assert response.status_code == 200 and response.json()["id"] == mine["id"]
    assert (await me.get(f"/api/v1/operators/{mine['id']}")).status_code == 403
    assert (await me.get("/api/v1/operators")).status_code == 403
    # Staff who are not operators have no record of their own.
    assert (await admin.get("/api/v1/operators/me")).status_code == 404
