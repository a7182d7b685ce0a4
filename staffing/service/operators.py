"""Operators: provider users who take work, with their skills (and levels), capacity and status."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import msgspec
from piccolo.custom_types import Combinable

from retaguarda.auth import Role
from retaguarda.db import is_postgres
from retaguarda.errors import Conflict, FieldError, InvalidInput, NotFound
from retaguarda.integrity import refuse_if_referenced
from retaguarda.listing import keyset_page
from retaguarda.tenancy import TenantContext
from staffing.schemas import (
    OperatorCreate,
    OperatorRead,
    OperatorSkillLevel,
    OperatorSkillRead,
    OperatorStatus,
    OperatorUpdate,
)
from staffing.service.owner import roster_owner, unless_taken
from staffing.service.periods import covering
from staffing.tables import Operator, OperatorSkill, PoolMembership, Shift, Skill
from tenants.tables import Membership

# Provider roles whose people take tasks: supervisors also work queues at peak.
WORKING_ROLES = (Role.OPERATOR.value, Role.SUPERVISOR.value)
USER_TAKEN = FieldError("userId", "taken", "This user is already an operator.")


def _query(ctx: TenantContext) -> Any:
    return ctx.select(
        Operator, *Operator.all_columns(), Operator.user_id.email, Operator.user_id.display_name
    )


async def _skills_of(ctx: TenantContext, operator_ids: list[UUID]) -> dict[UUID, list[OperatorSkillRead]]:
    if not operator_ids:
        return {}
    rows = await (
        ctx.select(
            OperatorSkill,
            OperatorSkill.operator_id,
            OperatorSkill.skill_id,
            OperatorSkill.skill_id.code,
            OperatorSkill.level,
        )
        .where(OperatorSkill.operator_id.is_in(operator_ids))
        .order_by(OperatorSkill.skill_id.code)
    )
    found: dict[UUID, list[OperatorSkillRead]] = {}
    for row in rows:
        found.setdefault(row["operator_id"], []).append(
            OperatorSkillRead(skill_id=row["skill_id"], code=row["skill_id.code"], level=row["level"])
        )
    return found


async def _reads(ctx: TenantContext, rows: list[dict[str, Any]]) -> list[OperatorRead]:
    skills = await _skills_of(ctx, [row["id"] for row in rows])
    return [
        OperatorRead(
            id=row["id"],
            tenant_id=row["tenant_id"],
            user_id=row["user_id"],
            email=row["user_id.email"],
            display_name=row["user_id.display_name"],
            capacity=row["capacity"],
            status=row["status"],
            skills=skills.get(row["id"], []),
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )
        for row in rows
    ]


async def find_operator(ctx: TenantContext, condition: Combinable) -> OperatorRead | None:
    rows = await _query(ctx).where(condition).limit(1)
    reads = await _reads(ctx, rows)
    return reads[0] if reads else None


async def get_operator(ctx: TenantContext, operator_id: UUID) -> OperatorRead:
    found = await find_operator(ctx, Operator.id == operator_id)
    if found is None:
        raise NotFound()
    return found


async def require_operator(
    ctx: TenantContext, operator_id: UUID, *, field: str = "operatorId", lock: bool = False
) -> Operator:
    """The operator a request body names (404 naming the field when unknown). With ``lock``, the row is
    locked until commit: checks of one operator's periods (memberships, shifts) must not interleave, or two
    requests could each see no overlap and both insert. On SQLite the write transaction already serialises
    writers."""
    query = ctx.objects(Operator).where(Operator.id == operator_id)
    if lock and is_postgres():
        query = query.lock_rows("UPDATE")
    operator = await query.first()
    if operator is None:
        raise NotFound(errors=[FieldError(field, "not_found", "No such operator.")])
    return operator


async def list_operators(
    ctx: TenantContext,
    *,
    status: OperatorStatus | None,
    pool_id: UUID | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[OperatorRead], str | None]:
    query = _query(ctx)
    if status is not None:
        query = query.where(Operator.status == status)
    if pool_id is not None:
        # Members of the pool now, whether permanent or reinforcing it this season.
        members = ctx.select(PoolMembership, PoolMembership.operator_id).where(
            (PoolMembership.pool_id == pool_id)
            & covering(PoolMembership.valid_from, PoolMembership.valid_until, datetime.now(UTC))
        )
        query = query.where(Operator.id.is_in(members))
    rows, next_cursor = await keyset_page(query, Operator, cursor, limit, dict)
    return await _reads(ctx, rows), next_cursor


async def _check_user(ctx: TenantContext, tenant_id: UUID, user_id: UUID) -> None:
    works_here = await ctx.exists(Membership).where(
        (Membership.tenant_id == tenant_id)
        & (Membership.user_id == user_id)
        & Membership.role.is_in(list(WORKING_ROLES))
    )
    if not works_here:
        raise InvalidInput(
            errors=[
                FieldError("userId", "not_an_operator", "This user is not an operator or supervisor here.")
            ]
        )


async def _check_skills(ctx: TenantContext, tenant_id: UUID, levels: list[OperatorSkillLevel]) -> None:
    seen: set[UUID] = set()
    for index, level in enumerate(levels):
        if level.skill_id in seen:
            raise InvalidInput(
                errors=[FieldError(f"skills[{index}].skillId", "duplicate", "This skill is listed twice.")]
            )
        seen.add(level.skill_id)
    if not seen:
        return
    rows = await ctx.select(Skill, Skill.id).where(
        (Skill.tenant_id == tenant_id) & Skill.id.is_in(list(seen))
    )
    known = {row["id"] for row in rows}
    unknown = [
        FieldError(f"skills[{index}].skillId", "not_found", "No such skill.")
        for index, level in enumerate(levels)
        if level.skill_id not in known
    ]
    if unknown:
        raise NotFound(errors=unknown)


async def _replace_skills(
    ctx: TenantContext, tenant_id: UUID, operator_id: UUID, levels: list[OperatorSkillLevel]
) -> None:
    await ctx.delete(OperatorSkill).where(OperatorSkill.operator_id == operator_id)
    rows = [
        OperatorSkill(
            id=uuid4(),
            tenant_id=tenant_id,
            operator_id=operator_id,
            skill_id=level.skill_id,
            level=level.level,
        )
        for level in levels
    ]
    await ctx.insert(*rows)


async def create_operator(ctx: TenantContext, data: OperatorCreate) -> OperatorRead:
    tenant_id = roster_owner(ctx)
    await _check_user(ctx, tenant_id, data.user_id)
    if await ctx.exists(Operator).where(
        (Operator.tenant_id == tenant_id) & (Operator.user_id == data.user_id)
    ):
        raise Conflict(errors=[USER_TAKEN])
    await _check_skills(ctx, tenant_id, data.skills)
    operator = Operator(
        id=uuid4(), tenant_id=tenant_id, user_id=data.user_id, capacity=data.capacity, status=data.status
    )
    await unless_taken(ctx.insert(operator), USER_TAKEN)
    await _replace_skills(ctx, tenant_id, operator.id, data.skills)
    return await get_operator(ctx, operator.id)


async def update_operator(ctx: TenantContext, operator_id: UUID, data: OperatorUpdate) -> OperatorRead:
    current = await get_operator(ctx, operator_id)
    changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
    skills = changes.pop("skills", None)
    if skills is not None:
        await _check_skills(ctx, current.tenant_id, skills)
        await _replace_skills(ctx, current.tenant_id, operator_id, skills)
    if changes or skills is not None:
        changes["updated_at"] = datetime.now(UTC)
        await ctx.update(Operator, changes).where(Operator.id == operator_id)
    return await get_operator(ctx, operator_id)


async def delete_operator(ctx: TenantContext, operator_id: UUID) -> None:
    """The operator and everything that only describes them: skills, pool memberships, shifts. An operator
    whose work is on record (time entries) stays: that record is what clients are billed for."""
    await get_operator(ctx, operator_id)
    await refuse_if_referenced(Operator, operator_id)
    await ctx.delete(Shift).where(Shift.operator_id == operator_id)
    await ctx.delete(PoolMembership).where(PoolMembership.operator_id == operator_id)
    await ctx.delete(OperatorSkill).where(OperatorSkill.operator_id == operator_id)
    await ctx.delete(Operator).where(Operator.id == operator_id)
