"""The scoping helper on its own: conditions, 404 for the unreachable, units of work."""

from __future__ import annotations

import dataclasses
from uuid import uuid4

import pytest

from retaguarda import tenancy
from retaguarda.auth import ROLE_SCOPES, Principal, Role, TenantKind
from retaguarda.db import get_engine, is_postgres
from retaguarda.errors import InvalidInput, NotFound
from retaguarda.tenancy import TenantContext, statement_unit, system_context, unit_of_work
from tenants.tables import BusinessCalendar, Tenant
from tests.support.world import World


def _client_principal(tenant_id: object) -> Principal:
    return Principal(
        tenant_id=tenant_id,
        tenant_kind=TenantKind.CLIENT,
        role=Role.CLIENT_ADMIN,
        via="session",  # type: ignore[arg-type]
        scopes=ROLE_SCOPES[Role.CLIENT_ADMIN],
        reachable_tenant_ids=frozenset({tenant_id}),  # type: ignore[arg-type]
        locale="en",
        timezone="UTC",
    )


async def test_every_statement_is_fenced_to_reachable_tenants(world: World) -> None:
    ctx = TenantContext(_client_principal(world.client_a.id))
    calendars = await ctx.select(BusinessCalendar)
    assert {c["tenant_id"] for c in calendars} == {world.client_a.id}
    assert await ctx.count(Tenant) == 1
    b_calendar = (
        await BusinessCalendar.objects().where(BusinessCalendar.tenant_id == world.client_b.id).first()
    )
    assert b_calendar is not None
    with pytest.raises(NotFound):
        await ctx.get(BusinessCalendar, b_calendar.id)
    await ctx.update(BusinessCalendar, {BusinessCalendar.name: "renamed"})
    await ctx.delete(BusinessCalendar).where(BusinessCalendar.id == b_calendar.id)
    untouched = await BusinessCalendar.objects().where(BusinessCalendar.id == b_calendar.id).first()
    assert untouched is not None and untouched.name == "Default"
    with pytest.raises(NotFound):
        await ctx.insert(BusinessCalendar(id=uuid4(), tenant_id=world.client_b.id, name="x", timezone="UTC"))


async def test_an_empty_reach_matches_nothing(world: World) -> None:
    principal = _client_principal(world.client_a.id)
    nobody = TenantContext(
        Principal(
            **{**{f: getattr(principal, f) for f in principal.__slots__}, "reachable_tenant_ids": frozenset()}
        )  # type: ignore[arg-type]
    )
    assert await nobody.count(Tenant) == 0
    assert await system_context().count(Tenant) == 3
    assert await system_context(world.client_b.id).count(Tenant) == 1


async def test_unit_of_work_rolls_back_on_error(world: World) -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom):  # noqa: PT012 - the write and the failure belong in one unit of work
        async with unit_of_work(_client_principal(world.client_a.id)) as ctx:
            await ctx.insert(
                BusinessCalendar(id=uuid4(), tenant_id=world.client_a.id, name="half", timezone="UTC")
            )
            raise Boom
    assert await BusinessCalendar.count().where(BusinessCalendar.name == "half") == 0


async def test_a_statement_unit_opens_a_transaction_only_where_it_must(world: World) -> None:
    """PostgreSQL: no transaction around the handler's one statement (each statement's connection publishes
    the scope: tests/platform/test_row_security.py); SQLite: the usual unit of work."""
    engine = get_engine()
    async with statement_unit(_client_principal(world.client_a.id)) as ctx:
        assert engine.transaction_exists() is not is_postgres()
        assert ctx.reachable == frozenset({world.client_a.id})


def test_a_write_lands_in_the_client_the_caller_owns_or_names_and_reaches() -> None:
    own, other, reached = uuid4(), uuid4(), uuid4()
    client = TenantContext(_client_principal(own))
    assert tenancy.owning_client(client, None) == own
    assert tenancy.owning_client(client, own) == own
    with pytest.raises(NotFound):
        tenancy.owning_client(client, other)  # another client's id: as if it did not exist

    manager = TenantContext(
        dataclasses.replace(
            _client_principal(uuid4()),
            tenant_kind=TenantKind.PROVIDER,
            role=Role.ACCOUNT_MANAGER,
            reachable_tenant_ids=frozenset({reached}),
        )
    )
    assert tenancy.owning_client(manager, reached) == reached
    with pytest.raises(NotFound):
        tenancy.owning_client(manager, other)
    with pytest.raises(InvalidInput) as unnamed:
        tenancy.owning_client(manager, None)
    assert [error.field for error in unnamed.value.errors] == ["tenantId"]
