"""Tasks, time entries and contracts for billing tests, written straight to the tables."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx

from retaguarda.db import transaction
from retaguarda.work.tables import Task, TaskType, TimeEntry
from tests.support.work import Floor

BASE_TERMS: dict[str, Any] = {"defaultHourlyRate": "100.00"}


async def add_work(
    floor: Floor,
    tenant_id: UUID,
    started_at: datetime,
    seconds: int,
    *,
    task_type_id: UUID | None = None,
    operator: str = "operator",
) -> UUID:
    """A done task with one closed, billable time entry."""
    queue = floor.queue_a if tenant_id == floor.world.client_a.id else floor.queue_b
    type_id = task_type_id or (floor.type_a if tenant_id == floor.world.client_a.id else floor.type_b)
    async with transaction():
        task = Task(
            id=uuid4(),
            tenant_id=tenant_id,
            queue_id=queue,
            task_type_id=type_id,
            status="done",
            required_skill_id=floor.skill_id,
            completed_at=started_at + timedelta(seconds=seconds),
        )
        await task.save()
        entry = TimeEntry(
            id=uuid4(),
            tenant_id=tenant_id,
            task_id=task.id,
            operator_id=floor.operators[operator],
            started_at=started_at,
            ended_at=started_at + timedelta(seconds=seconds),
            seconds=seconds,
        )
        await entry.save()
    return entry.id


async def add_item_type(tenant_id: UUID, code: str = "boleto") -> UUID:
    task_type = TaskType(
        id=uuid4(), tenant_id=tenant_id, code=code, names={"en": "Boleto", "pt_BR": "Boleto"}
    )
    await task_type.save()
    return task_type.id


async def add_contract(
    client: httpx.AsyncClient,
    tenant_id: UUID,
    terms: dict[str, Any] | None = None,
    effective_from: str = "2026-01-01",
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/billing/contracts",
        json={
            "tenantId": str(tenant_id),
            "effectiveFrom": effective_from,
            "terms": {**BASE_TERMS, **(terms or {})},
        },
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def at(day: date, hour: int, minute: int = 0, offset_h: int = 3) -> datetime:
    """A wall time in São Paulo (UTC-3) as a UTC instant."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) + timedelta(hours=offset_h)
