"""PostgreSQL walls the tenants off by itself: row-level security on every tenant table, the app behind it as
a role that owns nothing, and a query that skips the scoping helper still seeing no other tenant's rows."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse
from uuid import uuid4

import asyncpg
import pytest

from retaguarda import tenancy
from retaguarda.db import ALL_TENANTS, NO_TENANTS, RowScope, get_engine, pg_fetch, row_scope, transaction
from retaguarda.row_security import POLICY, TENANT_COLUMN
from retaguarda.settings import get_settings
from retaguarda.tenancy import TenantContext, statement_unit, unit_of_work
from tenants.tables import BusinessCalendar
from tests.platform.test_tenancy import _client_principal
from tests.support.world import World

pytestmark = pytest.mark.postgres

UNWALLED_TENANT_TABLES_SQL = """
SELECT c.relname AS name, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
       (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = $1 AND p.polcmd = '*'
          AND pg_get_expr(p.polqual, p.polrelid) LIKE '%retaguarda.tenant_ids%'
          AND pg_get_expr(p.polwithcheck, p.polrelid) LIKE '%retaguarda.tenant_ids%') AS policies
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = $2 AND NOT a.attisdropped
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
ORDER BY c.relname
"""
CALENDAR_TENANTS_SQL = "SELECT DISTINCT tenant_id FROM business_calendar"


async def test_every_table_with_a_tenant_id_is_walled_off(world: World) -> None:
    """From the catalog, not from a list: a table added by any later migration without its wall fails here."""
    tables = await pg_fetch(UNWALLED_TENANT_TABLES_SQL, POLICY, TENANT_COLUMN)
    assert len(tables) >= 30, [t["name"] for t in tables]
    assert {"task", "business_calendar", "kernel_outbox", "billing_invoice", "operator"} <= {
        t["name"] for t in tables
    }
    unwalled = [t["name"] for t in tables if not (t["enabled"] and t["forced"] and t["policies"] == 1)]
    assert not unwalled, (
        f"tables with tenant_id but no ENABLE + FORCE row-level security and policy: {unwalled}"
    )


async def test_the_app_connects_as_a_role_that_is_neither_superuser_nor_owner(world: World) -> None:
    settings = get_settings().db
    role = (await pg_fetch("SELECT current_user AS name, rolsuper, rolbypassrls FROM pg_roles "
                           "WHERE rolname = current_user"))[0]  # fmt: skip
    assert not role["rolsuper"] and not role["rolbypassrls"]
    assert role["name"] == urlparse(settings.asyncpg_dsn).username
    assert role["name"] != urlparse(settings.owner_dsn).username
    owned = await pg_fetch(
        "SELECT count(*) AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = $1)",
        role["name"],
    )
    assert owned[0]["n"] == 0
    # And it cannot lift the walls itself.
    async with row_scope(ALL_TENANTS):
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await get_engine().run_ddl("ALTER TABLE business_calendar DISABLE ROW LEVEL SECURITY")


async def test_a_query_that_skips_the_scoping_helper_sees_only_its_own_tenant(world: World) -> None:
    a, b = world.client_a.id, world.client_b.id
    async with unit_of_work(_client_principal(a)):
        assert {r["tenant_id"] for r in await pg_fetch(CALENDAR_TENANTS_SQL)} == {a}
        assert {r["tenant_id"] for r in await BusinessCalendar.select(BusinessCalendar.tenant_id)} == {a}
    # The hot handlers' statements, each in its own implicit transaction, are walled the same way.
    async with statement_unit(_client_principal(b)):
        assert {r["tenant_id"] for r in await pg_fetch(CALENDAR_TENANTS_SQL)} == {b}
        assert await BusinessCalendar.count() == 1
    # Nobody said for whom: nothing.
    async with row_scope(NO_TENANTS):
        assert await pg_fetch(CALENDAR_TENANTS_SQL) == []
    # System work sees every tenant.
    async with tenancy.acting_for_system():
        assert {r["tenant_id"] for r in await pg_fetch(CALENDAR_TENANTS_SQL)} >= {a, b, world.provider.id}


async def test_a_write_into_another_tenant_fails_even_past_the_helper(world: World) -> None:
    a, b = world.client_a.id, world.client_b.id
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
        async with unit_of_work(_client_principal(a)):
            await BusinessCalendar.insert(BusinessCalendar(id=uuid4(), tenant_id=b, name="x", timezone="UTC"))
    async with unit_of_work(_client_principal(a)):
        moved = await BusinessCalendar.update({BusinessCalendar.name: "renamed"}, force=True).returning(
            BusinessCalendar.tenant_id
        )
        assert {r["tenant_id"] for r in moved} == {a}
        deleted = (
            await BusinessCalendar.delete()
            .where(BusinessCalendar.tenant_id == b)
            .returning(BusinessCalendar.id)
        )
        assert deleted == []
    b_names = await BusinessCalendar.select(BusinessCalendar.name).where(BusinessCalendar.tenant_id == b)
    assert [r["name"] for r in b_names] == ["Default"]


async def test_an_account_manager_reaches_its_clients_through_the_published_scope(world: World) -> None:
    manager = await world.sign_in("account_manager")
    slipped = _without_the_helper()
    try:
        listed = (await manager.get("/api/v1/calendars")).json()["items"]
    finally:
        slipped.undo()
    assert {row["tenantId"] for row in listed} == {str(world.provider.id), str(world.client_a.id)}


async def test_requests_with_the_scoping_helper_switched_off_still_see_one_tenant(world: World) -> None:
    """The backstop end to end: the helper's condition removed from every statement, a client's requests
    still list only its own rows and still get 404 for another tenant's."""
    a_admin = await world.sign_in("a_admin")
    b_calendar = (
        await BusinessCalendar.objects().where(BusinessCalendar.tenant_id == world.client_b.id).first()
    )
    assert b_calendar is not None
    slipped = _without_the_helper()
    try:
        listed = (await a_admin.get("/api/v1/calendars")).json()["items"]
        foreign = await a_admin.get(f"/api/v1/calendars/{b_calendar.id}")
    finally:
        slipped.undo()
    assert listed and {row["tenantId"] for row in listed} == {str(world.client_a.id)}
    assert foreign.status_code == 404


async def test_a_scope_opened_inside_a_transaction_holds_until_it_ends(world: World) -> None:
    a = world.client_a.id
    async with tenancy.acting_for_system(), transaction():
        assert len({r["tenant_id"] for r in await pg_fetch(CALENDAR_TENANTS_SQL)}) == 3
        async with row_scope(RowScope.of({a})):
            assert {r["tenant_id"] for r in await pg_fetch(CALENDAR_TENANTS_SQL)} == {a}
        assert len({r["tenant_id"] for r in await pg_fetch(CALENDAR_TENANTS_SQL)}) == 3


async def test_the_authentication_look_ups_widen_the_scope_for_themselves_only(world: World) -> None:
    a = world.client_a.id
    async with unit_of_work(_client_principal(a)):
        await pg_fetch("SELECT * FROM auth_membership($1, $2)", uuid4(), world.client_b.id)
        after = await pg_fetch("SELECT current_setting('retaguarda.all_tenants') AS value")
        assert after[0]["value"] == "off"
        assert {r["tenant_id"] for r in await pg_fetch(CALENDAR_TENANTS_SQL)} == {a}


class _Slip:
    def __init__(self) -> None:
        self.original = TenantContext.condition
        TenantContext.condition = lambda self, table: None  # type: ignore[method-assign,assignment]

    def undo(self) -> None:
        TenantContext.condition = self.original  # type: ignore[method-assign]


def _without_the_helper() -> Any:
    """Simulate the application's scoping slipping: every TenantContext statement without its condition."""
    return _Slip()
