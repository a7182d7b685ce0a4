"""Loading the demo: accounts, roster and catalog through the services; each client's recent past simulated
and written in bulk; its past months invoiced and finalized; forecasts for every queue; the season ahead and
a draft plan for it. Deterministic for a seed, a size and a moment; loading twice changes nothing."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from retaguarda import db
from retaguarda.auth import Role
from retaguarda.demo import invoicing, season, setup
from retaguarda.demo.accounts import DEMO_PASSWORD, ensure_provider, load_accounts
from retaguarda.demo.history import ClientPlan, TypePlan, Worker, simulate
from retaguarda.demo.model import DemoClient, as_provider
from retaguarda.demo.scripts import CLIENT_SCRIPTS, ClientScript
from retaguarda.demo.texts import payload_for, title_for
from retaguarda.demo.writing import write_history
from retaguarda.settings import get_settings
from retaguarda.tenancy import TenantContext, system_context
from retaguarda.work.fields import validate_payload
from retaguarda.work.schemas import TaskTypeRead
from retaguarda.work.sla.service.terms import current_version_id, load_terms
from retaguarda.work.tables import Task
from staffing.tables import Pool
from tenants.tables import AccountAssignment, Membership, Tenant, User

SEED = 2026
HISTORY_DAYS = 90


def history_start(now: datetime, zone: ZoneInfo) -> date:
    """The first of the month that was current about 90 days ago: whole months to invoice."""
    return (now.astimezone(zone).date() - timedelta(days=HISTORY_DAYS)).replace(day=1)


async def account_manager(tenant_id: UUID) -> UUID | None:
    """Who runs the client's invoices and plans its seasons: its account manager, else the provider's admin
    (a person who reaches the client, so the pages show them what they did)."""
    row = (
        await AccountAssignment.select(AccountAssignment.manager_id)  # scope: the demo's client
        .where(AccountAssignment.tenant_id == tenant_id)
        .first()
    )
    return row["manager_id"] if row else await user_id("admin@retaguarda.demo")


async def user_id(email: str) -> UUID | None:
    row = await User.select(User.id).where(User.email == email).first()  # scope: emails are global
    return row["id"] if row else None


async def _client(
    ctx: TenantContext, script: ClientScript, size: float, now: datetime, skills: dict[str, UUID]
) -> DemoClient:
    tenant = await ctx.select(Tenant).where(Tenant.slug == script.slug).first()
    assert tenant is not None
    pool_id = await setup.pool_id(ctx, script.pool)
    pool = await ctx.select(Pool, Pool.timezone).where(Pool.id == pool_id).first()
    assert pool is not None
    pool_zone = ZoneInfo(pool["timezone"])
    staff = [
        await setup.staff(ctx, person, skills)
        for person in script.operators[: setup.staff_count(script, size)]
    ]
    for member in staff:
        await setup.join_pool(ctx, pool_id, member.operator_id)
        await setup.schedule(ctx, member, pool_id, pool_zone, now.astimezone(pool_zone).date())
    temps = [await setup.staff(ctx, person, skills) for person in script.temps]
    zone = ZoneInfo(tenant["timezone"])
    queue_ids = await setup.queues(ctx, tenant["id"], script, pool_id)
    types = await setup.task_types(ctx, tenant["id"], script, skills)
    first_day = history_start(now, zone)
    await setup.contract(ctx, tenant["id"], script, types, first_day)
    policy_id = await setup.standard_sla(ctx, tenant["id"])
    await setup.integrations(ctx, tenant["id"], script.slug)
    return DemoClient(
        script, ctx.tenant_id, tenant["id"], tenant["locale"], tenant["currency"], zone, pool_id, staff,
        temps, queue_ids, types, first_day, policy_id,
    )  # fmt: skip


async def load_standing_data(size: float, now: datetime) -> list[DemoClient]:
    async with db.transaction():
        provider = await ensure_provider()
        roster = as_provider(provider.id)
        people = [p for s in CLIENT_SCRIPTS for p in (*s.operators[: setup.staff_count(s, size)], *s.temps)]
        await setup.provider_people(roster, provider.id, people, DEMO_PASSWORD)
        skills = await setup.skill_ids(roster)
        return [await _client(roster, script, size, now, skills) for script in CLIENT_SCRIPTS]


# ---- history ---------------------------------------------------------------------------------------------


def _maker(client: DemoClient, task_type: TaskTypeRead) -> Any:
    def make(rng: random.Random, day: date, number: int) -> tuple[str, dict[str, Any]]:
        payload, errors = validate_payload(
            task_type.fields,
            payload_for(task_type.fields, client.locale, rng, day, number),
            currency=client.currency,
        )
        assert not errors, errors
        title = title_for(task_type.code, client.locale, rng, day, number)
        return title or task_type.names.get(client.locale, task_type.code), payload

    return make


def _away(rng: random.Random, first_day: date, last_day: date, position: int) -> frozenset[date]:
    """A week's holiday somewhere in the period; the first of a pool was off sick for a week and a half in
    the second month (the month whose SLA credit the invoices show)."""
    span = max((last_day - first_day).days - 10, 1)
    start = first_day + timedelta(days=rng.randrange(span))
    days = {start + timedelta(days=n) for n in range(7)}
    if position == 0:
        second = (first_day + timedelta(days=32)).replace(day=6)
        days |= {second + timedelta(days=n) for n in range(10)}
    return frozenset(days)


async def _client_users(tenant_id: UUID) -> list[UUID]:
    rows = await Membership.select(Membership.user_id).where(  # scope: the demo client's own members
        Membership.tenant_id == tenant_id
    )
    return sorted(row["user_id"] for row in rows)


async def _recipients(tenant_id: UUID) -> list[UUID]:
    """Who the SLA notices of this client reach (as ``work.sla.service.alerting`` chooses them)."""
    managers = await AccountAssignment.select(AccountAssignment.manager_id).where(  # scope: the demo's client
        AccountAssignment.tenant_id == tenant_id
    )
    supervisors = await Membership.select(Membership.user_id).where(  # scope: the provider's own staff
        (Membership.role == Role.SUPERVISOR.value) & (Membership.tenant_id.kind == "provider")
    )
    return sorted({r["manager_id"] for r in managers} | {r["user_id"] for r in supervisors})


async def client_plan(client: DemoClient, now: datetime, seed: int, size: float) -> ClientPlan:
    version_id = await current_version_id(client.policy_id)
    assert version_id is not None
    terms = await load_terms(version_id)
    assert terms is not None
    queue_of = {code: client.queue_ids[q.code] for q in client.script.queues for code in q.types}
    types = [
        TypePlan(
            id=read.id,
            code=code,
            queue_id=queue_of[code],
            skill_id=read.required_skill_id,
            priority=read.default_priority,
            handle_s=read.expected_handle_s,
            weight=client.script.mix[code][0],
            season=client.script.mix[code][1],
            make=_maker(client, read),
        )
        for code, read in client.types.items()
    ]
    rng = random.Random(f"{seed}:away:{client.script.slug}")
    today = now.astimezone(client.zone).date()
    workers = [
        Worker(
            operator_id=member.operator_id,
            user_id=member.user_id,
            skills=member.skills,
            shift_start=member.script.shift_start,
            shift_hours=member.script.shift_hours,
            saturdays=member.script.saturdays,
            away=_away(rng, client.first_day, today, position),
        )
        for position, member in enumerate(client.staff)
    ]
    return ClientPlan(
        tenant_id=client.tenant_id,
        slug=client.script.slug,
        locale=client.locale,
        zone=client.zone,
        calendar=terms.calendar,
        terms=terms,
        types=types,
        workers=workers,
        client_users=await _client_users(client.tenant_id),
        daily_tasks=client.script.daily_tasks * size,
        first_day=client.first_day,
        now=now,
        lease_s=get_settings().work.lease_s,
    )


async def load_history(client: DemoClient, now: datetime, seed: int, size: float) -> int:
    """The client's past, unless it has tasks already; the number of tasks written."""
    ctx = system_context()
    async with db.transaction():
        if await ctx.exists(Task).where(Task.tenant_id == client.tenant_id):
            return 0
        history = simulate(await client_plan(client, now, seed, size), seed)
        await write_history(ctx, client.tenant_id, history, await _recipients(client.tenant_id), now, seed)
        return len(history.tasks)


async def load_demo(
    size: float = 1.0, *, seed: int = SEED, now: datetime | None = None
) -> list[tuple[str, str, str]]:
    """Load everything; the sign-in accounts, to print."""
    moment = now or datetime.now(UTC)
    accounts = await load_accounts()
    clients = await load_standing_data(size, moment)
    for client in clients:
        await load_history(client, moment, seed, size)
    managers = {client.tenant_id: await account_manager(client.tenant_id) for client in clients}
    for client in clients:
        await invoicing.invoice_past_months(client, moment, managers[client.tenant_id])
    await season.prepare_seasons(clients, moment, managers)
    return accounts
