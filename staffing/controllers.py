"""Thin Litestar controllers for the roster API under /api/v1: skills, operators, pools and their dated
memberships, shifts. Provider staff only; admins and account managers write, supervisors read, an operator
reads its own record."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from retaguarda.auth import Role, Scope, authenticated, provider_staff, requires_role, requires_scope
from retaguarda.controller_kit import CONTEXT, READ_ERRORS, WRITE_ERRORS, Ctx, Cursor, Limit, page
from retaguarda.errors import NotFound
from retaguarda.wire import DateTimeParam
from staffing.schemas import (
    MembershipCreate,
    MembershipPage,
    MembershipRead,
    MembershipUpdate,
    OperatorCreate,
    OperatorPage,
    OperatorRead,
    OperatorStatus,
    OperatorUpdate,
    PoolCreate,
    PoolPage,
    PoolRead,
    PoolUpdate,
    ShiftCreate,
    ShiftPage,
    ShiftRead,
    SkillCreate,
    SkillPage,
    SkillRead,
    SkillUpdate,
)
from staffing.service import memberships, operators, pools, roster, shifts, skills

PoolFilter = Annotated[UUID | None, QueryParameter(name="poolId")]

# Operators take work and read only their own record (GET /operators/me).
READ = [requires_role(Role.ADMIN, Role.ACCOUNT_MANAGER, Role.SUPERVISOR), requires_scope(Scope.STAFFING_READ)]
WRITE = [requires_role(Role.ADMIN, Role.ACCOUNT_MANAGER), requires_scope(Scope.STAFFING_WRITE)]


class SkillController(Controller):
    path = "/api/v1/skills"
    tags = ["Staffing"]
    guards = [authenticated, provider_staff]
    dependencies = CONTEXT

    @get("/", operation_id="listSkills", guards=READ, responses=READ_ERRORS)
    async def list_skills(self, ctx: Ctx, cursor: Cursor = None, limit: Limit = 50) -> SkillPage:
        return page(SkillPage, await skills.list_skills(ctx, cursor=cursor, limit=limit))

    @post("/", operation_id="createSkill", guards=WRITE, responses=WRITE_ERRORS)
    async def create_skill(self, ctx: Ctx, data: JSONBody[SkillCreate]) -> SkillRead:
        return await skills.create_skill(ctx, data)

    @get("/{skill_id:uuid}", operation_id="getSkill", guards=READ, responses=READ_ERRORS)
    async def get_skill(self, ctx: Ctx, skill_id: FromPath[UUID]) -> SkillRead:
        return await skills.get_skill(ctx, skill_id)

    @patch("/{skill_id:uuid}", operation_id="updateSkill", guards=WRITE, responses=WRITE_ERRORS)
    async def update_skill(
        self, ctx: Ctx, skill_id: FromPath[UUID], data: JSONBody[SkillUpdate]
    ) -> SkillRead:
        return await skills.update_skill(ctx, skill_id, data)

    @delete("/{skill_id:uuid}", operation_id="deleteSkill", guards=WRITE, responses=WRITE_ERRORS)
    async def delete_skill(self, ctx: Ctx, skill_id: FromPath[UUID]) -> None:
        await skills.delete_skill(ctx, skill_id)


class OperatorController(Controller):
    path = "/api/v1/operators"
    tags = ["Staffing"]
    guards = [authenticated, provider_staff]
    dependencies = CONTEXT

    @get("/", operation_id="listOperators", guards=READ, responses=READ_ERRORS)
    async def list_operators(
        self,
        ctx: Ctx,
        status: FromQuery[OperatorStatus | None] = None,
        pool_id: PoolFilter = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> OperatorPage:
        return page(
            OperatorPage,
            await operators.list_operators(ctx, status=status, pool_id=pool_id, cursor=cursor, limit=limit),
        )

    @post("/", operation_id="createOperator", guards=WRITE, responses=WRITE_ERRORS)
    async def create_operator(self, ctx: Ctx, data: JSONBody[OperatorCreate]) -> OperatorRead:
        return await operators.create_operator(ctx, data)

    @get(
        "/me", operation_id="getMyOperator", summary="The caller's own operator record", responses=READ_ERRORS
    )
    async def get_my_operator(self, ctx: Ctx) -> OperatorRead:
        user_id = ctx.principal.user_id
        found = await roster.operator_for_user(ctx, user_id) if user_id is not None else None
        if found is None:
            raise NotFound()
        return found

    @get("/{operator_id:uuid}", operation_id="getOperator", guards=READ, responses=READ_ERRORS)
    async def get_operator(self, ctx: Ctx, operator_id: FromPath[UUID]) -> OperatorRead:
        return await operators.get_operator(ctx, operator_id)

    @patch(
        "/{operator_id:uuid}",
        operation_id="updateOperator",
        summary="Change an operator (a `skills` list replaces the whole list)",
        guards=WRITE,
        responses=WRITE_ERRORS,
    )
    async def update_operator(
        self, ctx: Ctx, operator_id: FromPath[UUID], data: JSONBody[OperatorUpdate]
    ) -> OperatorRead:
        return await operators.update_operator(ctx, operator_id, data)

    @delete("/{operator_id:uuid}", operation_id="deleteOperator", guards=WRITE, responses=WRITE_ERRORS)
    async def delete_operator(self, ctx: Ctx, operator_id: FromPath[UUID]) -> None:
        await operators.delete_operator(ctx, operator_id)


class PoolController(Controller):
    path = "/api/v1/pools"
    tags = ["Staffing"]
    guards = [authenticated, provider_staff]
    dependencies = CONTEXT

    @get("/", operation_id="listPools", guards=READ, responses=READ_ERRORS)
    async def list_pools(self, ctx: Ctx, cursor: Cursor = None, limit: Limit = 50) -> PoolPage:
        return page(PoolPage, await pools.list_pools(ctx, cursor=cursor, limit=limit))

    @post("/", operation_id="createPool", guards=WRITE, responses=WRITE_ERRORS)
    async def create_pool(self, ctx: Ctx, data: JSONBody[PoolCreate]) -> PoolRead:
        return await pools.create_pool(ctx, data)

    @get("/{pool_id:uuid}", operation_id="getPool", guards=READ, responses=READ_ERRORS)
    async def get_pool(self, ctx: Ctx, pool_id: FromPath[UUID]) -> PoolRead:
        return await pools.get_pool(ctx, pool_id)

    @patch("/{pool_id:uuid}", operation_id="updatePool", guards=WRITE, responses=WRITE_ERRORS)
    async def update_pool(self, ctx: Ctx, pool_id: FromPath[UUID], data: JSONBody[PoolUpdate]) -> PoolRead:
        return await pools.update_pool(ctx, pool_id, data)

    @delete("/{pool_id:uuid}", operation_id="deletePool", guards=WRITE, responses=WRITE_ERRORS)
    async def delete_pool(self, ctx: Ctx, pool_id: FromPath[UUID]) -> None:
        await pools.delete_pool(ctx, pool_id)


class PoolMembershipController(Controller):
    path = "/api/v1/pools/{pool_id:uuid}/memberships"
    tags = ["Staffing"]
    guards = [authenticated, provider_staff]
    dependencies = CONTEXT

    @get("/", operation_id="listPoolMemberships", guards=READ, responses=READ_ERRORS)
    async def list_memberships(
        self,
        ctx: Ctx,
        pool_id: FromPath[UUID],
        active_at: Annotated[
            DateTimeParam | None,
            QueryParameter(name="activeAt", description="Only memberships in force then."),
        ] = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> MembershipPage:
        return page(
            MembershipPage,
            await memberships.list_memberships(ctx, pool_id, active_at=active_at, cursor=cursor, limit=limit),
        )

    @post("/", operation_id="createPoolMembership", guards=WRITE, responses=WRITE_ERRORS)
    async def create_membership(
        self, ctx: Ctx, pool_id: FromPath[UUID], data: JSONBody[MembershipCreate]
    ) -> MembershipRead:
        return await memberships.create_membership(ctx, pool_id, data)

    @get("/{membership_id:uuid}", operation_id="getPoolMembership", guards=READ, responses=READ_ERRORS)
    async def get_membership(
        self, ctx: Ctx, pool_id: FromPath[UUID], membership_id: FromPath[UUID]
    ) -> MembershipRead:
        return await memberships.get_membership(ctx, pool_id, membership_id)

    @patch(
        "/{membership_id:uuid}",
        operation_id="updatePoolMembership",
        summary="Change a membership (e.g. end a seasonal reinforcement early with `validUntil`)",
        guards=WRITE,
        responses=WRITE_ERRORS,
    )
    async def update_membership(
        self,
        ctx: Ctx,
        pool_id: FromPath[UUID],
        membership_id: FromPath[UUID],
        data: JSONBody[MembershipUpdate],
    ) -> MembershipRead:
        return await memberships.update_membership(ctx, pool_id, membership_id, data)

    @delete(
        "/{membership_id:uuid}", operation_id="deletePoolMembership", guards=WRITE, responses=WRITE_ERRORS
    )
    async def delete_membership(
        self, ctx: Ctx, pool_id: FromPath[UUID], membership_id: FromPath[UUID]
    ) -> None:
        await memberships.delete_membership(ctx, pool_id, membership_id)


class ShiftController(Controller):
    path = "/api/v1/shifts"
    tags = ["Staffing"]
    guards = [authenticated, provider_staff]
    dependencies = CONTEXT

    @get("/", operation_id="listShifts", guards=READ, responses=READ_ERRORS)
    async def list_shifts(
        self,
        ctx: Ctx,
        operator_id: Annotated[UUID | None, QueryParameter(name="operatorId")] = None,
        pool_id: PoolFilter = None,
        since: Annotated[
            DateTimeParam | None, QueryParameter(name="from", description="Shifts that end after this time.")
        ] = None,
        until: Annotated[
            DateTimeParam | None, QueryParameter(name="to", description="Shifts that start before this time.")
        ] = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> ShiftPage:
        return page(
            ShiftPage,
            await shifts.list_shifts(
                ctx,
                operator_id=operator_id,
                pool_id=pool_id,
                since=since,
                until=until,
                cursor=cursor,
                limit=limit,
            ),
        )

    @post("/", operation_id="createShift", guards=WRITE, responses=WRITE_ERRORS)
    async def create_shift(self, ctx: Ctx, data: JSONBody[ShiftCreate]) -> ShiftRead:
        return await shifts.create_shift(ctx, data)

    @get("/{shift_id:uuid}", operation_id="getShift", guards=READ, responses=READ_ERRORS)
    async def get_shift(self, ctx: Ctx, shift_id: FromPath[UUID]) -> ShiftRead:
        return await shifts.get_shift(ctx, shift_id)

    @delete("/{shift_id:uuid}", operation_id="deleteShift", guards=WRITE, responses=WRITE_ERRORS)
    async def delete_shift(self, ctx: Ctx, shift_id: FromPath[UUID]) -> None:
        await shifts.delete_shift(ctx, shift_id)


ROUTES = [SkillController, OperatorController, PoolController, PoolMembershipController, ShiftController]
