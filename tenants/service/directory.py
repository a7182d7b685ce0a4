"""Tenants, their members and the account managers assigned to client accounts."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import msgspec

from retaguarda import audit
from retaguarda.audit import AuditAction, Target
from retaguarda.auth import CLIENT_ROLES, PROVIDER_ROLES, Role, TenantKind, hash_password
from retaguarda.clock import now
from retaguarda.db import is_unique_violation
from retaguarda.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from retaguarda.jobs import enqueue
from retaguarda.listing import keyset_page
from retaguarda.tenancy import TenantContext
from retaguarda.wire import from_row
from tenants.schemas import (
    AssignmentCreate,
    AssignmentRead,
    MemberCreate,
    MemberRead,
    MemberUpdate,
    TenantCreate,
    TenantRead,
    TenantUpdate,
)
from tenants.service.validation import (
    check_currency,
    check_holiday_region,
    check_locale,
    check_timezone,
    raise_if_any,
)
from tenants.tables import AccountAssignment, BusinessCalendar, Membership, Tenant, User

# The weekly hours a new client's default calendar starts with: Monday to Friday, 09:00-18:00.
DEFAULT_WEEKLY_HOURS = [{"weekday": day, "start": "09:00", "end": "18:00"} for day in range(5)]


def tenant_read(row: dict[str, Any]) -> TenantRead:
    return from_row(row, TenantRead, kind=TenantKind(row["kind"]))


# ---- tenants ---------------------------------------------------------------------------------------------


async def list_tenants(
    ctx: TenantContext, *, kind: TenantKind | None, status: str | None, cursor: str | None, limit: int
) -> tuple[list[TenantRead], str | None]:
    query = ctx.select(Tenant)
    if kind is not None:
        query = query.where(Tenant.kind == kind.value)
    if status is not None:
        query = query.where(Tenant.status == status)
    return await keyset_page(query, Tenant, cursor, limit, tenant_read)


async def get_tenant(ctx: TenantContext, tenant_id: UUID) -> TenantRead:
    row = await ctx.select(Tenant).where(Tenant.id == tenant_id).first()
    if row is None:
        raise NotFound()
    return tenant_read(row)


async def create_client(ctx: TenantContext, data: TenantCreate) -> TenantRead:
    """A new client tenant, with a default business calendar in its own time zone."""
    raise_if_any(
        check_locale(data.locale),
        check_timezone(data.timezone),
        check_currency(data.currency),
        check_holiday_region(data.holiday_country, data.holiday_subdivision),
    )
    if await Tenant.exists().where(Tenant.slug == data.slug):  # scope: slugs are unique deployment-wide
        raise Conflict(
            "A tenant with this slug already exists.",
            errors=[FieldError("slug", "taken", "This slug is taken.")],
        )
    tenant = Tenant(
        id=uuid4(),
        kind=TenantKind.CLIENT.value,
        slug=data.slug,
        name=data.name,
        locale=data.locale,
        timezone=data.timezone,
        currency=data.currency,
    )
    try:
        await ctx.insert(tenant)
    except Exception as exc:
        if is_unique_violation(exc):
            raise Conflict("A tenant with this slug already exists.") from exc
        raise
    await ctx.insert(
        BusinessCalendar(
            id=uuid4(),
            tenant_id=tenant.id,
            name="Default",
            timezone=data.timezone,
            weekly_hours=DEFAULT_WEEKLY_HOURS,
            holiday_country=data.holiday_country,
            holiday_subdivision=data.holiday_subdivision,
            is_default=True,
        )
    )
    await audit.record(
        ctx, AuditAction.CLIENT_CREATED, tenant_id=tenant.id, target=Target("tenant", tenant.id, data.name)
    )
    return await get_tenant(ctx, tenant.id)


async def update_tenant(ctx: TenantContext, tenant_id: UUID, data: TenantUpdate) -> TenantRead:
    before = await get_tenant(ctx, tenant_id)
    changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
    principal = ctx.principal
    if not principal.is_provider and set(changes) - {"name", "locale", "timezone"}:
        raise Forbidden("A client may change only its name, locale and time zone.")
    raise_if_any(
        check_locale(changes["locale"]) if "locale" in changes else None,
        check_timezone(changes["timezone"]) if "timezone" in changes else None,
        check_currency(changes["currency"]) if "currency" in changes else None,
    )
    if changes.get("status") == "suspended" and tenant_id == principal.tenant_id:
        raise Conflict("The provider cannot suspend itself.")
    if changes:
        await ctx.update(Tenant, {**changes, "updated_at": now()}).where(Tenant.id == tenant_id)
        await audit.record(
            ctx,
            AuditAction.TENANT_SETTINGS_CHANGED,
            tenant_id=tenant_id,
            target=Target("tenant", tenant_id, before.name),
            details={
                field: {"from": _plain(getattr(before, field, None)), "to": _plain(value)}
                for field, value in changes.items()
            },
        )
    return await get_tenant(ctx, tenant_id)


def _plain(value: Any) -> Any:
    """A value as the audit entry's JSON details keep it."""
    return value if value is None or isinstance(value, bool | int | float | str) else str(value)


# ---- members ---------------------------------------------------------------------------------------------


def _member_read(row: dict[str, Any]) -> MemberRead:
    return from_row(
        row,
        MemberRead,
        email=row["user_id.email"],
        display_name=row["user_id.display_name"],
        role=Role(row["role"]),
    )


def _member_query(ctx: TenantContext) -> Any:
    return ctx.select(
        Membership, *Membership.all_columns(), Membership.user_id.email, Membership.user_id.display_name
    )


async def _tenant_for_membership_change(ctx: TenantContext, tenant_id: UUID, role: Role | None) -> TenantRead:
    """The tenant whose members may be changed by this caller, checking the role fits the tenant's kind."""
    tenant = await get_tenant(ctx, tenant_id)
    principal = ctx.principal
    if tenant.kind is TenantKind.PROVIDER and principal.role is not Role.ADMIN:
        raise Forbidden("Only a provider admin manages provider staff.")
    if role is not None:
        allowed = PROVIDER_ROLES if tenant.kind is TenantKind.PROVIDER else CLIENT_ROLES
        if role not in allowed:
            raise InvalidInput(
                errors=[FieldError("role", "role_not_allowed", f"Roles here: {', '.join(sorted(allowed))}.")]
            )
    return tenant


async def list_members(
    ctx: TenantContext, tenant_id: UUID, *, cursor: str | None, limit: int
) -> tuple[list[MemberRead], str | None]:
    await get_tenant(ctx, tenant_id)
    query = _member_query(ctx).where(Membership.tenant_id == tenant_id)
    return await keyset_page(query, Membership, cursor, limit, _member_read)


async def get_member(ctx: TenantContext, tenant_id: UUID, membership_id: UUID) -> MemberRead:
    row = (
        await _member_query(ctx)
        .where((Membership.id == membership_id) & (Membership.tenant_id == tenant_id))
        .first()
    )
    if row is None:
        raise NotFound()
    return _member_read(row)


async def add_member(ctx: TenantContext, tenant_id: UUID, data: MemberCreate) -> MemberRead:
    await _tenant_for_membership_change(ctx, tenant_id, data.role)
    email = data.email.strip().lower()
    user = await User.objects().where(User.email == email).first()
    if user is None:
        user = User(
            id=uuid4(),
            email=email,
            display_name=data.display_name,
            password_hash=hash_password(data.password) if data.password else None,
        )
        await user.save()
    elif await ctx.exists(Membership).where(
        (Membership.tenant_id == tenant_id) & (Membership.user_id == user.id)
    ):
        raise Conflict(
            "This person is already a member.",
            errors=[FieldError("email", "already_member", "Already a member of this tenant.")],
        )
    membership = Membership(id=uuid4(), tenant_id=tenant_id, user_id=user.id, role=data.role.value)
    await ctx.insert(membership)
    await audit.record(
        ctx,
        AuditAction.MEMBER_ADDED,
        tenant_id=tenant_id,
        target=Target("user", user.id, email),
        details={"role": data.role.value},
    )
    await enqueue("tenants.member_added", tenant_id=tenant_id, membership_id=str(membership.id))
    return await get_member(ctx, tenant_id, membership.id)


async def _ensure_not_last_admin(ctx: TenantContext, tenant_id: UUID, membership: MemberRead) -> None:
    """A tenant never loses its last administrator: nobody could manage it afterwards."""
    if membership.role not in (Role.ADMIN, Role.CLIENT_ADMIN):
        return
    admins = await ctx.count(Membership).where(
        (Membership.tenant_id == tenant_id) & (Membership.role == membership.role.value)
    )
    if admins <= 1:
        raise Conflict("The last administrator of a tenant cannot be removed or demoted.")


async def change_member_role(
    ctx: TenantContext, tenant_id: UUID, membership_id: UUID, data: MemberUpdate
) -> MemberRead:
    await _tenant_for_membership_change(ctx, tenant_id, data.role)
    current = await get_member(ctx, tenant_id, membership_id)
    if current.role != data.role:
        await _ensure_not_last_admin(ctx, tenant_id, current)
        await ctx.update(Membership, {Membership.role: data.role.value}).where(Membership.id == membership_id)
        await audit.record(
            ctx,
            AuditAction.MEMBER_ROLE_CHANGED,
            tenant_id=tenant_id,
            target=Target("user", current.user_id, current.email),
            details={"from": current.role.value, "to": data.role.value},
        )
    return await get_member(ctx, tenant_id, membership_id)


async def remove_member(ctx: TenantContext, tenant_id: UUID, membership_id: UUID) -> None:
    await _tenant_for_membership_change(ctx, tenant_id, None)
    current = await get_member(ctx, tenant_id, membership_id)
    await _ensure_not_last_admin(ctx, tenant_id, current)
    await ctx.delete(Membership).where(Membership.id == membership_id)
    await audit.record(
        ctx,
        AuditAction.MEMBER_REMOVED,
        tenant_id=tenant_id,
        target=Target("user", current.user_id, current.email),
        details={"role": current.role.value},
    )


# ---- account assignments ---------------------------------------------------------------------------------


def _assignment_read(row: dict[str, Any]) -> AssignmentRead:
    return AssignmentRead(
        id=row["id"], tenant_id=row["tenant_id"], manager_id=row["manager_id"], created_at=row["created_at"]
    )


async def list_assignments(
    ctx: TenantContext, *, manager_id: UUID | None, cursor: str | None, limit: int
) -> tuple[list[AssignmentRead], str | None]:
    query = ctx.select(AccountAssignment)
    if ctx.principal.role is Role.ACCOUNT_MANAGER:
        manager_id = ctx.principal.user_id
    if manager_id is not None:
        query = query.where(AccountAssignment.manager_id == manager_id)
    return await keyset_page(query, AccountAssignment, cursor, limit, _assignment_read)


async def assign_account(ctx: TenantContext, data: AssignmentCreate) -> AssignmentRead:
    tenant = await get_tenant(ctx, data.tenant_id)
    if tenant.kind is not TenantKind.CLIENT:
        raise InvalidInput(
            errors=[FieldError("tenantId", "not_a_client", "Only client accounts are assigned.")]
        )
    is_manager = await ctx.exists(Membership).where(
        (Membership.user_id == data.manager_id)
        & (Membership.role == Role.ACCOUNT_MANAGER.value)
        & (Membership.tenant_id.kind == TenantKind.PROVIDER.value)
    )
    if not is_manager:
        raise InvalidInput(
            errors=[
                FieldError(
                    "managerId",
                    "not_an_account_manager",
                    "This user is not an account manager of the provider.",
                )
            ]
        )
    if await ctx.exists(AccountAssignment).where(
        (AccountAssignment.tenant_id == data.tenant_id) & (AccountAssignment.manager_id == data.manager_id)
    ):
        raise Conflict("This account manager already owns this client.")
    row = AccountAssignment(id=uuid4(), tenant_id=data.tenant_id, manager_id=data.manager_id)
    await ctx.insert(row)
    await audit.record(
        ctx,
        AuditAction.ACCOUNT_ASSIGNED,
        tenant_id=data.tenant_id,
        target=Target("user", data.manager_id, await _email_of(data.manager_id)),
    )
    found = await ctx.select(AccountAssignment).where(AccountAssignment.id == row.id).first()
    assert found is not None
    return _assignment_read(found)


async def unassign_account(ctx: TenantContext, assignment_id: UUID) -> None:
    assignment = await ctx.get(AccountAssignment, assignment_id)
    await ctx.delete(AccountAssignment).where(AccountAssignment.id == assignment_id)
    await audit.record(
        ctx,
        AuditAction.ACCOUNT_UNASSIGNED,
        tenant_id=assignment.tenant_id,
        target=Target("user", assignment.manager_id, await _email_of(assignment.manager_id)),
    )


async def _email_of(user_id: UUID) -> str:
    row = await User.select(User.email).where(User.id == user_id).first()
    return str(row["email"]) if row else ""
