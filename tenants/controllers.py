"""Thin Litestar controllers for the tenants API under /api/v1."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from retaguarda.auth import (
    Role,
    Scope,
    TenantKind,
    authenticated,
    provider_staff,
    requires_role,
    requires_scope,
)
from retaguarda.controller_kit import CONTEXT, READ_ERRORS, WRITE_ERRORS, Ctx, Cursor, Limit, page
from tenants.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPage,
    ApiKeyRead,
    AssignmentCreate,
    AssignmentPage,
    AssignmentRead,
    CalendarCreate,
    CalendarPage,
    CalendarRead,
    CalendarUpdate,
    MemberCreate,
    MemberPage,
    MemberRead,
    MemberUpdate,
    MeRead,
    TenantCreate,
    TenantPage,
    TenantRead,
    TenantStatus,
    TenantUpdate,
)
from tenants.service import api_keys, calendars, directory

MANAGERS = (Role.ADMIN, Role.ACCOUNT_MANAGER, Role.CLIENT_ADMIN)


class MeController(Controller):
    path = "/api/v1/me"
    tags = ["Identity"]
    guards = [authenticated]
    dependencies = CONTEXT

    @get("/", operation_id="getMe", summary="Who is calling", responses=READ_ERRORS)
    async def get_me(self, ctx: Ctx) -> MeRead:
        principal = ctx.principal
        return MeRead(
            user_id=principal.user_id,
            email=principal.email,
            display_name=principal.display_name,
            role=principal.role,
            scopes=sorted(principal.scopes),
            via=principal.via,
            tenant=await directory.get_tenant(ctx, principal.tenant_id),
            locale=principal.locale,
            timezone=principal.timezone,
        )


class TenantController(Controller):
    path = "/api/v1/tenants"
    tags = ["Tenants"]
    guards = [authenticated]
    dependencies = CONTEXT

    @get("/", operation_id="listTenants", guards=[requires_scope(Scope.TENANTS_READ)], responses=READ_ERRORS)
    async def list_tenants(
        self,
        ctx: Ctx,
        kind: FromQuery[TenantKind | None] = None,
        status: FromQuery[TenantStatus | None] = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> TenantPage:
        return page(
            TenantPage,
            await directory.list_tenants(ctx, kind=kind, status=status, cursor=cursor, limit=limit),
        )

    @post(
        "/",
        operation_id="createClientTenant",
        summary="Create a client tenant",
        guards=[requires_role(Role.ADMIN), requires_scope(Scope.TENANTS_WRITE)],
        responses=WRITE_ERRORS,
    )
    async def create_tenant(self, ctx: Ctx, data: JSONBody[TenantCreate]) -> TenantRead:
        return await directory.create_client(ctx, data)

    @get(
        "/{tenant_id:uuid}",
        operation_id="getTenant",
        guards=[requires_scope(Scope.TENANTS_READ)],
        responses=READ_ERRORS,
    )
    async def get_tenant(self, ctx: Ctx, tenant_id: FromPath[UUID]) -> TenantRead:
        return await directory.get_tenant(ctx, tenant_id)

    @patch(
        "/{tenant_id:uuid}",
        operation_id="updateTenant",
        guards=[requires_role(*MANAGERS), requires_scope(Scope.TENANTS_WRITE)],
        responses=WRITE_ERRORS,
    )
    async def update_tenant(
        self, ctx: Ctx, tenant_id: FromPath[UUID], data: JSONBody[TenantUpdate]
    ) -> TenantRead:
        return await directory.update_tenant(ctx, tenant_id, data)

    @get(
        "/{tenant_id:uuid}/members",
        operation_id="listMembers",
        guards=[requires_scope(Scope.USERS_READ)],
        responses=READ_ERRORS,
    )
    async def list_members(
        self, ctx: Ctx, tenant_id: FromPath[UUID], cursor: Cursor = None, limit: Limit = 50
    ) -> MemberPage:
        return page(MemberPage, await directory.list_members(ctx, tenant_id, cursor=cursor, limit=limit))

    @post(
        "/{tenant_id:uuid}/members",
        operation_id="addMember",
        guards=[requires_role(*MANAGERS), requires_scope(Scope.USERS_WRITE)],
        responses=WRITE_ERRORS,
    )
    async def add_member(
        self, ctx: Ctx, tenant_id: FromPath[UUID], data: JSONBody[MemberCreate]
    ) -> MemberRead:
        return await directory.add_member(ctx, tenant_id, data)

    @get(
        "/{tenant_id:uuid}/members/{membership_id:uuid}",
        operation_id="getMember",
        guards=[requires_scope(Scope.USERS_READ)],
        responses=READ_ERRORS,
    )
    async def get_member(
        self, ctx: Ctx, tenant_id: FromPath[UUID], membership_id: FromPath[UUID]
    ) -> MemberRead:
        return await directory.get_member(ctx, tenant_id, membership_id)

    @patch(
        "/{tenant_id:uuid}/members/{membership_id:uuid}",
        operation_id="changeMemberRole",
        guards=[requires_role(*MANAGERS), requires_scope(Scope.USERS_WRITE)],
        responses=WRITE_ERRORS,
    )
    async def change_member_role(
        self, ctx: Ctx, tenant_id: FromPath[UUID], membership_id: FromPath[UUID], data: JSONBody[MemberUpdate]
    ) -> MemberRead:
        return await directory.change_member_role(ctx, tenant_id, membership_id, data)

    @delete(
        "/{tenant_id:uuid}/members/{membership_id:uuid}",
        operation_id="removeMember",
        guards=[requires_role(*MANAGERS), requires_scope(Scope.USERS_WRITE)],
        responses=WRITE_ERRORS,
    )
    async def remove_member(self, ctx: Ctx, tenant_id: FromPath[UUID], membership_id: FromPath[UUID]) -> None:
        await directory.remove_member(ctx, tenant_id, membership_id)


class AccountAssignmentController(Controller):
    path = "/api/v1/account-assignments"
    tags = ["Tenants"]
    guards = [authenticated, provider_staff]
    dependencies = CONTEXT

    @get(
        "/",
        operation_id="listAccountAssignments",
        guards=[requires_role(Role.ADMIN, Role.ACCOUNT_MANAGER)],
        responses=READ_ERRORS,
    )
    async def list_assignments(
        self, ctx: Ctx, manager_id: FromQuery[UUID | None] = None, cursor: Cursor = None, limit: Limit = 50
    ) -> AssignmentPage:
        return page(
            AssignmentPage,
            await directory.list_assignments(ctx, manager_id=manager_id, cursor=cursor, limit=limit),
        )

    @post("/", operation_id="assignAccount", guards=[requires_role(Role.ADMIN)], responses=WRITE_ERRORS)
    async def assign(self, ctx: Ctx, data: JSONBody[AssignmentCreate]) -> AssignmentRead:
        return await directory.assign_account(ctx, data)

    @delete(
        "/{assignment_id:uuid}",
        operation_id="unassignAccount",
        guards=[requires_role(Role.ADMIN)],
        responses=WRITE_ERRORS,
    )
    async def unassign(self, ctx: Ctx, assignment_id: FromPath[UUID]) -> None:
        await directory.unassign_account(ctx, assignment_id)


class ApiKeyController(Controller):
    path = "/api/v1/api-keys"
    tags = ["API keys"]
    guards = [authenticated, requires_role(Role.ADMIN, Role.CLIENT_ADMIN)]
    dependencies = CONTEXT

    @get("/", operation_id="listApiKeys", responses=READ_ERRORS)
    async def list_keys(
        self, ctx: Ctx, tenant_id: FromQuery[UUID | None] = None, cursor: Cursor = None, limit: Limit = 50
    ) -> ApiKeyPage:
        return page(
            ApiKeyPage, await api_keys.list_api_keys(ctx, tenant_id=tenant_id, cursor=cursor, limit=limit)
        )

    @post(
        "/",
        operation_id="createApiKey",
        summary="Create an API key (the secret is shown only here)",
        guards=[requires_scope(Scope.API_KEYS_WRITE)],
        responses=WRITE_ERRORS,
    )
    async def create_key(self, ctx: Ctx, data: JSONBody[ApiKeyCreate]) -> ApiKeyCreated:
        return await api_keys.create_api_key(ctx, data)

    @delete(
        "/{key_id:uuid}",
        operation_id="revokeApiKey",
        status_code=200,
        guards=[requires_scope(Scope.API_KEYS_WRITE)],
        responses=WRITE_ERRORS,
    )
    async def revoke_key(self, ctx: Ctx, key_id: FromPath[UUID]) -> ApiKeyRead:
        return await api_keys.revoke_api_key(ctx, key_id)


class CalendarController(Controller):
    path = "/api/v1/calendars"
    tags = ["Business calendars"]
    guards = [authenticated]
    dependencies = CONTEXT
    WRITERS = (Role.ADMIN, Role.ACCOUNT_MANAGER)

    @get(
        "/",
        operation_id="listCalendars",
        guards=[requires_scope(Scope.CALENDARS_READ)],
        responses=READ_ERRORS,
    )
    async def list_calendars(
        self, ctx: Ctx, tenant_id: FromQuery[UUID | None] = None, cursor: Cursor = None, limit: Limit = 50
    ) -> CalendarPage:
        return page(
            CalendarPage, await calendars.list_calendars(ctx, tenant_id=tenant_id, cursor=cursor, limit=limit)
        )

    @post(
        "/",
        operation_id="createCalendar",
        guards=[requires_role(*WRITERS), requires_scope(Scope.CALENDARS_WRITE)],
        responses=WRITE_ERRORS,
    )
    async def create_calendar(self, ctx: Ctx, data: JSONBody[CalendarCreate]) -> CalendarRead:
        return await calendars.create_calendar(ctx, data)

    @get(
        "/{calendar_id:uuid}",
        operation_id="getCalendar",
        guards=[requires_scope(Scope.CALENDARS_READ)],
        responses=READ_ERRORS,
    )
    async def get_calendar(self, ctx: Ctx, calendar_id: FromPath[UUID]) -> CalendarRead:
        return await calendars.get_calendar(ctx, calendar_id)

    @patch(
        "/{calendar_id:uuid}",
        operation_id="updateCalendar",
        guards=[requires_role(*WRITERS), requires_scope(Scope.CALENDARS_WRITE)],
        responses=WRITE_ERRORS,
    )
    async def update_calendar(
        self, ctx: Ctx, calendar_id: FromPath[UUID], data: JSONBody[CalendarUpdate]
    ) -> CalendarRead:
        return await calendars.update_calendar(ctx, calendar_id, data)

    @delete(
        "/{calendar_id:uuid}",
        operation_id="deleteCalendar",
        guards=[requires_role(*WRITERS), requires_scope(Scope.CALENDARS_WRITE)],
        responses=WRITE_ERRORS,
    )
    async def delete_calendar(self, ctx: Ctx, calendar_id: FromPath[UUID]) -> None:
        await calendars.delete_calendar(ctx, calendar_id)


ROUTES = [MeController, TenantController, AccountAssignmentController, ApiKeyController, CalendarController]
