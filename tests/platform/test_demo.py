"""The demo as a newcomer meets it: months of history, invoices, forecasts, a season the pools cannot cover
and a draft plan that covers it, and every page of every role's menu rendering with data. Loaded small
(``size``), as the browser tests and benchmarks may load it."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from litestar import Litestar

from billing.tables import Invoice
from retaguarda.demo import DEMO_PASSWORD, load_demo
from retaguarda.demo.scripts import CLIENT_SCRIPTS
from retaguarda.kernel.tables import OutboxJob
from retaguarda.tenancy import system_context
from retaguarda.work.tables import Queue, Task, TaskEvent, TimeEntry
from staffing.planning.service import requirements, whatif
from staffing.planning.tables import ForecastInterval, ScalingPlan
from staffing.tables import Pool
from tenants.tables import Tenant
from tests.support.database import all_tables
from tests.support.world import sign_in

SIZE = 0.3
ROLE_ACCOUNTS = (
    "admin@retaguarda.demo",
    "gestor@retaguarda.demo",
    "supervisora@retaguarda.demo",
    "operador@retaguarda.demo",
    "dono@paoquente.demo",
    "caixa@paoquente.demo",
    "directora@iberica.demo",
    "agente@iberica.demo",
)


async def _counts() -> dict[str, int]:
    """Rows per table, but the outbox's: the test app's job runner empties it as it goes."""
    return {
        table.__name__: await table.count()  # scope: the whole test database
        for table in all_tables()
        if table is not OutboxJob
    }


async def _tenant_ids() -> dict[str, Any]:
    rows = await Tenant.select(Tenant.id, Tenant.slug)  # scope: the demo's tenants
    return {row["slug"]: row["id"] for row in rows}


async def test_the_demo_has_a_past_a_season_ahead_and_loads_once(app: Litestar) -> None:
    now = datetime.now(UTC)
    await load_demo(SIZE, now=now)
    first = await _counts()
    await load_demo(SIZE, now=now)
    assert await _counts() == first  # loading twice changes nothing
    tenants = await _tenant_ids()
    for script in CLIENT_SCRIPTS:
        tenant_id = tenants[script.slug]
        tasks = await Task.count().where(Task.tenant_id == tenant_id)  # scope: test
        assert tasks > 1000, script.slug
        # Work of every kind went through the floor: questions, breaches, time, and a backlog today.
        for kind in ("claimed", "paused", "resumed", "completed", "sla_warning", "sla_breached"):
            assert await TaskEvent.exists().where(  # scope: test
                (TaskEvent.tenant_id == tenant_id) & (TaskEvent.kind == kind)
            ), (script.slug, kind)
        assert await TimeEntry.count().where(TimeEntry.tenant_id == tenant_id) >= tasks * 0.9  # scope: test
        finalized = await Invoice.select(Invoice.status, Invoice.sla_attainment).where(  # scope: test
            (Invoice.tenant_id == tenant_id) & Invoice.status.is_in(["open", "paid"])
        )
        assert len(finalized) >= 2, script.slug
    # Every queue of the demo has a forecast for the weeks ahead.
    queues = await Queue.select(Queue.id, Queue.code, Queue.tenant_id)  # scope: test
    assert len(queues) == sum(len(s.queues) for s in CLIENT_SCRIPTS)
    for queue in queues:
        ahead = await ForecastInterval.select(ForecastInterval.volume).where(  # scope: test
            (ForecastInterval.queue_id == queue["id"])
            & (ForecastInterval.starts_at >= now)
            & (ForecastInterval.starts_at < now + timedelta(days=14))
        )
        assert sum(row["volume"] for row in ahead) > 0, queue["code"]


async def test_the_season_opens_on_a_shortfall_that_the_draft_plan_closes(app: Litestar) -> None:
    now = datetime.now(UTC)
    await load_demo(SIZE, now=now)
    ctx = system_context()
    plans = await ScalingPlan.select()  # scope: test
    assert {plan["status"] for plan in plans} == {"draft"} and len(plans) == len(CLIENT_SCRIPTS)
    for plan in plans:
        start = plan["starts_at"]
        pool = await Pool.select(Pool.timezone).where(Pool.id == plan["pool_id"]).first()  # scope: test
        assert pool is not None
        first_day = start.astimezone(ZoneInfo(pool["timezone"])).date()
        days = (plan["ends_at"] - start).days
        grid = await requirements.requirement_grid(ctx, plan["pool_id"], first_day, days, 60)
        short_before = sum(-cell.gap for cell in grid.intervals if cell.gap < 0)
        effect = await whatif.what_if(ctx, plan["id"], 60)
        after = next(p for p in effect.pools if p.pool_id == plan["pool_id"])
        short_after = sum(max(cell.required - cell.scheduled_after, 0.0) for cell in after.intervals)
        assert short_before > 10, plan["name"]  # a visible shortfall in operator-hours
        assert short_after < short_before * 0.4, (plan["name"], short_before, short_after)


async def _signed_in(app: Litestar, email: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    response = await sign_in(client, email, DEMO_PASSWORD)
    assert response.status_code == 303, response.text
    return client


def _menu(html: str) -> list[str]:
    nav = html.split('id="main-nav"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'href="([^"]+)"', nav)


async def test_every_menu_page_of_every_role_renders_with_data(app: Litestar) -> None:
    await load_demo(SIZE)
    seen: dict[str, str] = {}
    for email in ROLE_ACCOUNTS:
        client = await _signed_in(app, email)
        try:
            home = await client.get("/")
            assert home.status_code == 200, email
            for path in _menu(home.text):
                page = await client.get(path)
                assert page.status_code == 200, (email, path, page.text[:500])
                assert 'role="alert"' not in page.text, (email, path)
                seen[f"{email} {path}"] = page.text
        finally:
            await client.aclose()
    # Pages that would be empty on a fresh install show the demo's data.
    assert "Pedido" in seen["dono@paoquente.demo /tasks"]
    assert "Pedido" in seen["directora@iberica.demo /tasks"]
    tenants = await _tenant_ids()
    for email, slug in (("directora@iberica.demo", "iberica"), ("dono@paoquente.demo", "pao-quente")):
        numbers = await Invoice.select(Invoice.number).where(  # scope: test
            (Invoice.tenant_id == tenants[slug]) & Invoice.number.is_not_null()
        )
        assert numbers and all(row["number"] in seen[f"{email} /billing"] for row in numbers), slug
    assert "Pedidos e atendimento" in seen["supervisora@retaguarda.demo /board"]
    assert 'class="short"' in seen["gestor@retaguarda.demo /staffing"]
    assert "Black Friday" in seen["gestor@retaguarda.demo /staffing"]
    for email in ("dono@paoquente.demo", "directora@iberica.demo"):
        assert "ERP" in seen[f"{email} /settings/api-keys"], email
        assert ".example/webhooks/retaguarda" in seen[f"{email} /settings/webhooks"], email
        assert re.search(r"\d+[.,]?\d*\s?%", seen[f"{email} /sla/report"]), email


async def test_last_months_sla_report_covers_both_clients(app: Litestar) -> None:
    await load_demo(SIZE)
    admin = await _signed_in(app, "admin@retaguarda.demo")
    try:
        today = date.today()
        last_month_end = today.replace(day=1)
        last_month = (last_month_end - timedelta(days=1)).replace(day=1)
        report = await admin.get(
            "/api/v1/sla/attainment",
            params={"from": last_month.isoformat(), "to": last_month_end.isoformat(), "group_by": "client"},
        )
        assert report.status_code == 200, report.text
        rows = {row["label"]: row for row in report.json()["rows"]}
    finally:
        await admin.aclose()
    names = {
        row["name"] for row in await Tenant.select(Tenant.name).where(Tenant.kind == "client")
    }  # scope: test
    assert names <= set(rows)
    for name in names:
        row = rows[name]
        assert row["resolutionMet"] > 100, name
        assert Decimal(str(row["resolutionAttainment"])) > Decimal("0.5"), name
