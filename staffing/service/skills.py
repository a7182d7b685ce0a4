"""Skills: what operators can do and what task types will require, coded per provider."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import msgspec

from retaguarda.errors import Conflict, FieldError, NotFound
from retaguarda.integrity import StillReferenced, refuse_if_referenced
from retaguarda.listing import keyset_page
from retaguarda.tenancy import TenantContext
from retaguarda.wire import from_row
from staffing.schemas import SkillCreate, SkillRead, SkillUpdate
from staffing.service.owner import roster_owner, unless_taken
from staffing.tables import OperatorSkill, Skill

CODE_TAKEN = FieldError("code", "taken", "A skill with this code exists.")


def _read(row: dict[str, Any]) -> SkillRead:
    return from_row(row, SkillRead)


async def list_skills(
    ctx: TenantContext, *, cursor: str | None, limit: int
) -> tuple[list[SkillRead], str | None]:
    return await keyset_page(ctx.select(Skill), Skill, cursor, limit, _read)


async def get_skill(ctx: TenantContext, skill_id: UUID) -> SkillRead:
    row = await ctx.select(Skill).where(Skill.id == skill_id).first()
    if row is None:
        raise NotFound()
    return _read(row)


async def _code_taken(ctx: TenantContext, tenant_id: UUID, code: str) -> bool:
    return bool(await ctx.exists(Skill).where((Skill.tenant_id == tenant_id) & (Skill.code == code)))


async def create_skill(ctx: TenantContext, data: SkillCreate) -> SkillRead:
    tenant_id = roster_owner(ctx)
    if await _code_taken(ctx, tenant_id, data.code):
        raise Conflict(errors=[CODE_TAKEN])
    skill = Skill(id=uuid4(), tenant_id=tenant_id, code=data.code, name=data.name)
    await unless_taken(ctx.insert(skill), CODE_TAKEN)
    return await get_skill(ctx, skill.id)


async def update_skill(ctx: TenantContext, skill_id: UUID, data: SkillUpdate) -> SkillRead:
    current = await get_skill(ctx, skill_id)
    changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
    if changes.get("code", current.code) != current.code and await _code_taken(
        ctx, current.tenant_id, changes["code"]
    ):
        raise Conflict(errors=[CODE_TAKEN])
    if changes:
        await unless_taken(ctx.update(Skill, changes).where(Skill.id == skill_id).run(), CODE_TAKEN)
    return await get_skill(ctx, skill_id)


async def delete_skill(ctx: TenantContext, skill_id: UUID) -> None:
    await get_skill(ctx, skill_id)
    holders = await ctx.count(OperatorSkill).where(OperatorSkill.skill_id == skill_id)
    if holders:
        # Removing a skill from operators silently would change which tasks reach them.
        raise StillReferenced(f"{holders} operator(s) hold this skill; remove it from them first.")
    await refuse_if_referenced(Skill, skill_id)  # task types that require it
    await ctx.delete(Skill).where(Skill.id == skill_id)
