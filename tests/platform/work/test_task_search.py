"""Task search over title, reference and field values (a CNPJ as written or as digits, an amount as people
write it), through the API and the portal's list; on PostgreSQL through the trigram index, not a scan."""

from __future__ import annotations

import importlib
import json

import asyncpg
import pytest

from retaguarda.settings import to_asyncpg_dsn
from retaguarda.work.service.search import SEARCH_EXPRESSION, search_terms
from tests.platform.portal.support import add_all_kinds_type
from tests.support.database import admin_url
from tests.support.work import Floor

CNPJ = "11.222.333/0001-81"


async def _invoice(floor: Floor, who: str, **payload: object) -> str:
    client = await floor.world.sign_in(who)
    body = {"supplier": "Padaria", "amount": "10.00", **payload}
    created = await client.post("/api/v1/tasks", json={"taskType": "invoice", "payload": body})
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def test_a_query_is_also_looked_for_in_its_stored_forms() -> None:
    assert search_terms(CNPJ) == [CNPJ, "11222333000181"]
    assert search_terms("R$ 1.234,56") == ["r$ 1.234,56", "123456"]
    assert search_terms("1,234.56") == ["1,234.56", "123456"]
    assert search_terms("99,9") == ["99,9", "9990"]
    assert search_terms("  ACME ") == ["acme"]
    assert search_terms("") == []


async def test_search_finds_tasks_by_title_reference_and_field_values(floor: Floor) -> None:
    await add_all_kinds_type(floor)
    wanted = await _invoice(floor, "a_member", cnpj=CNPJ, amount="1234.56", supplier="Moinho Sul")
    other = await _invoice(floor, "a_member", cnpj="06.990.590/0001-23", amount="99.00", supplier="Outro")
    member = await floor.world.sign_in("a_member")

    async def found(query: str) -> set[str]:
        listing = await member.get("/api/v1/tasks", params={"q": query})
        assert listing.status_code == 200, listing.text
        return {item["id"] for item in listing.json()["items"]}

    assert await found(CNPJ) == {wanted}
    assert await found("11222333000181") == {wanted}
    assert await found("1.234,56") == {wanted}
    assert await found("1234.56") == {wanted}
    assert await found("moinho") == {wanted}
    assert await found("99,00") == {other}
    assert await found("50%_") == set()  # LIKE's wildcards are searched as themselves
    # The portal's list searches the same way.
    page = await member.get("/tasks", params={"q": CNPJ})
    assert f"/tasks/{wanted}" in page.text and f"/tasks/{other}" not in page.text
    # Another client's tasks are never found, whatever the query.
    b_member = await floor.world.sign_in("b_member")
    assert (await b_member.get("/api/v1/tasks", params={"q": CNPJ})).json()["items"] == []


def test_the_index_and_the_query_use_the_same_expression() -> None:
    migration = importlib.import_module("retaguarda.work.piccolo_migrations.work_2026_12_03t16_11_00_000000")
    assert migration.SEARCH_EXPRESSION == SEARCH_EXPRESSION


@pytest.mark.postgres
async def test_search_on_postgres_reads_the_trigram_index(floor: Floor) -> None:
    await add_all_kinds_type(floor)
    await _invoice(floor, "a_member", cnpj=CNPJ)
    # On a table this small a scan is cheaper; with scans priced out, the plan shows the index can serve
    # the query's very condition (a mismatched expression could not use it, and would fall back to a scan).
    # Asked past row-level security (the harness's admin role): under it, LIKE (not leakproof) may not be
    # evaluated before the tenant policy, so PostgreSQL does not take it to the index for the app's role.
    admin = await asyncpg.connect(to_asyncpg_dsn(admin_url()))
    try:
        async with admin.transaction():
            await admin.execute("SET LOCAL enable_seqscan = off")
            await admin.execute("SET LOCAL enable_indexscan = off")
            plan = await admin.fetchval(
                f"EXPLAIN (FORMAT JSON) SELECT id FROM task WHERE {SEARCH_EXPRESSION} LIKE $1",  # noqa: S608
                "%11222333000181%",
            )
    finally:
        await admin.close()
    assert "task_search" in json.dumps(json.loads(plan))
