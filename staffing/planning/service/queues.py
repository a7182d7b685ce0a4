"""The queues planning works on: who owns them, in which time zone their days run, how they are staffed
(planning's own per-queue settings, with defaults), and which pools serve them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import msgspec

from retaguarda.errors import FieldError, NotFound
from retaguarda.tenancy import TenantContext
from retaguarda.work.sla.service.policies import first_response_targets_s
from retaguarda.work.tables import Queue, QueuePool, TaskType
from staffing.planning.schemas import QueueStaffingRead, QueueStaffingUpdate, StaffingModel
from staffing.planning.tables import QueueStaffing
from tenants.tables import Tenant

# Without a row of its own a queue is back office (hours of work per interval), planned in half hours, at
# 80 % of contacts answered within 20 s should it be switched to live contacts, its operators busy at most
# 85 % of the time and 30 % of scheduled time lost to breaks, training and absence (industry rules of thumb).
DEFAULT_MODEL: StaffingModel = "workload"
DEFAULT_INTERVAL_MINUTES = 30
DEFAULT_SERVICE_LEVEL = 0.8
DEFAULT_ANSWER_TIME_S = 20
DEFAULT_MAX_OCCUPANCY = 0.85
DEFAULT_SHRINKAGE = 0.3
# A queue with no handled task yet and no task type to ask: ten minutes a task.
DEFAULT_HANDLE_S = 600.0


@dataclass(frozen=True, slots=True)
class PlannedQueue:
    id: UUID
    tenant_id: UUID
    zone: ZoneInfo
    model: StaffingModel
    interval_minutes: int
    target_service_level: float
    answer_time_s: int
    answer_time_source: str
    max_occupancy: float
    shrinkage: float
    is_default: bool
    default_aht_s: float

    def read(self) -> QueueStaffingRead:
        return QueueStaffingRead(
            queue_id=self.id,
            tenant_id=self.tenant_id,
            model=self.model,
            interval_minutes=self.interval_minutes,
            target_service_level=self.target_service_level,
            answer_time_s=self.answer_time_s,
            answer_time_source=self.answer_time_source,  # type: ignore[arg-type]
            max_occupancy=self.max_occupancy,
            shrinkage=self.shrinkage,
            is_default=self.is_default,
        )


async def _zones(ctx: TenantContext, tenant_ids: set[UUID]) -> dict[UUID, ZoneInfo]:
    rows = await ctx.select(Tenant, Tenant.id, Tenant.timezone).where(Tenant.id.is_in(list(tenant_ids)))
    return {row["id"]: ZoneInfo(row["timezone"] or "UTC") for row in rows}


async def _expected_handle(ctx: TenantContext, queue_rows: list[dict[str, Any]]) -> dict[UUID, float]:
    """Per client: the mean expected handle time of its active task types (queues take any type)."""
    tenants = list({row["tenant_id"] for row in queue_rows})
    rows = await ctx.select(TaskType, TaskType.tenant_id, TaskType.expected_handle_s).where(
        TaskType.tenant_id.is_in(tenants) & (TaskType.active == True)  # noqa: E712
    )
    found: dict[UUID, list[int]] = {}
    for row in rows:
        found.setdefault(row["tenant_id"], []).append(row["expected_handle_s"])
    return {tenant: sum(values) / len(values) for tenant, values in found.items()}


def _planned(
    row: dict[str, Any],
    settings: dict[str, Any] | None,
    zone: ZoneInfo,
    default_aht_s: float,
    sla_answer_s: int | None,
) -> PlannedQueue:
    own = settings or {}
    answer = own.get("answer_time_s")
    source = "queue" if answer is not None else "sla" if sla_answer_s is not None else "default"
    return PlannedQueue(
        id=row["id"],
        tenant_id=row["tenant_id"],
        zone=zone,
        model=own.get("model", DEFAULT_MODEL),
        interval_minutes=own.get("interval_minutes", DEFAULT_INTERVAL_MINUTES),
        target_service_level=own.get("target_service_level", DEFAULT_SERVICE_LEVEL),
        answer_time_s=answer if answer is not None else sla_answer_s or DEFAULT_ANSWER_TIME_S,
        answer_time_source=source,
        max_occupancy=own.get("max_occupancy", DEFAULT_MAX_OCCUPANCY),
        shrinkage=own.get("shrinkage", DEFAULT_SHRINKAGE),
        is_default=settings is None,
        default_aht_s=default_aht_s,
    )


async def planned_queues(ctx: TenantContext, queue_ids: list[UUID] | None = None) -> list[PlannedQueue]:
    """The queues the caller reaches (these ones when given), with their settings, in a stable order."""
    query = ctx.select(Queue, Queue.id, Queue.tenant_id).order_by(Queue.tenant_id).order_by(Queue.id)
    if queue_ids is not None:
        if not queue_ids:
            return []
        query = query.where(Queue.id.is_in(queue_ids))
    rows = await query
    if not rows:
        return []
    ids = [row["id"] for row in rows]
    settings = {
        row["queue_id"]: row
        for row in await ctx.select(QueueStaffing).where(QueueStaffing.queue_id.is_in(ids))
    }
    zones = await _zones(ctx, {row["tenant_id"] for row in rows})
    handle = await _expected_handle(ctx, rows)
    sla_answers = await first_response_targets_s(ctx, list({row["tenant_id"] for row in rows}))
    return [
        _planned(
            row,
            settings.get(row["id"]),
            zones.get(row["tenant_id"], ZoneInfo("UTC")),
            handle.get(row["tenant_id"], DEFAULT_HANDLE_S),
            sla_answers.get(row["tenant_id"]),
        )
        for row in rows
    ]


async def planned_queue(ctx: TenantContext, queue_id: UUID, *, field: str | None = None) -> PlannedQueue:
    found = await planned_queues(ctx, [queue_id])
    if not found:
        raise NotFound(errors=[FieldError(field, "not_found", "No such queue.")] if field else ())
    return found[0]


async def update_settings(ctx: TenantContext, queue_id: UUID, data: QueueStaffingUpdate) -> QueueStaffingRead:
    current = await planned_queue(ctx, queue_id)
    changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
    values: dict[str, Any] = {
        "model": current.model,
        "interval_minutes": current.interval_minutes,
        "target_service_level": current.target_service_level,
        "answer_time_s": current.answer_time_s if current.answer_time_source == "queue" else None,
        "max_occupancy": current.max_occupancy,
        "shrinkage": current.shrinkage,
        **changes,
        "updated_at": datetime.now(UTC),
    }
    if current.is_default:
        await ctx.insert(QueueStaffing(id=uuid4(), tenant_id=current.tenant_id, queue_id=queue_id, **values))
    else:
        await ctx.update(QueueStaffing, values).where(QueueStaffing.queue_id == queue_id)
    return (await planned_queue(ctx, queue_id)).read()


async def pools_serving(ctx: TenantContext, queue_ids: list[UUID]) -> dict[UUID, list[UUID]]:
    """Per queue, the pools that serve it."""
    if not queue_ids:
        return {}
    rows = await ctx.select(QueuePool, QueuePool.queue_id, QueuePool.pool_id).where(
        QueuePool.queue_id.is_in(queue_ids)
    )
    found: dict[UUID, list[UUID]] = {}
    for row in rows:
        found.setdefault(row["queue_id"], []).append(row["pool_id"])
    return found


async def queues_of_pool(ctx: TenantContext, pool_id: UUID) -> list[UUID]:
    """The queues the caller reaches that this pool serves."""
    rows = await ctx.select(QueuePool, QueuePool.queue_id).where(QueuePool.pool_id == pool_id)
    return sorted({row["queue_id"] for row in rows})
