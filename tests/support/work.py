"""A working floor for tests: a skill, a pool serving a queue of each client, operators in it, task types."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx

from retaguarda.auth import Role
from retaguarda.db import transaction
from retaguarda.work.tables import Queue, QueuePool, TaskType
from staffing.tables import Operator, OperatorSkill, Pool, PoolMembership, Skill
from tenants.tables import Membership, User
from tests.support.world import World, password_hash

FIELDS: list[dict[str, Any]] = [
    {"key": "supplier", "kind": "text", "labels": {"en": "Supplier"}, "required": True},
    {"key": "amount", "kind": "money", "labels": {"en": "Amount"}, "required": True},
    {"key": "due", "kind": "date", "labels": {"en": "Due date"}},
]


@dataclass
class Floor:
    world: World
    skill_id: UUID
    pool_id: UUID
    queue_a: UUID
    queue_b: UUID
    type_a: UUID
    type_b: UUID
    operators: dict[str, UUID] = field(default_factory=dict)

    async def operator_client(self, key: str) -> httpx.AsyncClient:
        return await self.world.sign_in(key)

    async def submit(self, client: httpx.AsyncClient, **overrides: Any) -> httpx.Response:
        body = {"taskType": "payable", "payload": {"supplier": "ACME", "amount": "1234.56"}, **overrides}
        return await client.post("/api/v1/tasks", json=body)


async def add_operator(
    world: World, key: str, *, skill_id: UUID | None, pool_id: UUID, capacity: int = 1
) -> UUID:
    """A provider user with an operator record, the skill, and a permanent membership of the pool."""
    user = User(id=uuid4(), email=f"{key}@example.test", display_name=key, password_hash=password_hash())
    await user.save()
    await Membership(
        id=uuid4(), tenant_id=world.provider.id, user_id=user.id, role=Role.OPERATOR.value
    ).save()
    operator = Operator(
        id=uuid4(), tenant_id=world.provider.id, user_id=user.id, capacity=capacity, status="available"
    )
    await operator.save()
    if skill_id is not None:
        await OperatorSkill(
            id=uuid4(), tenant_id=world.provider.id, operator_id=operator.id, skill_id=skill_id, level=3
        ).save()
    await PoolMembership(
        id=uuid4(),
        tenant_id=world.provider.id,
        pool_id=pool_id,
        operator_id=operator.id,
        valid_from=datetime.now(UTC) - timedelta(days=1),
    ).save()
    from tests.support.world import Person

    world.people[key] = Person(user.email, user.id, world.provider.id, Role.OPERATOR)
    return operator.id


async def build_floor(world: World) -> Floor:
    async with transaction():
        skill = Skill(id=uuid4(), tenant_id=world.provider.id, code="finance", name="Finance")
        await skill.save()
        pool = Pool(id=uuid4(), tenant_id=world.provider.id, name="SP", timezone="America/Sao_Paulo")
        await pool.save()
        queues = {}
        types = {}
        for tenant in (world.client_a, world.client_b):
            queue = Queue(id=uuid4(), tenant_id=tenant.id, code="default", name="Default")
            await queue.save()
            await QueuePool(id=uuid4(), tenant_id=tenant.id, queue_id=queue.id, pool_id=pool.id).save()
            task_type = TaskType(
                id=uuid4(),
                tenant_id=tenant.id,
                code="payable",
                names={"en": "Pay a bill"},
                fields=FIELDS,
                required_skill_id=skill.id,
                expected_handle_s=300,
            )
            await task_type.save()
            queues[tenant.id], types[tenant.id] = queue.id, task_type.id
        floor = Floor(
            world,
            skill.id,
            pool.id,
            queues[world.client_a.id],
            queues[world.client_b.id],
            types[world.client_a.id],
            types[world.client_b.id],
        )
        # The world's operator works the floor too.
        operator = Operator(
            id=uuid4(),
            tenant_id=world.provider.id,
            user_id=world.people["operator"].user_id,
            capacity=2,
            status="available",
        )
        await operator.save()
        await OperatorSkill(
            id=uuid4(), tenant_id=world.provider.id, operator_id=operator.id, skill_id=skill.id, level=3
        ).save()
        await PoolMembership(
            id=uuid4(),
            tenant_id=world.provider.id,
            pool_id=pool.id,
            operator_id=operator.id,
            valid_from=datetime.now(UTC) - timedelta(days=30),
        ).save()
        floor.operators["operator"] = operator.id
    return floor
