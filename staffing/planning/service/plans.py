"""Scaling plans: drafted, approved, applied to the roster (or cancelled before that), every step written
to the plan's audit trail in the same transaction as the step itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import msgspec

from retaguarda import audit
from retaguarda.audit import AuditAction, Target
from retaguarda.errors import Conflict, FieldError, NotFound
from retaguarda.listing import keyset_page
from retaguarda.tenancy import TenantContext
from retaguarda.wire import from_row
from staffing.planning.schemas import PlanChange, PlanCreate, PlanEventRead, PlanRead, PlanUpdate
from staffing.planning.service.headcount import NEVER, load_roster
from staffing.planning.service.plan_roster import Rewrite, rewrite
from staffing.planning.tables import PlanStatus, ScalingPlan, ScalingPlanEvent
from staffing.schemas import MembershipCreate, MembershipUpdate
from staffing.service import memberships
from staffing.service.owner import roster_owner
from staffing.service.periods import as_utc
from staffing.service.pools import require_pool
from staffing.tables import Operator, Pool
from tenants.service.validation import raise_if_any

# A season, not a reorganisation: longer changes belong in the roster itself.
MAX_PERIOD = timedelta(days=366)


def _read(row: dict[str, Any]) -> PlanRead:
    return from_row(row, PlanRead, changes=msgspec.convert(row["changes"] or [], list[PlanChange]))


def _changes_json(changes: list[PlanChange]) -> list[dict[str, Any]]:
    return [msgspec.to_builtins(change) for change in changes]


async def _record(
    ctx: TenantContext, plan_id: UUID, tenant_id: UUID, kind: str, data: dict[str, Any]
) -> None:
    await ctx.insert(
        ScalingPlanEvent(
            id=uuid4(),
            tenant_id=tenant_id,
            plan_id=plan_id,
            kind=kind,
            actor_user_id=ctx.principal.user_id,
            data=data,
        )
    )


def _check_period(starts_at: datetime, ends_at: datetime) -> list[FieldError]:
    if ends_at <= starts_at:
        return [FieldError("endsAt", "not_after_start", "Choose a time after startsAt.")]
    if ends_at - starts_at > MAX_PERIOD:
        return [FieldError("endsAt", "too_long", "A plan covers at most 366 days.")]
    return []


async def _check_changes(ctx: TenantContext, pool_id: UUID, changes: list[PlanChange]) -> None:
    errors: list[FieldError] = []
    seen: set[UUID] = set()
    for position, change in enumerate(changes):
        where = f"changes[{position}]"
        if change.operator_id in seen:
            errors.append(FieldError(f"{where}.operatorId", "duplicate", "One change per operator."))
        seen.add(change.operator_id)
        if not await ctx.exists(Operator).where(Operator.id == change.operator_id):
            errors.append(FieldError(f"{where}.operatorId", "not_found", "No such operator."))
        if change.kind == "borrow":
            if change.from_pool_id is None:
                errors.append(FieldError(f"{where}.fromPoolId", "required", "Name the lending pool."))
            elif change.from_pool_id == pool_id:
                errors.append(FieldError(f"{where}.fromPoolId", "same_pool", "Borrow from another pool."))
            elif not await ctx.exists(Pool).where(Pool.id == change.from_pool_id):
                errors.append(FieldError(f"{where}.fromPoolId", "not_found", "No such pool."))
        elif change.from_pool_id is not None:
            errors.append(FieldError(f"{where}.fromPoolId", "not_allowed", "Only a borrow names a pool."))
        if change.kind == "remove" and change.share != 100:
            errors.append(
                FieldError(f"{where}.share", "not_allowed", "A removal takes the whole membership.")
            )
    raise_if_any(errors)


async def plan_rewrite(ctx: TenantContext, plan: PlanRead) -> Rewrite:
    """The roster's memberships after this plan, computed from the roster as it is now."""
    lenders = [c.from_pool_id for c in plan.changes if c.from_pool_id is not None]
    operators = [change.operator_id for change in plan.changes]
    roster = await load_roster(ctx, [plan.pool_id, *lenders], operators, plan.starts_at, plan.ends_at)
    return rewrite(
        roster.members,
        plan.pool_id,
        int(plan.starts_at.timestamp()),
        int(plan.ends_at.timestamp()),
        plan.changes,
    )


async def list_plans(
    ctx: TenantContext, *, pool_id: UUID | None, status: PlanStatus | None, cursor: str | None, limit: int
) -> tuple[list[PlanRead], str | None]:
    query = ctx.select(ScalingPlan)
    if pool_id is not None:
        query = query.where(ScalingPlan.pool_id == pool_id)
    if status is not None:
        query = query.where(ScalingPlan.status == status)
    return await keyset_page(query, ScalingPlan, cursor, limit, _read)


async def get_plan(ctx: TenantContext, plan_id: UUID) -> PlanRead:
    row = await ctx.select(ScalingPlan).where(ScalingPlan.id == plan_id).first()
    if row is None:
        raise NotFound()
    return _read(row)


async def create_plan(ctx: TenantContext, data: PlanCreate) -> PlanRead:
    tenant_id = roster_owner(ctx)
    starts_at, ends_at = as_utc(data.starts_at), as_utc(data.ends_at)
    raise_if_any(_check_period(starts_at, ends_at))
    await require_pool(ctx, data.pool_id)
    await _check_changes(ctx, data.pool_id, data.changes)
    plan = ScalingPlan(
        id=uuid4(),
        tenant_id=tenant_id,
        pool_id=data.pool_id,
        name=data.name,
        starts_at=starts_at,
        ends_at=ends_at,
        changes=_changes_json(data.changes),
        notes=data.notes,
        created_by=ctx.principal.user_id,
    )
    await ctx.insert(plan)
    created = await get_plan(ctx, plan.id)
    await _record(ctx, plan.id, tenant_id, "created", {"plan": msgspec.to_builtins(created)})
    return created


async def update_plan(ctx: TenantContext, plan_id: UUID, data: PlanUpdate) -> PlanRead:
    current = await get_plan(ctx, plan_id)
    if current.status != "draft":
        raise Conflict("Only a draft plan can be changed.")
    changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
    for key in ("starts_at", "ends_at"):
        if key in changes:
            changes[key] = as_utc(changes[key])
    raise_if_any(
        _check_period(changes.get("starts_at", current.starts_at), changes.get("ends_at", current.ends_at))
    )
    if "changes" in changes:
        await _check_changes(ctx, current.pool_id, changes["changes"])
        changes["changes"] = _changes_json(changes["changes"])
    if not changes:
        return current
    changed = await (
        ctx.update(ScalingPlan, {**changes, "updated_at": datetime.now(UTC)})
        .where((ScalingPlan.id == plan_id) & (ScalingPlan.status == PlanStatus.DRAFT))
        .returning(ScalingPlan.id)
    )
    if not changed:
        raise Conflict("Only a draft plan can be changed.")
    updated = await get_plan(ctx, plan_id)
    await _record(ctx, plan_id, current.tenant_id, "updated", {"changed": sorted(changes)})
    return updated


async def _move(ctx: TenantContext, plan: PlanRead, allowed: tuple[str, ...], to: str) -> None:
    """Change the status only from an allowed one, in one statement: two people approving or applying the
    same plan at once cannot both succeed."""
    moved = await (
        ctx.update(ScalingPlan, {ScalingPlan.status: to, ScalingPlan.updated_at: datetime.now(UTC)})
        .where((ScalingPlan.id == plan.id) & ScalingPlan.status.is_in(list(allowed)))
        .returning(ScalingPlan.id)
    )
    if not moved:
        raise Conflict(f"A {plan.status} plan cannot become {to}.")


async def approve_plan(ctx: TenantContext, plan_id: UUID) -> PlanRead:
    plan = await get_plan(ctx, plan_id)
    await _move(ctx, plan, ("draft",), "approved")
    outcome = await plan_rewrite(ctx, plan)
    if outcome.problems:
        # The transaction rolls the status back with the error.
        raise Conflict("The roster does not allow this plan as it stands.", errors=outcome.problems)
    await _record(ctx, plan_id, plan.tenant_id, "approved", {})
    await audit.record(
        ctx,
        AuditAction.PLAN_APPROVED,
        tenant_id=plan.tenant_id,
        target=Target("scaling_plan", plan_id, plan.name),
        details={"poolId": str(plan.pool_id), "changes": _changes_json(plan.changes)},
    )
    return await get_plan(ctx, plan_id)


async def cancel_plan(ctx: TenantContext, plan_id: UUID) -> PlanRead:
    plan = await get_plan(ctx, plan_id)
    await _move(ctx, plan, ("draft", "approved"), "cancelled")
    await _record(ctx, plan_id, plan.tenant_id, "cancelled", {"from": plan.status})
    return await get_plan(ctx, plan_id)


def _until(seconds: int) -> datetime | None:
    return None if seconds >= NEVER else datetime.fromtimestamp(seconds, UTC)


async def _write_roster(ctx: TenantContext, outcome: Rewrite) -> dict[str, Any]:
    """Replace cut memberships by their pieces (the original row keeps the first piece), then add the new
    ones, all through the roster's service so its rules (no overlaps, periods) hold."""
    written: dict[str, list[str]] = {"updated": [], "deleted": [], "created": []}
    for member_id, pieces in outcome.replaced.items():
        original = outcome.originals[member_id]
        if not pieces:
            await memberships.delete_membership(ctx, original.pool_id, member_id)
            written["deleted"].append(str(member_id))
            continue
        first, *rest = pieces
        update = MembershipUpdate(
            valid_from=datetime.fromtimestamp(first.since, UTC),
            valid_until=_until(first.until),
            share=first.share,
        )
        await memberships.update_membership(ctx, original.pool_id, member_id, update)
        written["updated"].append(str(member_id))
        outcome.added.extend(rest)
    for member in outcome.added:
        created = await memberships.create_membership(
            ctx,
            member.pool_id,
            MembershipCreate(
                operator_id=member.operator_id,
                valid_from=datetime.fromtimestamp(member.since, UTC),
                valid_until=_until(member.until),
                kind="seasonal" if member.kind == "seasonal" else "permanent",
                share=member.share,
            ),
        )
        written["created"].append(str(created.id))
    return written


async def apply_plan(ctx: TenantContext, plan_id: UUID) -> PlanRead:
    """Write the plan into the roster. It all happens in the request's one transaction: a roster rule that
    refuses one membership leaves nothing written and the plan approved."""
    plan = await get_plan(ctx, plan_id)
    if plan.status == "approved" and plan.ends_at <= datetime.now(UTC):
        raise Conflict("The plan's period is over.")
    await _move(ctx, plan, ("approved",), "applied")
    outcome = await plan_rewrite(ctx, plan)
    if outcome.problems:
        raise Conflict("The roster changed and no longer allows this plan.", errors=outcome.problems)
    written = await _write_roster(ctx, outcome)
    await _record(ctx, plan_id, plan.tenant_id, "applied", {"memberships": written})
    await audit.record(
        ctx,
        AuditAction.PLAN_APPLIED,
        tenant_id=plan.tenant_id,
        target=Target("scaling_plan", plan_id, plan.name),
        details={"memberships": written},
    )
    return await get_plan(ctx, plan_id)


async def plan_events(ctx: TenantContext, plan_id: UUID) -> list[PlanEventRead]:
    await get_plan(ctx, plan_id)
    rows = await (
        ctx.select(ScalingPlanEvent)
        .where(ScalingPlanEvent.plan_id == plan_id)
        .order_by(ScalingPlanEvent.at)
        .order_by(ScalingPlanEvent.id)
    )
    return [
        PlanEventRead(
            id=row["id"],
            plan_id=row["plan_id"],
            kind=row["kind"],
            actor_user_id=row["actor_user_id"],
            at=row["at"],
            data=row["data"] or {},
        )
        for row in rows
    ]
