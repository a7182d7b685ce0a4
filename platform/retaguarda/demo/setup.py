"""The demo's standing data, through the services as an account manager would set it up: the operators of
each pool (and the reinforcements a season can call on), their shifts for the coming weeks, each client's
queues named in its language and served by its pool, its task types on a standard SLA policy, and its
contract. Every step looks first, so loading twice changes nothing."""

from __future__ import annotations

import dataclasses
import math
from contextlib import suppress
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import msgspec

from billing.schemas import ContractCreate
from billing.service import contracts
from billing.tables import Contract
from billing.terms import HourlyRate
from retaguarda.auth import Role, Scope, hash_password
from retaguarda.demo.scripts import TYPE_RATES, VAT_RETURN, ClientScript, OperatorScript
from retaguarda.errors import Conflict
from retaguarda.tenancy import TenantContext
from retaguarda.work.schemas import QueueCreate, TaskTypeFromTemplate, TaskTypeRead, TaskTypeUpdate
from retaguarda.work.service import catalog
from retaguarda.work.sla.schemas import PriorityTarget, SlaPolicyCreate
from retaguarda.work.sla.service import policies
from retaguarda.work.sla.tables import SlaPolicy
from retaguarda.work.tables import TaskType
from retaguarda.work.templates import TEMPLATES
from retaguarda.work.webhooks.schemas import WebhookEndpointCreate, WebhookEvent
from retaguarda.work.webhooks.service import endpoints
from retaguarda.work.webhooks.tables import WebhookEndpoint
from staffing.schemas import MembershipCreate, OperatorCreate, OperatorSkillLevel, ShiftCreate
from staffing.service import memberships, operators, shifts
from staffing.service.demo import ROSTER_START
from staffing.tables import Operator, Pool, PoolMembership, Skill
from tenants.schemas import ApiKeyCreate, MemberCreate
from tenants.service import api_keys, directory
from tenants.tables import ApiKey, Tenant, User

# A standard back-office SLA in business minutes on the client's calendar: (first response, resolution) for
# priorities low, normal, high, urgent.
STANDARD_SLA = {1: (480, 2880), 2: (240, 960), 3: (60, 480), 4: (30, 240)}
SHIFT_DAYS_AHEAD = 28


@dataclasses.dataclass(frozen=True, slots=True)
class Staffed:
    """One operator of the demo: the script and the rows it became."""

    script: OperatorScript
    operator_id: UUID
    user_id: UUID
    skills: dict[UUID, int]


def staff_count(script: ClientScript, size: float) -> int:
    """How many of the pool's operators a demo of this size employs (at least two, so every skill the
    client's work needs is covered: the scripts list the widest skills first)."""
    return min(len(script.operators), max(2, math.ceil(len(script.operators) * size)))


async def provider_people(
    ctx: TenantContext, provider_id: UUID, people: list[OperatorScript], password: str
) -> None:
    """The operators' accounts. One password hash for all of them: they share the demo password, and
    argon2 at production cost is a tenth of a second each."""
    new = [
        p for p in people if not await User.exists().where(User.email == p.email)
    ]  # scope: emails are global
    if not new:
        return
    shared = hash_password(password)
    for person in new:
        await User(id=uuid4(), email=person.email, display_name=person.name, password_hash=shared).save()
    for person in new:
        with suppress(Conflict):
            await directory.add_member(
                ctx,
                provider_id,
                MemberCreate(email=person.email, display_name=person.name, role=Role.OPERATOR),
            )


async def skill_ids(ctx: TenantContext) -> dict[str, UUID]:
    return {row["code"]: row["id"] for row in await ctx.select(Skill, Skill.id, Skill.code)}


async def pool_id(ctx: TenantContext, name: str) -> UUID:
    row = await ctx.select(Pool, Pool.id).where(Pool.name == name).first()
    assert row is not None, f"the demo roster has no pool {name!r}"
    found: UUID = row["id"]
    return found


async def staff(ctx: TenantContext, person: OperatorScript, skills: dict[str, UUID]) -> Staffed:
    user = await User.select(User.id).where(User.email == person.email).first()  # scope: emails are global
    assert user is not None
    levels = {skills[code]: level for code, level in person.skills.items()}
    found = await ctx.select(Operator, Operator.id).where(Operator.user_id == user["id"]).first()
    if found is None:
        created = await operators.create_operator(
            ctx,
            OperatorCreate(
                user_id=user["id"],
                capacity=person.capacity,
                status="available",
                skills=[OperatorSkillLevel(skill_id=s, level=level) for s, level in levels.items()],
            ),
        )
        return Staffed(person, created.id, user["id"], levels)
    return Staffed(person, found["id"], user["id"], levels)


async def join_pool(ctx: TenantContext, pool: UUID, operator_id: UUID) -> None:
    if await ctx.exists(PoolMembership).where(
        (PoolMembership.pool_id == pool) & (PoolMembership.operator_id == operator_id)
    ):
        return
    await memberships.create_membership(
        ctx,
        pool,
        MembershipCreate(operator_id=operator_id, kind="permanent", share=100, valid_from=ROSTER_START),
    )


def shift_on(person: OperatorScript, day: date, zone: ZoneInfo) -> tuple[datetime, datetime] | None:
    """A scheduled shift of the coming weeks (weekdays; Saturday mornings for those who work them)."""
    if day.weekday() == 6 or (day.weekday() == 5 and not person.saturdays):
        return None
    starts = datetime.combine(day, time(person.shift_start), tzinfo=zone)
    hours = 4 if day.weekday() == 5 else person.shift_hours
    return starts.astimezone(UTC), (starts + timedelta(hours=hours)).astimezone(UTC)


async def schedule(ctx: TenantContext, staffed: Staffed, pool: UUID, zone: ZoneInfo, today: date) -> None:
    for offset in range(SHIFT_DAYS_AHEAD):
        times = shift_on(staffed.script, today + timedelta(days=offset), zone)
        if times is None:
            continue
        with suppress(Conflict):  # already scheduled: loading twice changes nothing
            await shifts.create_shift(
                ctx,
                ShiftCreate(
                    operator_id=staffed.operator_id, pool_id=pool, starts_at=times[0], ends_at=times[1]
                ),
            )


# ---- a client's catalog ----------------------------------------------------------------------------------


async def queues(ctx: TenantContext, tenant_id: UUID, script: ClientScript, pool: UUID) -> dict[str, UUID]:
    """The client's queues by code, each served by the client's pool."""
    found: dict[str, UUID] = {}
    for queue in script.queues:
        row = await catalog.find_queue(ctx, tenant_id, queue.code)
        if row is None:
            created = await catalog.create_queue(
                ctx, QueueCreate(code=queue.code, name=queue.name, pool_ids=[pool], tenant_id=tenant_id)
            )
            found[queue.code] = created.id
        else:
            found[queue.code] = row["id"]
    return found


async def task_types(
    ctx: TenantContext, tenant_id: UUID, script: ClientScript, skills: dict[str, UUID]
) -> dict[str, TaskTypeRead]:
    """Every template as a task type (and the client's own ones), all on the standard SLA policy."""
    for template in TEMPLATES:
        if await catalog.find_task_type(ctx, tenant_id, template.code) is None:
            await catalog.create_task_type_from_template(
                ctx, TaskTypeFromTemplate(template=template.code, tenant_id=tenant_id)
            )
    if "vat_return" in script.mix and await catalog.find_task_type(ctx, tenant_id, VAT_RETURN.code) is None:
        await catalog.create_task_type(
            ctx, msgspec.structs.replace(VAT_RETURN, tenant_id=tenant_id, required_skill_id=skills["fiscal"])
        )
    await standard_sla(ctx, tenant_id)
    found = {}
    for code in script.mix:
        read = await catalog.find_task_type(ctx, tenant_id, code)
        assert read is not None
        found[code] = read
    return found


async def standard_sla(ctx: TenantContext, tenant_id: UUID) -> UUID:
    """The client's "Standard" SLA policy, on every task type that has none."""
    found = (
        await ctx.select(SlaPolicy, SlaPolicy.id)
        .where((SlaPolicy.tenant_id == tenant_id) & (SlaPolicy.name == "Standard"))
        .first()
    )
    if found is None:
        targets = [
            PriorityTarget(priority=p, response_minutes=r, resolution_minutes=s)
            for p, (r, s) in STANDARD_SLA.items()
        ]
        policy_id: UUID = (
            await policies.create_policy(
                ctx, SlaPolicyCreate(name="Standard", targets=targets, tenant_id=tenant_id)
            )
        ).id
    else:
        policy_id = found["id"]
    bare = await ctx.select(TaskType, TaskType.id).where(
        (TaskType.tenant_id == tenant_id) & TaskType.sla_policy_id.is_null()
    )
    for row in bare:
        await catalog.update_task_type(ctx, row["id"], TaskTypeUpdate(sla_policy_id=policy_id))
    return policy_id


async def contract(
    ctx: TenantContext, tenant_id: UUID, script: ClientScript, types: dict[str, TaskTypeRead], since: date
) -> None:
    if await ctx.exists(Contract).where(Contract.tenant_id == tenant_id):
        return
    rates = [
        HourlyRate(rate=rate, task_type_id=types[code].id) for code, rate in TYPE_RATES[script.slug].items()
    ]
    terms = msgspec.structs.replace(script.contract, hourly_rates=rates)
    await contracts.create_contract(
        ctx, ContractCreate(effective_from=since, terms=terms, note=script.contract_note, tenant_id=tenant_id)
    )


async def client_zone(ctx: TenantContext, tenant_id: UUID) -> tuple[ZoneInfo, str]:
    row = await ctx.select(Tenant, Tenant.timezone, Tenant.locale).where(Tenant.id == tenant_id).first()
    assert row is not None
    return ZoneInfo(row["timezone"]), str(row["locale"])


async def integrations(ctx: TenantContext, tenant_id: UUID, slug: str) -> None:
    """The client's ERP talks to the API with a key, and had a webhook endpoint, paused for now (the demo
    would otherwise send every new event to an address that does not exist)."""
    if not await ctx.exists(ApiKey).where(ApiKey.tenant_id == tenant_id):
        await api_keys.create_api_key(
            ctx, ApiKeyCreate(name="ERP", scopes=[Scope.TASKS_READ, Scope.TASKS_WRITE], tenant_id=tenant_id)
        )
    if not await ctx.exists(WebhookEndpoint).where(WebhookEndpoint.tenant_id == tenant_id):
        await endpoints.create_endpoint(
            ctx,
            WebhookEndpointCreate(
                url=f"https://erp.{slug.replace('-', '')}.example/webhooks/retaguarda",
                events=[WebhookEvent.TASK_COMPLETED, WebhookEvent.TASK_WAITING_ON_CLIENT],
                description="ERP",
                active=False,
                tenant_id=tenant_id,
            ),
        )
