"""Demo roster: four skills, a São Paulo and a Madrid pool, the demo operator and supervisor as operators
with skills and memberships, and their shifts for the coming week. Loading twice changes nothing."""

from __future__ import annotations

import dataclasses
from contextlib import suppress
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from retaguarda.errors import Conflict
from retaguarda.tenancy import TenantContext
from staffing.schemas import (
    MembershipCreate,
    OperatorCreate,
    OperatorSkillLevel,
    PoolCreate,
    ShiftCreate,
    SkillCreate,
)
from staffing.service import memberships, operators, pools, shifts, skills
from staffing.tables import Operator, Pool, PoolMembership, Skill
from tenants.tables import User

SKILLS = [
    ("fiscal", "Fiscal and tax"),
    ("payroll", "Payroll"),
    ("support", "Customer support"),
    ("finance", "Accounts payable and receivable"),
    ("orders", "Order management"),
    ("data", "Data and database upkeep"),
    ("it", "IT infrastructure and security"),
    ("training", "Staff training"),
    ("legal", "Legal documents"),
]
SAO_PAULO = PoolCreate(name="São Paulo back office", site="São Paulo", timezone="America/Sao_Paulo")
MADRID = PoolCreate(name="Madrid soporte", site="Madrid", timezone="Europe/Madrid")
# Memberships start on a fixed past date, so they are in force whenever the demo is loaded.
ROSTER_START = datetime(2026, 1, 1, tzinfo=UTC)


@dataclasses.dataclass(frozen=True)
class DemoOperator:
    email: str
    capacity: int
    skills: dict[str, int]
    pool: PoolCreate
    share: int
    shift_start: time
    shift_hours: int
    # A seasonal reinforcement of the other pool: (pool, share, weeks from the 1st of next month).
    reinforces: tuple[PoolCreate, int, int] | None = None


OPERATORS = [
    DemoOperator(
        "operador@retaguarda.demo",
        3,
        {"fiscal": 4, "payroll": 3, "finance": 2, "orders": 3, "data": 2},
        SAO_PAULO,
        100,
        time(8),
        9,
    ),
    DemoOperator(
        "supervisora@retaguarda.demo",
        2,
        {"support": 5, "finance": 3, "it": 3, "training": 4, "legal": 2},
        MADRID,
        70,
        time(9),
        8,
        reinforces=(SAO_PAULO, 30, 6),
    ),
]


def _as_provider(ctx: TenantContext, provider_id: UUID) -> TenantContext:
    """Roster rows are written as the provider; a system context over every tenant is narrowed to it."""
    ctx.require(provider_id)
    if ctx.tenant_id == provider_id:
        return ctx
    return TenantContext(dataclasses.replace(ctx.principal, tenant_id=provider_id))


async def _skill_ids(ctx: TenantContext, provider_id: UUID) -> dict[str, UUID]:
    for code, name in SKILLS:
        if not await ctx.exists(Skill).where((Skill.tenant_id == provider_id) & (Skill.code == code)):
            await skills.create_skill(ctx, SkillCreate(code=code, name=name))
    rows = await ctx.select(Skill, Skill.id, Skill.code).where(Skill.tenant_id == provider_id)
    return {row["code"]: row["id"] for row in rows}


async def _pool_ids(ctx: TenantContext, provider_id: UUID) -> dict[str, UUID]:
    for pool in (SAO_PAULO, MADRID):
        if not await ctx.exists(Pool).where((Pool.tenant_id == provider_id) & (Pool.name == pool.name)):
            await pools.create_pool(ctx, pool)
    rows = await ctx.select(Pool, Pool.id, Pool.name).where(Pool.tenant_id == provider_id)
    return {row["name"]: row["id"] for row in rows}


async def _operator_id(ctx: TenantContext, demo: DemoOperator, skill_ids: dict[str, UUID]) -> UUID | None:
    user = await User.objects().where(User.email == demo.email).first()
    if user is None:
        return None
    existing = await ctx.select(Operator, Operator.id).where(Operator.user_id == user.id).first()
    if existing is not None:
        existing_id: UUID = existing["id"]
        return existing_id
    levels = [
        OperatorSkillLevel(skill_id=skill_ids[code], level=level) for code, level in demo.skills.items()
    ]
    created = await operators.create_operator(
        ctx, OperatorCreate(user_id=user.id, capacity=demo.capacity, status="available", skills=levels)
    )
    return created.id


async def _join(
    ctx: TenantContext,
    pool_id: UUID,
    operator_id: UUID,
    kind: Literal["permanent", "seasonal"],
    share: int,
    since: datetime,
    until: datetime | None = None,
) -> None:
    if await ctx.exists(PoolMembership).where(
        (PoolMembership.pool_id == pool_id) & (PoolMembership.operator_id == operator_id)
    ):
        return
    await memberships.create_membership(
        ctx,
        pool_id,
        MembershipCreate(
            operator_id=operator_id, kind=kind, share=share, valid_from=since, valid_until=until
        ),
    )


def _next_month(today: date) -> datetime:
    first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    return datetime.combine(first, time(0), tzinfo=UTC)


async def _week_of_shifts(ctx: TenantContext, demo: DemoOperator, operator_id: UUID, pool_id: UUID) -> None:
    zone = ZoneInfo(demo.pool.timezone)
    today = datetime.now(zone).date()
    for offset in range(7):
        day = today + timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        starts = datetime.combine(day, demo.shift_start, tzinfo=zone)
        shift = ShiftCreate(
            operator_id=operator_id,
            pool_id=pool_id,
            starts_at=starts,
            ends_at=starts + timedelta(hours=demo.shift_hours),
        )
        with suppress(Conflict):  # already scheduled: loading twice changes nothing
            await shifts.create_shift(ctx, shift)


async def load_roster_demo(ctx: TenantContext, provider_id: UUID) -> None:
    """The demo roster of the provider; the demo users must exist (operators are made only for those who
    do). Call it inside one transaction."""
    ctx = _as_provider(ctx, provider_id)
    skill_ids = await _skill_ids(ctx, provider_id)
    pool_ids = await _pool_ids(ctx, provider_id)
    for demo in OPERATORS:
        operator_id = await _operator_id(ctx, demo, skill_ids)
        if operator_id is None:
            continue
        home = pool_ids[demo.pool.name]
        await _join(ctx, home, operator_id, "permanent", demo.share, ROSTER_START)
        if demo.reinforces is not None:
            pool, share, weeks = demo.reinforces
            since = _next_month(datetime.now(UTC).date())
            await _join(
                ctx,
                pool_ids[pool.name],
                operator_id,
                "seasonal",
                share,
                since,
                since + timedelta(weeks=weeks),
            )
        await _week_of_shifts(ctx, demo, operator_id, home)
