"""Requirements per pool (required from the forecast through each queue's model, scheduled from shifts and
membership shares, gap, expected service level), the CSV export, and scaling plans from draft to applied with
their what-if and audit trail."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import httpx
import pytest

from retaguarda.db import transaction
from retaguarda.work.tables import QueuePool
from staffing.tables import Pool, PoolMembership, Shift
from tests.staffing.planning.history import next_weekday, seed_history
from tests.support.work import Floor, add_operator

SP = ZoneInfo("America/Sao_Paulo")


async def _planned_floor(floor: Floor) -> tuple[httpx.AsyncClient, date]:
    """Client A's queue forecast from nine weeks of history, as live contacts; a Monday to plan."""
    world = floor.world
    await seed_history(
        world.client_a.id,
        floor.queue_a,
        floor.type_a,
        floor.operators["operator"],
        "America/Sao_Paulo",
        days=63,
    )
    manager = await world.sign_in("account_manager")
    settings = await manager.patch(
        f"/api/v1/planning/queues/{floor.queue_a}/settings",
        json={"model": "erlang_c", "answerTimeS": 60, "shrinkage": 0.0},
    )
    assert settings.status_code == 200
    assert (
        await manager.post(
            "/api/v1/planning/forecasts", json={"queueIds": [str(floor.queue_a)], "historyDays": 63}
        )
    ).status_code == 202
    await world.settle_jobs()
    return manager, next_weekday(0, "America/Sao_Paulo", after_days=2)


async def _shift(floor: Floor, operator_id: UUID, day: date, start: int, hours: int) -> None:
    begins = datetime.combine(day, time(start), tzinfo=SP).astimezone(UTC)
    async with transaction():
        await Shift(
            id=uuid4(),
            tenant_id=floor.world.provider.id,
            operator_id=operator_id,
            starts_at=begins,
            ends_at=begins + timedelta(hours=hours),
        ).save()


def _at(grid: list[dict[str, Any]], hour: int) -> dict[str, Any]:
    return next(c for c in grid if datetime.fromisoformat(c["startsAt"]).hour == hour)


async def test_requirements_count_forecast_shifts_and_shares(floor: Floor) -> None:
    manager, monday = await _planned_floor(floor)
    # The floor's operator works 09:00-17:00 in the floor's pool; a second one, 50 % there, 10:00-12:00.
    await _shift(floor, floor.operators["operator"], monday, 9, 8)
    half = await add_operator(floor.world, "half", skill_id=floor.skill_id, pool_id=floor.pool_id)
    async with transaction():
        await PoolMembership.update({PoolMembership.share: 50}).where(PoolMembership.operator_id == half)
    await _shift(floor, half, monday, 10, 2)
    response = await manager.get(
        f"/api/v1/planning/pools/{floor.pool_id}/requirements",
        params={"from": monday.isoformat(), "days": 1, "interval": 60},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["timezone"] == "America/Sao_Paulo" and len(body["intervals"]) == 24
    # Only client A's queue is within the account manager's reach, and the pool alone serves it.
    assert [q["queueId"] for q in body["queues"]] == [str(floor.queue_a)]
    night, ten, eight_pm = _at(body["intervals"], 3), _at(body["intervals"], 10), _at(body["intervals"], 20)
    assert night["required"] == 0 and night["expectedServiceLevel"] is None
    assert ten["required"] >= 1 and ten["scheduled"] == 1.5
    assert ten["gap"] == pytest.approx(ten["scheduled"] - ten["required"])
    assert 0 <= ten["expectedServiceLevel"] <= 1
    assert eight_pm["scheduled"] == 0

    exported = await manager.get(
        f"/api/v1/planning/pools/{floor.pool_id}/requirements.csv",
        params={"from": monday.isoformat(), "days": 1, "interval": 30},
    )
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(rows) == 48 and rows[0]["interval_start"].endswith("-03:00")
    assert set(rows[0]) == {
        "pool_id",
        "interval_start",
        "interval_minutes",
        "volume",
        "required",
        "scheduled",
        "gap",
        "expected_service_level",
    }


async def test_a_queue_served_by_two_pools_is_split_evenly(floor: Floor) -> None:
    manager, monday = await _planned_floor(floor)
    url = f"/api/v1/planning/pools/{floor.pool_id}/requirements"
    params = {"from": monday.isoformat(), "days": 1, "interval": 60}
    alone = _at((await manager.get(url, params=params)).json()["intervals"], 10)
    async with transaction():
        other = Pool(id=uuid4(), tenant_id=floor.world.provider.id, name="Recife", timezone="America/Recife")
        await other.save()
        await QueuePool(
            id=uuid4(), tenant_id=floor.world.client_a.id, queue_id=floor.queue_a, pool_id=other.id
        ).save()
    shared = (await manager.get(url, params=params)).json()
    assert shared["queues"][0]["poolsServing"] == 2
    assert _at(shared["intervals"], 10)["required"] == pytest.approx(alone["required"] / 2, abs=0.01)


@pytest.mark.parametrize(
    ("params", "status"),
    [({"days": 0}, 400), ({"days": 40}, 400), ({"interval": 45}, 400), ({"from": "tomorrow"}, 400)],
)
async def test_bad_grid_parameters(floor: Floor, params: dict[str, Any], status: int) -> None:
    manager = await floor.world.sign_in("account_manager")
    response = await manager.get(f"/api/v1/planning/pools/{floor.pool_id}/requirements", params=params)
    assert response.status_code in {400, 422}, response.text
    assert response.json()["code"]


async def test_requirements_access(floor: Floor) -> None:
    url = f"/api/v1/planning/pools/{floor.pool_id}/requirements"
    assert (await (await floor.world.sign_in("supervisor")).get(url)).status_code == 200
    for who in ("operator", "a_admin"):
        assert (await (await floor.world.sign_in(who)).get(url)).status_code == 403
    manager = await floor.world.sign_in("account_manager")
    assert (await manager.get(f"/api/v1/planning/pools/{uuid4()}/requirements")).status_code == 404


# ---- plans -----------------------------------------------------------------------------------------------


async def _lending_pool(floor: Floor) -> tuple[UUID, UUID]:
    """A Madrid pool with a cross-trained operator at 100 %, who works Mondays 13:00-21:00 UTC."""
    async with transaction():
        madrid = Pool(id=uuid4(), tenant_id=floor.world.provider.id, name="Madrid", timezone="Europe/Madrid")
        await madrid.save()
    lender = await add_operator(floor.world, "lender", skill_id=floor.skill_id, pool_id=madrid.id)
    return madrid.id, lender


async def test_a_plan_from_draft_to_applied(floor: Floor) -> None:
    manager, monday = await _planned_floor(floor)
    madrid, lender = await _lending_pool(floor)
    seasonal = await add_operator(floor.world, "seasonal", skill_id=floor.skill_id, pool_id=madrid)
    async with transaction():  # a seasonal hire: no membership of the planned pool yet, a Madrid one ends
        await PoolMembership.delete().where(PoolMembership.operator_id == seasonal)
    for operator in (lender, seasonal):
        await _shift(floor, operator, monday, 10, 6)
    starts = datetime.combine(monday, time(0), tzinfo=SP)
    body = {
        "poolId": str(floor.pool_id),
        "name": "Year-end peak",
        "startsAt": starts.isoformat(),
        "endsAt": (starts + timedelta(days=2)).isoformat(),
        "changes": [
            {"kind": "add", "operatorId": str(seasonal)},
            {"kind": "borrow", "operatorId": str(lender), "share": 40, "fromPoolId": str(madrid)},
        ],
    }
    created = await manager.post("/api/v1/planning/plans", json=body)
    assert created.status_code == 201, created.text
    plan = created.json()
    assert plan["status"] == "draft"

    what_if = await manager.get(f"/api/v1/planning/plans/{plan['id']}/what-if")
    assert what_if.status_code == 200, what_if.text
    receiving, lending = what_if.json()["pools"]
    assert receiving["role"] == "receiving" and lending["role"] == "lending"
    eleven = _at(receiving["intervals"], 11)
    assert eleven["scheduledAfter"] == pytest.approx(eleven["scheduledBefore"] + 1.4)
    assert eleven["gapAfter"] > eleven["gapBefore"]
    assert receiving["after"]["shortHours"] <= receiving["before"]["shortHours"]
    assert receiving["after"]["serviceLevel"] >= receiving["before"]["serviceLevel"]
    assert lending["after"]["scheduledHours"] == pytest.approx(lending["before"]["scheduledHours"] - 0.4 * 6)

    assert (await manager.post(f"/api/v1/planning/plans/{plan['id']}/apply")).status_code == 409
    approved = await manager.post(f"/api/v1/planning/plans/{plan['id']}/approve")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert (
        await manager.patch(f"/api/v1/planning/plans/{plan['id']}", json={"name": "x"})
    ).status_code == 409
    applied = await manager.post(f"/api/v1/planning/plans/{plan['id']}/apply")
    assert applied.status_code == 200, applied.text
    assert applied.json()["status"] == "applied"

    joined = await PoolMembership.select().where(PoolMembership.pool_id == floor.pool_id)
    seasonal_rows = [r for r in joined if r["operator_id"] in (seasonal, lender)]
    assert {(r["operator_id"], r["share"], r["kind"]) for r in seasonal_rows} == {
        (seasonal, 100, "seasonal"),
        (lender, 40, "seasonal"),
    }
    assert all(r["valid_until"] == (starts + timedelta(days=2)).astimezone(UTC) for r in seasonal_rows)
    lent = await PoolMembership.select().where(
        (PoolMembership.pool_id == madrid) & (PoolMembership.operator_id == lender)
    )
    assert sorted(r["share"] for r in lent) == [60, 100, 100]

    events = (await manager.get(f"/api/v1/planning/plans/{plan['id']}/events")).json()["items"]
    assert [e["kind"] for e in events] == ["created", "approved", "applied"]
    assert all(e["actorUserId"] == str(floor.world.people["account_manager"].user_id) for e in events)
    assert len(events[2]["data"]["memberships"]["created"]) == 4
    assert (await manager.post(f"/api/v1/planning/plans/{plan['id']}/cancel")).status_code == 409


async def test_a_plan_the_roster_refuses_stays_a_draft(floor: Floor) -> None:
    manager = await floor.world.sign_in("account_manager")
    madrid, lender = await _lending_pool(floor)
    starts = datetime.now(UTC) + timedelta(days=3)
    body = {
        "poolId": str(floor.pool_id),
        "name": "Too much",
        "startsAt": starts.isoformat(),
        "endsAt": (starts + timedelta(days=5)).isoformat(),
        # The floor's operator is already in the pool; the lender cannot lend more than it has.
        "changes": [{"kind": "add", "operatorId": str(floor.operators["operator"])}],
    }
    plan = (await manager.post("/api/v1/planning/plans", json=body)).json()
    refused = await manager.post(f"/api/v1/planning/plans/{plan['id']}/approve")
    assert refused.status_code == 409
    assert refused.json()["errors"][0] == {
        "field": "changes[0].operatorId",
        "code": "already_member",
        "message": "Already a member of the pool then.",
    }
    assert (await manager.get(f"/api/v1/planning/plans/{plan['id']}")).json()["status"] == "draft"
    fixed = await manager.patch(
        f"/api/v1/planning/plans/{plan['id']}",
        json={
            "changes": [{"kind": "borrow", "operatorId": str(lender), "share": 30, "fromPoolId": str(madrid)}]
        },
    )
    assert fixed.status_code == 200
    assert (await manager.post(f"/api/v1/planning/plans/{plan['id']}/cancel")).json()["status"] == "cancelled"
    kinds = [
        e["kind"] for e in (await manager.get(f"/api/v1/planning/plans/{plan['id']}/events")).json()["items"]
    ]
    assert kinds == ["created", "updated", "cancelled"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "borrow", "operatorId": "OP", "share": 30}, "changes[0].fromPoolId"),
        ({"kind": "add", "operatorId": "OP", "fromPoolId": "POOL"}, "changes[0].fromPoolId"),
        ({"kind": "add", "operatorId": str(UUID(int=5))}, "changes[0].operatorId"),
        ({"kind": "borrow", "operatorId": "OP", "fromPoolId": "POOL"}, "changes[0].fromPoolId"),
        ({"kind": "hire", "operatorId": "OP"}, "changes[0].kind"),
        ({"kind": "add", "operatorId": "OP", "share": 0}, "changes[0].share"),
    ],
)
async def test_bad_plans_are_refused(floor: Floor, change: dict[str, Any], field: str) -> None:
    manager = await floor.world.sign_in("account_manager")
    filled = {
        k: str(floor.operators["operator"]) if v == "OP" else str(floor.pool_id) if v == "POOL" else v
        for k, v in change.items()
    }
    starts = datetime.now(UTC) + timedelta(days=1)
    response = await manager.post(
        "/api/v1/planning/plans",
        json={
            "poolId": str(floor.pool_id),
            "name": "x",
            "startsAt": starts.isoformat(),
            "endsAt": (starts + timedelta(days=1)).isoformat(),
            "changes": [filled],
        },
    )
    assert response.status_code in {400, 422}, response.text
    fields = [e["field"] for e in response.json()["errors"]]
    assert any(f.endswith(field.split(".", 1)[1]) or f == field for f in fields), fields


async def test_plans_access(floor: Floor) -> None:
    manager = await floor.world.sign_in("account_manager")
    starts = datetime.now(UTC) + timedelta(days=1)
    body = {
        "poolId": str(floor.pool_id),
        "name": "x",
        "startsAt": starts.isoformat(),
        "endsAt": (starts + timedelta(days=1)).isoformat(),
        "changes": [{"kind": "remove", "operatorId": str(floor.operators["operator"])}],
    }
    plan = (await manager.post("/api/v1/planning/plans", json=body)).json()
    supervisor = await floor.world.sign_in("supervisor")
    assert (await supervisor.get(f"/api/v1/planning/plans/{plan['id']}")).status_code == 200
    assert (await supervisor.post("/api/v1/planning/plans", json=body)).status_code == 403
    assert (await supervisor.post(f"/api/v1/planning/plans/{plan['id']}/approve")).status_code == 403
    client = await floor.world.sign_in("a_admin")
    assert (await client.get(f"/api/v1/planning/plans/{plan['id']}")).status_code == 403
    assert (await manager.get(f"/api/v1/planning/plans/{uuid4()}")).status_code == 404
    assert (await manager.post(f"/api/v1/planning/plans/{uuid4()}/approve")).status_code == 404
