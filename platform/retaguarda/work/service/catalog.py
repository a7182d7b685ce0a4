"""Task types (typed fields, or made from the shipped templates) and queues with the pools serving them."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import msgspec

from retaguarda.clock import now
from retaguarda.db import json_value
from retaguarda.errors import Conflict, FieldError, InvalidInput, NotFound
from retaguarda.i18n import SUPPORTED_LOCALES
from retaguarda.listing import keyset_page
from retaguarda.tenancy import TenantContext, owning_client
from retaguarda.wire import from_row
from retaguarda.work.fields import FieldSpec, check_field_specs
from retaguarda.work.schemas import (
    QueueCreate,
    QueueRead,
    QueueUpdate,
    TaskTypeCreate,
    TaskTypeFromTemplate,
    TaskTypeRead,
    TaskTypeUpdate,
)
from retaguarda.work.sla.tables import SlaPolicy
from retaguarda.work.tables import Queue, QueuePool, TaskType
from retaguarda.work.templates import get_template
from staffing.tables import Pool, Skill


def type_read(row: dict[str, Any]) -> TaskTypeRead:
    return from_row(
        row,
        TaskTypeRead,
        names=json_value(row["names"]),
        fields=msgspec.convert(json_value(row["fields"]), list[FieldSpec]),
    )


def _check_names(names: dict[str, str]) -> list[FieldError]:
    errors = [
        FieldError(f"names.{k}", "unsupported_locale", "Use en, pt_BR or es.")
        for k in names
        if k not in SUPPORTED_LOCALES
    ]
    if "en" not in names:
        errors.append(FieldError("names.en", "required", "An English name is required."))
    return errors


async def _check_skill(skill_id: UUID | None) -> list[FieldError]:
    # Skills belong to the provider's roster, not to the client: any existing skill may be required.
    if skill_id is not None and not await Skill.exists().where(
        Skill.id == skill_id
    ):  # scope: provider roster
        return [FieldError("requiredSkillId", "not_found", "No such skill.")]
    return []


async def _check_policy(ctx: TenantContext, tenant_id: UUID, policy_id: UUID | None) -> list[FieldError]:
    if policy_id is None or await ctx.exists(SlaPolicy).where(
        (SlaPolicy.id == policy_id) & (SlaPolicy.tenant_id == tenant_id)
    ):
        return []
    return [FieldError("slaPolicyId", "not_found", "No such SLA policy for this client.")]


async def list_task_types(
    ctx: TenantContext, *, tenant_id: UUID | None, active: bool | None, cursor: str | None, limit: int
) -> tuple[list[TaskTypeRead], str | None]:
    query = ctx.select(TaskType)
    if tenant_id is not None:
        query = query.where(TaskType.tenant_id == tenant_id)
    if active is not None:
        query = query.where(TaskType.active == active)
    return await keyset_page(query, TaskType, cursor, limit, type_read)


async def get_task_type(ctx: TenantContext, type_id: UUID) -> TaskTypeRead:
    row = await ctx.select(TaskType).where(TaskType.id == type_id).first()
    if row is None:
        raise NotFound()
    return type_read(row)


async def find_task_type(ctx: TenantContext, tenant_id: UUID, code: str) -> TaskTypeRead | None:
    row = (
        await ctx.select(TaskType).where((TaskType.tenant_id == tenant_id) & (TaskType.code == code)).first()
    )
    return type_read(row) if row else None


async def create_task_type(ctx: TenantContext, data: TaskTypeCreate) -> TaskTypeRead:
    tenant_id = owning_client(ctx, data.tenant_id)
    errors = [
        *_check_names(data.names),
        *check_field_specs(data.fields),
        *await _check_skill(data.required_skill_id),
        *await _check_policy(ctx, tenant_id, data.sla_policy_id),
    ]
    if errors:
        raise InvalidInput(errors=errors)
    if await find_task_type(ctx, tenant_id, data.code):
        raise Conflict(errors=[FieldError("code", "taken", "A task type with this code exists.")])
    row = TaskType(
        id=uuid4(),
        tenant_id=tenant_id,
        code=data.code,
        names=data.names,
        fields=msgspec.to_builtins(data.fields),
        family=data.family,
        required_skill_id=data.required_skill_id,
        default_priority=data.default_priority,
        expected_handle_s=data.expected_handle_s,
        unit_price_minor=data.unit_price_minor,
        sla_policy_id=data.sla_policy_id,
    )
    await ctx.insert(row)
    return await get_task_type(ctx, row.id)


async def create_task_type_from_template(ctx: TenantContext, data: TaskTypeFromTemplate) -> TaskTypeRead:
    template = get_template(data.template)
    if template is None:
        raise InvalidInput(errors=[FieldError("template", "not_found", "No template with this code.")])
    tenant_id = owning_client(ctx, data.tenant_id)
    # scope: skills belong to the provider's roster
    skill = await Skill.select(Skill.id).where(Skill.code == template.skill_code).first()
    return await create_task_type(
        ctx,
        TaskTypeCreate(
            code=data.code or template.code,
            names=dict(template.names),
            fields=list(template.fields),
            family=template.family,
            required_skill_id=skill["id"] if skill else None,
            default_priority=template.default_priority,
            expected_handle_s=template.expected_handle_s,
            tenant_id=tenant_id,
        ),
    )


async def update_task_type(ctx: TenantContext, type_id: UUID, data: TaskTypeUpdate) -> TaskTypeRead:
    current = await get_task_type(ctx, type_id)
    changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
    errors = [
        *(
            await _check_policy(ctx, current.tenant_id, changes["sla_policy_id"])
            if "sla_policy_id" in changes
            else []
        ),
        *(_check_names(changes["names"]) if "names" in changes else []),
        *(check_field_specs(changes["fields"]) if "fields" in changes else []),
        *(await _check_skill(changes["required_skill_id"]) if "required_skill_id" in changes else []),
    ]
    if errors:
        raise InvalidInput(errors=errors)
    if "fields" in changes:
        changes["fields"] = msgspec.to_builtins(changes["fields"])
    if changes:
        await ctx.update(TaskType, {**changes, "updated_at": now()}).where(TaskType.id == type_id)
    return await get_task_type(ctx, type_id)


# ---- queues ---------------------------------------------------------------------------------------------


async def _queue_reads(ctx: TenantContext, rows: list[dict[str, Any]]) -> list[QueueRead]:
    ids = [row["id"] for row in rows]
    served: dict[UUID, list[UUID]] = {i: [] for i in ids}
    if ids:
        for link in (
            await ctx.select(QueuePool).where(QueuePool.queue_id.is_in(ids)).order_by(QueuePool.created_at)
        ):
            served[link["queue_id"]].append(link["pool_id"])
    return [
        QueueRead(
            id=r["id"],
            tenant_id=r["tenant_id"],
            code=r["code"],
            name=r["name"],
            pool_ids=served[r["id"]],
            created_at=r["created_at"],
        )
        for r in rows
    ]


async def list_queues(
    ctx: TenantContext, *, tenant_id: UUID | None, cursor: str | None, limit: int
) -> tuple[list[QueueRead], str | None]:
    query = ctx.select(Queue)
    if tenant_id is not None:
        query = query.where(Queue.tenant_id == tenant_id)
    items, next_cursor = await keyset_page(query, Queue, cursor, limit, dict)
    return await _queue_reads(ctx, items), next_cursor


async def get_queue(ctx: TenantContext, queue_id: UUID) -> QueueRead:
    row = await ctx.select(Queue).where(Queue.id == queue_id).first()
    if row is None:
        raise NotFound()
    return (await _queue_reads(ctx, [row]))[0]


async def find_queue(ctx: TenantContext, tenant_id: UUID, code: str) -> dict[str, Any] | None:
    row: dict[str, Any] | None = (
        await ctx.select(Queue).where((Queue.tenant_id == tenant_id) & (Queue.code == code)).first()
    )
    return row


async def _set_pools(ctx: TenantContext, tenant_id: UUID, queue_id: UUID, pool_ids: list[UUID]) -> None:
    wanted = list(dict.fromkeys(pool_ids))
    if wanted:
        # scope: pools belong to the provider's roster
        found = {r["id"] for r in await Pool.select(Pool.id).where(Pool.id.is_in(wanted))}
        missing = [i for i, p in enumerate(wanted) if p not in found]
        if missing:
            raise InvalidInput(
                errors=[FieldError(f"poolIds[{i}]", "not_found", "No such pool.") for i in missing]
            )
    await ctx.delete(QueuePool).where(QueuePool.queue_id == queue_id)
    if wanted:
        await ctx.insert(
            *[QueuePool(id=uuid4(), tenant_id=tenant_id, queue_id=queue_id, pool_id=p) for p in wanted]
        )


async def create_queue(ctx: TenantContext, data: QueueCreate) -> QueueRead:
    tenant_id = owning_client(ctx, data.tenant_id)
    if await find_queue(ctx, tenant_id, data.code):
        raise Conflict(errors=[FieldError("code", "taken", "A queue with this code exists.")])
    queue = Queue(id=uuid4(), tenant_id=tenant_id, code=data.code, name=data.name)
    await ctx.insert(queue)
    await _set_pools(ctx, tenant_id, queue.id, data.pool_ids)
    return await get_queue(ctx, queue.id)


async def update_queue(ctx: TenantContext, queue_id: UUID, data: QueueUpdate) -> QueueRead:
    current = await get_queue(ctx, queue_id)
    if data.name is not msgspec.UNSET:
        await ctx.update(Queue, {Queue.name: data.name}).where(Queue.id == queue_id)
    if data.pool_ids is not msgspec.UNSET:
        await _set_pools(ctx, current.tenant_id, queue_id, data.pool_ids)
    return await get_queue(ctx, queue_id)
