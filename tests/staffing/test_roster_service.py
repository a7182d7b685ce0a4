"""What the work layer asks the roster (active pools, a user's operator record), and the demo roster."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from retaguarda.auth import Role
from retaguarda.db import transaction
from retaguarda.tenancy import TenantContext, system_context
from staffing.service import roster
from staffing.service.demo import SKILLS, load_roster_demo
from staffing.tables import Operator, OperatorSkill, Pool, PoolMembership, Shift, Skill
from tenants.tables import Membership, User
from tests.staffing.builders import join, make_operator, make_pool, make_skill
from tests.support.world import World, password_hash

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def _at(days: int) -> str:
    return (NOW + timedelta(days=days)).isoformat()


async def test_active_pool_ids_follow_the_membership_periods(world: World) -> None:
    admin = await world.sign_in("admin")
    operator = await make_operator(admin, world)
    other = await make_operator(admin, world, "supervisor")
    names = ["permanent", "ended", "future", "current", "left", "others"]
    pools = {name: (await make_pool(admin, {"name": name, "timezone": "UTC"}))["id"] for name in names}
    memberships: dict[str, dict[str, Any]] = {
        "permanent": {"validFrom": _at(-400)},
        "ended": {"kind": "seasonal", "validFrom": _at(-90), "validUntil": _at(-30)},
        "future": {"kind": "seasonal", "validFrom": _at(3), "validUntil": _at(40)},
        "current": {"kind": "seasonal", "validFrom": _at(-3), "validUntil": _at(40), "share": 30},
        "left": {"validFrom": _at(-400), "validUntil": _at(-1)},
    }
    for name, fields in memberships.items():
        assert (await join(admin, pools[name], operator["id"], **fields)).status_code == 201
    assert (await join(admin, pools["others"], other["id"], validFrom=_at(-400))).status_code == 201
    ctx = system_context()
    operator_id = UUID(operator["id"])
    assert set(await roster.active_pool_ids(ctx, operator_id, NOW)) == {
        UUID(pools["permanent"]),
        UUID(pools["current"]),
    }
    # validFrom is inclusive, validUntil exclusive.
    assert UUID(pools["future"]) in await roster.active_pool_ids(ctx, operator_id, NOW + timedelta(days=3))
    assert UUID(pools["left"]) not in await roster.active_pool_ids(ctx, operator_id, NOW - timedelta(days=1))
    assert UUID(pools["left"]) in await roster.active_pool_ids(
        ctx, operator_id, NOW - timedelta(days=1, microseconds=1)
    )
    assert await roster.active_pool_ids(ctx, operator_id, NOW - timedelta(days=500)) == []
    assert await roster.active_pool_ids(ctx, uuid4(), NOW) == []


async def test_operator_for_user(world: World) -> None:
    admin = await world.sign_in("admin")
    fiscal = await make_skill(admin, "fiscal")
    created = await make_operator(admin, world, capacity=2, skills=[{"skillId": fiscal["id"], "level": 4}])
    found = await roster.operator_for_user(
        system_context(world.provider.id), world.people["operator"].user_id
    )
    assert found is not None
    assert str(found.id) == created["id"] and found.capacity == 2
    assert [(s.code, s.level) for s in found.skills] == [("fiscal", 4)]
    assert await roster.operator_for_user(system_context(), world.people["supervisor"].user_id) is None


async def _demo_people(world: World) -> None:
    for email, role in (
        ("operador@retaguarda.demo", Role.OPERATOR),
        ("supervisora@retaguarda.demo", Role.SUPERVISOR),
    ):
        user = User(id=uuid4(), email=email, display_name=email.split("@")[0], password_hash=password_hash())
        await user.save()
        await Membership(id=uuid4(), tenant_id=world.provider.id, user_id=user.id, role=role.value).save()


async def _counts() -> dict[str, int]:
    tables = (Skill, Pool, Operator, OperatorSkill, PoolMembership, Shift)
    return {table.__name__: await table.count() for table in tables}


@pytest.mark.parametrize("scoped", [True, False])
async def test_the_demo_roster_loads_once(world: World, scoped: bool) -> None:
    await _demo_people(world)

    def context() -> TenantContext:
        return system_context(world.provider.id) if scoped else system_context()

    async with transaction():
        await load_roster_demo(context(), world.provider.id)
    first = await _counts()
    assert first["Skill"] == len(SKILLS) and first["Pool"] == 2 and first["Operator"] == 2
    assert first["PoolMembership"] == 3  # two permanent, one seasonal reinforcement
    assert first["Shift"] == 10  # a working week each
    async with transaction():
        await load_roster_demo(context(), world.provider.id)
    assert await _counts() == first
    assert await Skill.count().where(Skill.tenant_id != world.provider.id) == 0
    # The demo operator works from São Paulo now.
    user = await User.objects().where(User.email == "operador@retaguarda.demo").first()
    assert user is not None
    operator = await roster.operator_for_user(system_context(), user.id)
    assert operator is not None and operator.status == "available"
    pool_ids = await roster.active_pool_ids(system_context(), operator.id, datetime.now(UTC))
    names = [row["name"] for row in await Pool.select(Pool.name).where(Pool.id.is_in(pool_ids))]
    assert names == ["São Paulo back office"]


async def test_the_demo_roster_skips_missing_people(world: World) -> None:
    async with transaction():
        await load_roster_demo(system_context(), world.provider.id)
    counts = await _counts()
    assert counts["Operator"] == 0 and counts["Skill"] == len(SKILLS) and counts["Pool"] == 2
