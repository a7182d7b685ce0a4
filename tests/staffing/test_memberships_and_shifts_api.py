"""Dated pool memberships and shifts: periods, overlaps, and time zones on the wire."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import httpx
import pytest

from staffing.tables import PoolMembership, Shift
from tests.staffing.builders import MADRID, join, make_operator, make_pool, schedule
from tests.support.world import World


async def _pool_and_operator(world: World) -> tuple[httpx.AsyncClient, dict[str, Any], dict[str, Any]]:
    manager = await world.sign_in("account_manager")
    return manager, await make_pool(manager), await make_operator(manager, world)


async def test_permanent_and_seasonal_memberships(world: World) -> None:
    manager, pool, operator = await _pool_and_operator(world)
    permanent = await join(
        manager, pool["id"], operator["id"], share=60, validUntil="2026-06-01T00:00:00-03:00"
    )
    assert permanent.status_code == 201, permanent.text
    body = permanent.json()
    assert body["kind"] == "permanent" and body["share"] == 60 and body["poolId"] == pool["id"]
    assert body["tenantId"] == str(world.provider.id)
    # Stored and answered in UTC, whatever offset was sent.
    assert body["validFrom"] == "2026-01-01T00:00:00Z" and body["validUntil"] == "2026-06-01T03:00:00Z"
    seasonal = await join(
        manager,
        pool["id"],
        operator["id"],
        kind="seasonal",
        share=40,
        validFrom="2026-06-01T03:00:00Z",  # the day the permanent one ends: touching, not overlapping
        validUntil="2026-08-01T00:00:00Z",
    )
    assert seasonal.status_code == 201, seasonal.text
    url = f"/api/v1/pools/{pool['id']}/memberships"
    assert (await manager.get(f"{url}/{seasonal.json()['id']}")).json() == seasonal.json()
    listed = (await manager.get(url)).json()["items"]
    assert [m["id"] for m in listed] == [body["id"], seasonal.json()["id"]]


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("2025-12-31T23:59:59Z", []),
        ("2026-01-01T00:00:00Z", ["permanent"]),
        ("2026-03-01T00:00:00-03:00", ["permanent"]),
        ("2026-07-01T12:00:00+02:00", ["seasonal"]),
        ("2026-08-01T00:00:00Z", []),
    ],
)
async def test_memberships_in_force_at_a_time(world: World, at: str, expected: list[str]) -> None:
    manager, pool, operator = await _pool_and_operator(world)
    await join(manager, pool["id"], operator["id"], validUntil="2026-06-01T00:00:00Z")
    await join(
        manager,
        pool["id"],
        operator["id"],
        kind="seasonal",
        validFrom="2026-06-01T00:00:00Z",
        validUntil="2026-08-01T00:00:00Z",
    )
    response = await manager.get(f"/api/v1/pools/{pool['id']}/memberships", params={"activeAt": at})
    assert response.status_code == 200, response.text
    assert [m["kind"] for m in response.json()["items"]] == expected


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"kind": "seasonal"}, "validUntil", "required"),
        ({"validUntil": "2025-12-31T00:00:00Z"}, "validUntil", "not_after_start"),
        ({"validUntil": "2026-01-01T00:00:00Z"}, "validUntil", "not_after_start"),
        ({"share": 0}, "share", "invalid"),
        ({"share": 101}, "share", "invalid"),
        ({"kind": "temporary"}, "kind", "invalid"),
        ({"validFrom": "2026-01-01T00:00:00"}, "validFrom", "invalid"),
        ({"validFrom": "2026-01-01"}, "validFrom", "invalid"),
        ({"validUntil": "2026-02-01T00:00:00"}, "validUntil", "invalid"),
        ({"poolId": "x"}, "poolId", "unknown_field"),
    ],
)
async def test_bad_membership_input(world: World, fields: dict[str, Any], field: str, code: str) -> None:
    manager, pool, operator = await _pool_and_operator(world)
    response = await join(manager, pool["id"], operator["id"], **fields)
    assert response.status_code == 422, response.text
    assert {"field": field, "code": code} in [
        {"field": e["field"], "code": e["code"]} for e in response.json()["errors"]
    ]
    assert await PoolMembership.count() == 0


async def test_naive_times_in_the_query_are_refused(world: World) -> None:
    manager, pool, _ = await _pool_and_operator(world)
    response = await manager.get(
        f"/api/v1/pools/{pool['id']}/memberships", params={"activeAt": "2026-01-01T00:00:00"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "activeAt"
    shifts = await manager.get(
        "/api/v1/shifts", params={"from": "2026-01-01T00:00:00Z", "to": "2026-01-02T00:00:00"}
    )
    assert shifts.status_code == 422 and shifts.json()["errors"][0]["field"] == "to"


async def test_overlapping_memberships_in_one_pool_are_refused(world: World) -> None:
    manager, pool, operator = await _pool_and_operator(world)
    open_ended = await join(manager, pool["id"], operator["id"])
    assert open_ended.status_code == 201
    later = await join(
        manager,
        pool["id"],
        operator["id"],
        kind="seasonal",
        validFrom="2026-11-01T00:00:00Z",
        validUntil="2027-01-10T00:00:00Z",
    )
    assert later.status_code == 409
    assert later.json()["errors"][0]["code"] == "overlaps"
    earlier = await join(manager, pool["id"], operator["id"], validFrom="2025-01-01T00:00:00Z")
    assert earlier.status_code == 409
    # Before it, ending where it starts: fine. In another pool at the same time: fine.
    before = await join(
        manager,
        pool["id"],
        operator["id"],
        validFrom="2025-01-01T00:00:00Z",
        validUntil="2026-01-01T00:00:00Z",
    )
    assert before.status_code == 201
    madrid = await make_pool(manager, MADRID)
    assert (await join(manager, madrid["id"], operator["id"], share=20)).status_code == 201
    # Other operators are not concerned.
    supervisor = await make_operator(manager, world, "supervisor")
    assert (await join(manager, pool["id"], supervisor["id"])).status_code == 201
    assert await PoolMembership.count() == 4


async def test_a_seasonal_reinforcement_ends_early(world: World) -> None:
    manager, pool, operator = await _pool_and_operator(world)
    season = await join(
        manager,
        pool["id"],
        operator["id"],
        kind="seasonal",
        validFrom="2026-11-01T00:00:00Z",
        validUntil="2027-01-31T00:00:00Z",
        share=50,
    )
    url = f"/api/v1/pools/{pool['id']}/memberships/{season.json()['id']}"
    ended = await manager.patch(url, json={"validUntil": "2026-12-24T00:00:00-03:00"})
    assert ended.status_code == 200, ended.text
    assert ended.json()["validUntil"] == "2026-12-24T03:00:00Z" and ended.json()["share"] == 50
    assert (await manager.patch(url, json={"validUntil": "2026-10-01T00:00:00Z"})).status_code == 422
    assert (await manager.patch(url, json={"validUntil": None})).status_code == 422  # seasonal ends
    assert (await manager.patch(url, json={"kind": "permanent", "validUntil": None})).status_code == 200
    assert (await manager.patch(url, json={"share": 101})).status_code == 422
    # Moving it onto another membership of the same operator is a conflict.
    other = await join(
        manager,
        pool["id"],
        operator["id"],
        validFrom="2026-01-01T00:00:00Z",
        validUntil="2026-06-01T00:00:00Z",
    )
    assert other.status_code == 201
    moved = await manager.patch(url, json={"validFrom": "2026-05-01T00:00:00Z"})
    assert moved.status_code == 409
    assert (await manager.get(url)).json()["validFrom"] == "2026-11-01T00:00:00Z"


async def test_membership_ids_belong_to_their_pool(world: World) -> None:
    manager, pool, operator = await _pool_and_operator(world)
    madrid = await make_pool(manager, MADRID)
    membership = (await join(manager, pool["id"], operator["id"])).json()
    wrong = f"/api/v1/pools/{madrid['id']}/memberships/{membership['id']}"
    assert (await manager.get(wrong)).status_code == 404
    assert (await manager.patch(wrong, json={"share": 10})).status_code == 404
    assert (await manager.delete(wrong)).status_code == 404
    made_up_pool = f"/api/v1/pools/{uuid4()}/memberships"
    assert (await manager.get(made_up_pool)).status_code == 404
    assert (await join(manager, str(uuid4()), operator["id"])).status_code == 404
    unknown_operator = await join(manager, pool["id"], str(uuid4()))
    assert unknown_operator.status_code == 404
    assert unknown_operator.json()["errors"][0]["field"] == "operatorId"
    right = f"/api/v1/pools/{pool['id']}/memberships/{membership['id']}"
    assert (await manager.delete(right)).status_code == 204
    assert await PoolMembership.count() == 0


# ---- shifts ----------------------------------------------------------------------------------------------


async def test_shifts_are_scheduled_listed_and_deleted(world: World) -> None:
    manager, pool, operator = await _pool_and_operator(world)
    supervisor = await make_operator(manager, world, "supervisor")
    monday = await schedule(
        manager, operator["id"], "2026-03-02T08:00:00-03:00", "2026-03-02T17:00:00-03:00", poolId=pool["id"]
    )
    assert monday.status_code == 201, monday.text
    assert monday.json()["startsAt"] == "2026-03-02T11:00:00Z" and monday.json()["poolId"] == pool["id"]
    # Back to back with the first one: touching is not overlapping.
    evening = await schedule(manager, operator["id"], "2026-03-02T20:00:00Z", "2026-03-03T02:00:00Z")
    assert evening.status_code == 201 and evening.json()["poolId"] is None
    tuesday = await schedule(manager, operator["id"], "2026-03-03T11:00:00Z", "2026-03-03T20:00:00Z")
    theirs = await schedule(
        manager, supervisor["id"], "2026-03-02T09:00:00+01:00", "2026-03-02T17:00:00+01:00"
    )
    assert tuesday.status_code == 201 and theirs.status_code == 201

    async def listed(**params: str) -> list[str]:
        response = await manager.get("/api/v1/shifts", params=params)
        assert response.status_code == 200, response.text
        return [s["id"] for s in response.json()["items"]]

    # Chronological, whatever the order of entry.
    assert await listed() == [
        theirs.json()["id"],
        monday.json()["id"],
        evening.json()["id"],
        tuesday.json()["id"],
    ]
    assert await listed(operatorId=supervisor["id"]) == [theirs.json()["id"]]
    assert await listed(poolId=pool["id"]) == [monday.json()["id"]]
    # The window catches the shifts that overlap it, in any offset.
    window = {"from": "2026-03-02T22:00:00-03:00", "to": "2026-03-03T12:00:00Z"}
    assert await listed(**window) == [evening.json()["id"], tuesday.json()["id"]]
    assert await listed(**window, operatorId=supervisor["id"]) == []
    # Periods are half-open: a shift ending when the window starts is not in it.
    assert await listed(**{"from": "2026-03-03T02:00:00Z"}) == [tuesday.json()["id"]]
    first = (await manager.get("/api/v1/shifts", params={"limit": 3})).json()
    assert len(first["items"]) == 3 and first["nextCursor"]
    rest = (await manager.get("/api/v1/shifts", params={"limit": 3, "cursor": first["nextCursor"]})).json()
    assert [s["id"] for s in rest["items"]] == [tuesday.json()["id"]] and rest["nextCursor"] is None
    assert (await manager.get(f"/api/v1/shifts/{tuesday.json()['id']}")).json() == tuesday.json()
    assert (await manager.delete(f"/api/v1/shifts/{tuesday.json()['id']}")).status_code == 204
    assert await Shift.count() == 3


async def test_overlapping_shifts_of_one_operator_are_refused(world: World) -> None:
    manager, _, operator = await _pool_and_operator(world)
    assert (
        await schedule(manager, operator["id"], "2026-03-02T11:00:00Z", "2026-03-02T20:00:00Z")
    ).status_code == 201
    for starts, ends in [
        ("2026-03-02T19:59:59Z", "2026-03-02T23:00:00Z"),
        ("2026-03-02T05:00:00Z", "2026-03-02T11:00:01Z"),
        ("2026-03-02T12:00:00Z", "2026-03-02T13:00:00Z"),
        ("2026-03-02T10:00:00Z", "2026-03-02T21:00:00Z"),
        ("2026-03-02T08:00:00-03:00", "2026-03-02T17:00:00-03:00"),
    ]:
        response = await schedule(manager, operator["id"], starts, ends)
        assert response.status_code == 409, (starts, ends)
        assert response.json()["errors"][0]["code"] == "overlaps"
    assert await Shift.count() == 1


@pytest.mark.parametrize(
    ("starts", "ends", "field", "code"),
    [
        ("2026-03-02T11:00:00Z", "2026-03-02T11:00:00Z", "endsAt", "not_after_start"),
        ("2026-03-02T11:00:00Z", "2026-03-02T10:00:00Z", "endsAt", "not_after_start"),
        ("2026-03-02T11:00:00Z", "2026-03-03T11:00:01Z", "endsAt", "too_long"),
        ("2026-03-02T11:00:00", "2026-03-02T20:00:00Z", "startsAt", "invalid"),
        ("tomorrow", "2026-03-02T20:00:00Z", "startsAt", "invalid"),
    ],
)
async def test_bad_shift_input(world: World, starts: str, ends: str, field: str, code: str) -> None:
    manager, _, operator = await _pool_and_operator(world)
    response = await schedule(manager, operator["id"], starts, ends)
    assert response.status_code == 422, response.text
    assert {"field": field, "code": code} in [
        {"field": e["field"], "code": e["code"]} for e in response.json()["errors"]
    ]
    assert await Shift.count() == 0


async def test_a_day_long_shift_is_allowed(world: World) -> None:
    manager, _, operator = await _pool_and_operator(world)
    response = await schedule(manager, operator["id"], "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z")
    assert response.status_code == 201


async def test_shift_references_must_exist(world: World) -> None:
    manager, _, operator = await _pool_and_operator(world)
    no_operator = await schedule(manager, str(uuid4()), "2026-03-02T11:00:00Z", "2026-03-02T20:00:00Z")
    assert no_operator.status_code == 404 and no_operator.json()["errors"][0]["field"] == "operatorId"
    no_pool = await schedule(
        manager, operator["id"], "2026-03-02T11:00:00Z", "2026-03-02T20:00:00Z", poolId=str(uuid4())
    )
    assert no_pool.status_code == 404 and no_pool.json()["errors"][0]["field"] == "poolId"
    extra = await schedule(manager, operator["id"], "2026-03-02T11:00:00Z", "2026-03-02T20:00:00Z", note="x")
    assert extra.status_code == 422 and extra.json()["errors"][0]["code"] == "unknown_field"
    assert await Shift.count() == 0
