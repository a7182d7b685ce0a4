"""SLA policies: a client's named terms, kept as versions. A change of terms adds a version and moves the
policy's ``current_version``; tasks keep the version they started under, so their clocks never move."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import msgspec

from retaguarda.clock import now
from retaguarda.db import json_value
from retaguarda.errors import Conflict, FieldError, InvalidInput, NotFound
from retaguarda.listing import keyset_page
from retaguarda.tenancy import TenantContext, owning_client
from retaguarda.wire import from_row
from retaguarda.work.sla.schemas import (
    PriorityTarget,
    SlaPolicyCreate,
    SlaPolicyRead,
    SlaPolicyUpdate,
    SlaPolicyVersionRead,
)
from retaguarda.work.sla.service.task_clocks import forget_current_versions
from retaguarda.work.sla.tables import SlaPolicy, SlaPolicyVersion
from retaguarda.work.tables import Task, TaskType
from tenants.tables import BusinessCalendar

PRIORITIES = (1, 2, 3, 4)
# The statuses a clock may pause on. A task being worked or waiting in the queue is the provider's time.
PAUSABLE_STATUSES = frozenset({"waiting_on_client"})


def _targets_json(targets: list[PriorityTarget]) -> dict[str, dict[str, int]]:
    return {
        str(t.priority): {"responseMinutes": t.response_minutes, "resolutionMinutes": t.resolution_minutes}
        for t in targets
    }


def _targets_read(raw: Any) -> list[PriorityTarget]:
    return [
        PriorityTarget(
            priority=int(p), response_minutes=t["responseMinutes"], resolution_minutes=t["resolutionMinutes"]
        )
        for p, t in sorted((json_value(raw) or {}).items())
    ]


def _version_read(row: dict[str, Any]) -> SlaPolicyVersionRead:
    return from_row(
        row,
        SlaPolicyVersionRead,
        targets=_targets_read(row["targets"]),
        pause_statuses=list(json_value(row["pause_statuses"]) or []),
    )


def _check_terms(targets: list[PriorityTarget] | None, pause_statuses: list[str] | None) -> list[FieldError]:
    errors: list[FieldError] = []
    if targets is not None:
        given = sorted(t.priority for t in targets)
        if given != list(PRIORITIES):
            errors.append(
                FieldError("targets", "incomplete", "Give exactly one target for each priority 1 to 4.")
            )
        for index, target in enumerate(targets):
            if target.resolution_minutes < target.response_minutes:
                errors.append(
                    FieldError(
                        f"targets[{index}].resolutionMinutes",
                        "too_short",
                        "The resolution target cannot be shorter than the first-response target.",
                    )
                )
    if pause_statuses is not None:
        unknown = sorted(set(pause_statuses) - PAUSABLE_STATUSES)
        if unknown:
            errors.append(
                FieldError(
                    "pauseStatuses", "invalid", f"Only waiting_on_client can pause a clock, not {unknown}."
                )
            )
    return errors


async def _check_calendar(ctx: TenantContext, tenant_id: UUID, calendar_id: UUID | None) -> list[FieldError]:
    if calendar_id is None or await ctx.exists(BusinessCalendar).where(
        (BusinessCalendar.id == calendar_id) & (BusinessCalendar.tenant_id == tenant_id)
    ):
        return []
    return [FieldError("calendarId", "not_found", "No such calendar for this client.")]


async def _policy_row(ctx: TenantContext, policy_id: UUID) -> dict[str, Any]:
    row: dict[str, Any] | None = await ctx.select(SlaPolicy).where(SlaPolicy.id == policy_id).first()
    if row is None:
        raise NotFound()
    return row


async def _read(ctx: TenantContext, row: dict[str, Any]) -> SlaPolicyRead:
    version = (
        await ctx.select(SlaPolicyVersion)
        .where(
            (SlaPolicyVersion.policy_id == row["id"]) & (SlaPolicyVersion.version == row["current_version"])
        )
        .first()
    )
    assert version is not None, "a policy always has its current version"
    return SlaPolicyRead(
        id=row["id"],
        tenant_id=row["tenant_id"],
        name=row["name"],
        current_version=row["current_version"],
        terms=_version_read(version),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def list_policies(
    ctx: TenantContext, *, tenant_id: UUID | None, cursor: str | None, limit: int
) -> tuple[list[SlaPolicyRead], str | None]:
    query = ctx.select(SlaPolicy)
    if tenant_id is not None:
        query = query.where(SlaPolicy.tenant_id == tenant_id)
    rows, next_cursor = await keyset_page(query, SlaPolicy, cursor, limit, dict)
    return [await _read(ctx, row) for row in rows], next_cursor


async def get_policy(ctx: TenantContext, policy_id: UUID) -> SlaPolicyRead:
    return await _read(ctx, await _policy_row(ctx, policy_id))


async def list_versions(ctx: TenantContext, policy_id: UUID) -> list[SlaPolicyVersionRead]:
    await _policy_row(ctx, policy_id)
    rows = (
        await ctx.select(SlaPolicyVersion)
        .where(SlaPolicyVersion.policy_id == policy_id)
        .order_by(SlaPolicyVersion.version)
    )
    return [_version_read(row) for row in rows]


async def _name_taken(ctx: TenantContext, tenant_id: UUID, name: str, other_than: UUID | None = None) -> bool:
    query = ctx.exists(SlaPolicy).where((SlaPolicy.tenant_id == tenant_id) & (SlaPolicy.name == name))
    if other_than is not None:
        query = query.where(SlaPolicy.id != other_than)
    return bool(await query)


async def create_policy(ctx: TenantContext, data: SlaPolicyCreate) -> SlaPolicyRead:
    tenant_id = owning_client(ctx, data.tenant_id)
    errors = [
        *_check_terms(data.targets, data.pause_statuses),
        *await _check_calendar(ctx, tenant_id, data.calendar_id),
    ]
    if errors:
        raise InvalidInput(errors=errors)
    if await _name_taken(ctx, tenant_id, data.name):
        raise Conflict(errors=[FieldError("name", "taken", "A policy with this name exists.")])
    stamp = now()
    policy = SlaPolicy(
        id=uuid4(), tenant_id=tenant_id, name=data.name, current_version=1, created_at=stamp, updated_at=stamp
    )
    await ctx.insert(policy)
    await ctx.insert(
        SlaPolicyVersion(
            id=uuid4(),
            tenant_id=tenant_id,
            policy_id=policy.id,
            version=1,
            targets=_targets_json(data.targets),
            calendar_id=data.calendar_id,
            pause_statuses=sorted(set(data.pause_statuses)),
            warning_percent=data.warning_percent,
            created_at=stamp,
            created_by=ctx.principal.user_id,
        )
    )
    return await get_policy(ctx, policy.id)


TERMS_FIELDS = ("targets", "calendar_id", "pause_statuses", "warning_percent")


async def update_policy(ctx: TenantContext, policy_id: UUID, data: SlaPolicyUpdate) -> SlaPolicyRead:
    """Rename in place; a change of terms writes version n + 1 from the current one and the changes."""
    row = await _policy_row(ctx, policy_id)
    changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
    errors = _check_terms(changes.get("targets"), changes.get("pause_statuses"))
    if "calendar_id" in changes:
        errors += await _check_calendar(ctx, row["tenant_id"], changes["calendar_id"])
    if errors:
        raise InvalidInput(errors=errors)
    if "name" in changes and await _name_taken(ctx, row["tenant_id"], changes["name"], other_than=policy_id):
        raise Conflict(errors=[FieldError("name", "taken", "A policy with this name exists.")])
    stamp = now()
    values: dict[Any, Any] = {SlaPolicy.updated_at: stamp}
    if "name" in changes:
        values[SlaPolicy.name] = changes["name"]
    if any(name in changes for name in TERMS_FIELDS):
        current = (await get_policy(ctx, policy_id)).terms
        version = row["current_version"] + 1
        targets = [
            PriorityTarget(**t) if isinstance(t, dict) else t for t in changes.get("targets", current.targets)
        ]
        await ctx.insert(
            SlaPolicyVersion(
                id=uuid4(),
                tenant_id=row["tenant_id"],
                policy_id=policy_id,
                version=version,
                targets=_targets_json(targets),
                calendar_id=changes.get("calendar_id", current.calendar_id),
                pause_statuses=sorted(set(changes.get("pause_statuses", current.pause_statuses))),
                warning_percent=changes.get("warning_percent", current.warning_percent),
                created_at=stamp,
                created_by=ctx.principal.user_id,
            )
        )
        values[SlaPolicy.current_version] = version
    # The version check makes two concurrent changes of terms conflict instead of both writing version n+1
    # (the unique index on (policy, version) would also refuse the second).
    changed = (
        await ctx.update(SlaPolicy, values)
        .where((SlaPolicy.id == policy_id) & (SlaPolicy.current_version == row["current_version"]))
        .returning(SlaPolicy.id)
    )
    if not changed:
        raise Conflict("The policy changed meanwhile; try again.")
    forget_current_versions()
    return await get_policy(ctx, policy_id)


async def delete_policy(ctx: TenantContext, policy_id: UUID) -> None:
    """Only a policy no task type and no task uses: a task's clocks need their terms for good."""
    await _policy_row(ctx, policy_id)
    if await ctx.exists(TaskType).where(TaskType.sla_policy_id == policy_id):
        raise Conflict("Task types use this policy; point them elsewhere first.")
    versions = [
        r["id"]
        for r in await ctx.select(SlaPolicyVersion, SlaPolicyVersion.id).where(
            SlaPolicyVersion.policy_id == policy_id
        )
    ]
    if versions and await ctx.exists(Task).where(Task.sla_version_id.is_in(versions)):
        raise Conflict("Tasks were started under this policy; it cannot be deleted.")
    await ctx.delete(SlaPolicyVersion).where(SlaPolicyVersion.policy_id == policy_id)
    await ctx.delete(SlaPolicy).where(SlaPolicy.id == policy_id)
    forget_current_versions()


# The priority whose first-response target stands for a client's service when planning staff: normal work.
PLANNING_PRIORITY = 2


async def first_response_targets_s(ctx: TenantContext, tenant_ids: list[UUID]) -> dict[UUID, int]:
    """Per client, the tightest first-response target (normal priority, current policy versions) over its
    active task types, in seconds: what staffing plans answer within when a queue sets no answer time."""
    types = await ctx.select(TaskType, TaskType.tenant_id, TaskType.sla_policy_id).where(
        TaskType.tenant_id.is_in(tenant_ids)
        & TaskType.sla_policy_id.is_not_null()
        & (TaskType.active == True)  # noqa: E712
    )
    policy_ids = list({row["sla_policy_id"] for row in types})
    if not policy_ids:
        return {}
    policies = {
        row["id"]: row["current_version"]
        for row in await ctx.select(SlaPolicy, SlaPolicy.id, SlaPolicy.current_version).where(
            SlaPolicy.id.is_in(policy_ids)
        )
    }
    versions = await ctx.select(
        SlaPolicyVersion, SlaPolicyVersion.policy_id, SlaPolicyVersion.version, SlaPolicyVersion.targets
    ).where(SlaPolicyVersion.policy_id.is_in(policy_ids))
    targets: dict[UUID, int] = {}
    for row in versions:
        if policies.get(row["policy_id"]) != row["version"]:
            continue
        minutes = (json_value(row["targets"]) or {}).get(str(PLANNING_PRIORITY), {}).get("responseMinutes")
        if minutes is not None:
            targets[row["policy_id"]] = int(minutes) * 60
    found: dict[UUID, int] = {}
    for row in types:
        seconds = targets.get(row["sla_policy_id"])
        if seconds is not None:
            found[row["tenant_id"]] = min(seconds, found.get(row["tenant_id"], seconds))
    return found
