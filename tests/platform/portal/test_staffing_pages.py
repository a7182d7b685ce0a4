"""Staffing plans in the portal: the pool's required-against-scheduled chart, forecasts on request, queue
staffing settings, and a scaling plan from draft through its what-if to applied."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import httpx

from retaguarda.db import transaction
from staffing.planning.tables import ForecastRun, ScalingPlan
from staffing.tables import Pool, PoolMembership
from tests.platform.portal.support import csrf_of, field_error, text_of
from tests.support.work import Floor, add_operator


def _form(client: httpx.AsyncClient, **values: str) -> dict[str, str]:
    return {"csrf_token": csrf_of(client), **values}


async def seasonal_operator(floor: Floor) -> UUID:
    """An operator of another pool, not (yet) in the floor's pool."""
    async with transaction():
        other = Pool(id=uuid4(), tenant_id=floor.world.provider.id, name="Madrid", timezone="Europe/Madrid")
        await other.save()
    operator = await add_operator(floor.world, "seasonal", skill_id=floor.skill_id, pool_id=other.id)
    async with transaction():
        await PoolMembership.delete().where(PoolMembership.operator_id == operator)  # scope: test
    return operator


def plan_form(operator: UUID, floor: Floor, **overrides: str) -> dict[str, str]:
    starts = (datetime.now(ZoneInfo("America/Sao_Paulo")) + timedelta(days=2)).replace(
        hour=9, minute=0, second=0, microsecond=0, tzinfo=None
    )
    return {
        "pool_id": str(floor.pool_id),
        "name": "Year-end peak",
        "starts_at": starts.isoformat(timespec="minutes"),
        "ends_at": (starts + timedelta(days=2)).isoformat(timespec="minutes"),
        "kind_0": "add",
        "operator_0": str(operator),
        **overrides,
    }


async def test_pool_page_for_planners_and_readers(floor: Floor) -> None:
    world = floor.world
    manager = await world.sign_in("account_manager")
    page = await manager.get(f"/staffing?pool={floor.pool_id}&days=7")
    assert page.status_code == 200, page.text
    text = text_of(page.text)
    assert "Required against scheduled operators" in text and "Next 7 days" in text
    assert '<svg class="chart"' in page.text and 'class="required"' in page.text
    assert "Generate forecasts" in text and "New plan" in text
    supervisor = await (await world.sign_in("supervisor")).get("/staffing")
    assert supervisor.status_code == 200 and "New plan" not in text_of(supervisor.text)
    for who in ("operator", "a_admin"):
        assert (await (await world.sign_in(who)).get("/staffing")).status_code == 403, who
    assert (await (await world.sign_in("supervisor")).get("/staffing/plans/new")).status_code == 403
    requested = await manager.post("/staffing/forecasts", data=_form(manager, pool=str(floor.pool_id)))
    assert requested.headers["location"] == f"/staffing?pool={floor.pool_id}&notice=forecasts"
    assert await ForecastRun.count() == 1  # scope: test (the queue of the one client the manager owns)


async def test_queue_settings_validate_inline(floor: Floor) -> None:
    manager = await floor.world.sign_in("account_manager")
    page = await manager.get(f"/staffing/queues/{floor.queue_a}")
    assert page.status_code == 200 and 'name="shrinkage" type="text" value="30"' in page.text
    values = {
        "model": "erlang_c",
        "interval_minutes": "15",
        "target_service_level": "150",
        "answer_time_s": "",
        "max_occupancy": "85",
        "shrinkage": "25",
    }
    refused = await manager.post(f"/staffing/queues/{floor.queue_a}", data=_form(manager, **values))
    assert refused.status_code == 422
    assert field_error(refused.text, "target_service_level") is not None
    saved = await manager.post(
        f"/staffing/queues/{floor.queue_a}", data=_form(manager, **{**values, "target_service_level": "90"})
    )
    assert saved.headers["location"] == f"/staffing/queues/{floor.queue_a}?notice=settings"
    after = await manager.get(saved.headers["location"])
    assert 'value="90"' in after.text and 'value="erlang_c" selected' in after.text
    # Client B's queue is beyond the account manager's reach.
    assert (await manager.get(f"/staffing/queues/{floor.queue_b}")).status_code == 404
    supervisor = await floor.world.sign_in("supervisor")
    assert (
        await supervisor.post(f"/staffing/queues/{floor.queue_a}", data=_form(supervisor, **values))
    ).status_code == 403


async def test_a_plan_from_draft_through_what_if_to_applied(floor: Floor) -> None:
    operator = await seasonal_operator(floor)
    manager = await floor.world.sign_in("account_manager")
    assert (await manager.get(f"/staffing/plans/new?pool={floor.pool_id}")).status_code == 200
    empty = await manager.post(
        "/staffing/plans", data=_form(manager, **plan_form(operator, floor, kind_0="", starts_at="soon"))
    )
    assert empty.status_code == 422
    assert field_error(empty.text, "changes") == "Add at least one change."
    assert field_error(empty.text, "starts_at") is not None
    backwards = plan_form(operator, floor)
    backwards["ends_at"], backwards["starts_at"] = backwards["starts_at"], backwards["ends_at"]
    assert field_error(
        (await manager.post("/staffing/plans", data=_form(manager, **backwards))).text, "ends_at"
    )
    created = await manager.post("/staffing/plans", data=_form(manager, **plan_form(operator, floor)))
    assert created.status_code == 303, created.text
    plan_url = created.headers["location"].split("?")[0]
    page = text_of((await manager.get(created.headers["location"])).text)
    assert "What if: the effect of this plan" in page and "Operator-hours scheduled" in page
    assert "Add to the pool: seasonal" in page
    # Readers read; only planners act; forms carry the CSRF token.
    supervisor = await floor.world.sign_in("supervisor")
    assert (await supervisor.get(plan_url)).status_code == 200
    assert (await supervisor.post(f"{plan_url}/approve", data=_form(supervisor))).status_code == 403
    token = csrf_of(manager)
    manager.headers.pop("X-CSRF-Token")
    assert (await manager.post(f"{plan_url}/approve", data={})).status_code == 403
    manager.headers["X-CSRF-Token"] = token
    premature = await manager.post(f"{plan_url}/apply", data=_form(manager))
    assert premature.headers["location"].endswith("notice=refused&error=1")
    approved = await manager.post(f"{plan_url}/approve", data=_form(manager))
    assert approved.headers["location"].endswith("notice=approve")
    applied = await manager.post(f"{plan_url}/apply", data=_form(manager))
    assert applied.headers["location"].endswith("notice=apply")
    done = text_of((await manager.get(applied.headers["location"])).text)
    assert "The plan was applied to the roster." in done and "Drafted" in done
    row = await ScalingPlan.select(ScalingPlan.status).first()  # scope: test
    assert row is not None and row["status"] == "applied"
    members = await PoolMembership.select().where(PoolMembership.operator_id == operator)  # scope: test
    assert [m["pool_id"] for m in members] == [floor.pool_id]
    assert members[0]["valid_from"] > datetime.now(UTC)


async def test_pool_and_plan_pages_render_a_shortfall(floor: Floor) -> None:
    """The pages an account manager opens when operators are short: the forecast asks for more operators than
    the pool schedules, and both the pool page and the plan what-if render it (they once answered 500)."""
    from tests.staffing.planning.test_requirements_and_plans_api import _planned_floor

    manager, _monday = await _planned_floor(floor)
    page = await manager.get(f"/staffing?pool={floor.pool_id}&days=7")
    assert page.status_code == 200, page.text[:2000]
    text = text_of(page.text)
    assert "Operator-hours short" in text
    assert 'class="short"' in page.text  # the shortfall is shown, not zero
    operator = await seasonal_operator(floor)
    starts = datetime.combine(_monday, datetime.min.time()).replace(hour=8)
    form = plan_form(
        operator,
        floor,
        starts_at=starts.isoformat(timespec="minutes"),
        ends_at=(starts + timedelta(hours=10)).isoformat(timespec="minutes"),
    )
    created = await manager.post("/staffing/plans", data=_form(manager, **form))
    assert created.status_code == 303, created.text[:2000]
    plan = await manager.get(created.headers["location"])
    assert plan.status_code == 200, plan.text[:2000]
    assert "Operator-hours short" in text_of(plan.text)
