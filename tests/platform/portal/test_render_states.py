"""Staffing, plan and board pages in the states people meet them in: short of operators, SLA breached,
and nothing at all yet. Each renders (never a 500), says what it shows, and keeps its chart readable: axes
with their unit and days, and the figures as a table."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from retaguarda.db import transaction
from retaguarda.work.tables import Task
from staffing.tables import Pool
from tests.platform.portal.support import csrf_of, text_of
from tests.platform.portal.test_sla_pages import sla_policy
from tests.platform.portal.test_staffing_pages import plan_form, seasonal_operator
from tests.support.work import Floor
from tests.support.world import World


def _table_rows(html: str) -> list[str]:
    table = re.search(r'<details class="chart-table">(.*?)</details>', html, re.S)
    assert table, "the chart has no table view"
    return re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", table.group(1), re.S)


async def test_a_shortfall_shows_on_the_chart_its_axes_and_its_table(floor: Floor) -> None:
    from tests.staffing.planning.test_requirements_and_plans_api import _planned_floor

    manager, _monday = await _planned_floor(floor)
    page = await manager.get(f"/staffing?pool={floor.pool_id}&days=7")
    assert page.status_code == 200
    assert '<figcaption class="axis-title">Operators</figcaption>' in page.text
    assert re.search(r'<svg class="axis y-axis"[^>]*>\s*<text x="100%" y="100.0%"[^>]*>0</text>', page.text)
    assert "Days, hour by hour (America/Sao_Paulo)" in page.text
    assert len(re.findall(r'<text x="[\d.]+%" y="1.3em"', page.text)) >= 4  # days labelled
    rows = _table_rows(page.text)
    assert len(rows) == 7 * 24
    assert any(re.search(r"<td>-\d", row) for row in rows), "no interval shows its gap in the table"
    assert 'class="short"' in page.text


async def test_pages_with_nothing_yet(world: World) -> None:
    """A provider with no pool yet, then a pool that serves no queue and has no operator."""
    manager = await world.sign_in("account_manager")
    assert "No pools yet." in text_of((await manager.get("/staffing")).text)
    supervisor = await world.sign_in("supervisor")
    board = await supervisor.get("/board")
    assert board.status_code == 200 and '<main id="main"' in board.text
    async with transaction():
        pool = Pool(id=uuid4(), tenant_id=world.provider.id, name="Vazio", timezone="America/Sao_Paulo")
        await pool.save()
    empty = await manager.get(f"/staffing?pool={pool.id}")
    assert empty.status_code == 200
    text = text_of(empty.text)
    assert "This pool serves no queue yet." in text and "No plans for this pool yet." in text
    assert all("<td>0.0</td>" in row for row in _table_rows(empty.text)[:3])
    assert (await supervisor.get(f"/board?pool={pool.id}")).status_code == 200


async def test_a_plan_for_a_pool_with_no_demand_renders(floor: Floor) -> None:
    manager = await floor.world.sign_in("account_manager")
    operator = await seasonal_operator(floor)
    created = await manager.post(
        "/staffing/plans", data={"csrf_token": csrf_of(manager), **plan_form(operator, floor)}
    )
    plan = await manager.get(created.headers["location"])
    assert plan.status_code == 200
    assert "What if: the effect of this plan" in text_of(plan.text)
    assert len(_table_rows(plan.text)) >= 48  # two days, hour by hour
    assert "Scheduled with the plan" in plan.text


async def test_the_board_with_breaches_and_an_empty_board(floor: Floor) -> None:
    supervisor = await floor.world.sign_in("supervisor")
    quiet = text_of((await supervisor.get("/board")).text)
    assert "0 SLA breached" in quiet and "0 SLA at risk" in quiet
    await sla_policy(floor)
    member = await floor.world.sign_in("a_member")
    task = (await floor.submit(member, priority=1, title="Late payroll")).json()["id"]
    await Task.update({Task.resolution_due_at: datetime.now(UTC) - timedelta(hours=2)}).where(
        Task.id == UUID(task)
    )
    busy = await supervisor.get("/board")
    assert busy.status_code == 200
    text = text_of(busy.text)
    assert "1 SLA breached" in text and "Late payroll" in text
