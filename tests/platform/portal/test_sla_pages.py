"""SLA in the portal: clocks on the task page and in the list, the client's attainment card and tasks at risk,
the supervisor's board counts, notices with the header count, policies (create, new version, history),
attaching a policy to a task type, and the attainment report with its CSV."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx

from retaguarda.db import transaction
from retaguarda.work.tables import Notification, Task, TaskType
from tests.platform.portal.support import csrf_of, field_error, text_of
from tests.support.work import Floor

TARGETS = [{"priority": p, "responseMinutes": 30 * p, "resolutionMinutes": 240 * p} for p in (1, 2, 3, 4)]


async def sla_policy(floor: Floor, tenant_id: UUID | None = None, type_id: UUID | None = None) -> str:
    """A round-the-clock policy (business time is wall time) on client A's task type, through the API."""
    world = floor.world
    admin = await world.sign_in("admin")
    tenant = str(tenant_id or world.client_a.id)
    calendar = await admin.post(
        "/api/v1/calendars",
        json={"name": "24x7", "timezone": "America/Sao_Paulo", "alwaysOpen": True, "tenantId": tenant},
    )
    assert calendar.status_code == 201, calendar.text
    created = await admin.post(
        "/api/v1/sla/policies",
        json={
            "name": "Standard",
            "targets": TARGETS,
            "calendarId": calendar.json()["id"],
            "tenantId": tenant,
        },
    )
    assert created.status_code == 201, created.text
    linked = await admin.patch(
        f"/api/v1/task-types/{type_id or floor.type_a}", json={"slaPolicyId": created.json()["id"]}
    )
    assert linked.status_code == 200, linked.text
    return str(created.json()["id"])


def _form(client: httpx.AsyncClient, **values: str) -> dict[str, str]:
    return {"csrf_token": csrf_of(client), **values}


async def _complete_next(floor: Floor) -> None:
    operator = await floor.operator_client("operator")
    lease = (await operator.post("/api/v1/work/next")).json()
    done = await operator.post(
        f"/api/v1/work/{lease['task']['id']}/complete", json={"fencingToken": lease["fencingToken"]}
    )
    assert done.status_code == 204, done.text


async def test_task_page_and_list_show_the_clocks(floor: Floor) -> None:
    await sla_policy(floor)
    member = await floor.world.sign_in("a_member")
    task = (await floor.submit(member, priority=2)).json()
    manager = await floor.world.sign_in("account_manager")
    detail = text_of((await manager.get(f"/tasks/{task['id']}")).text)
    assert "Service level" in detail
    assert "First response On track" in detail and "Resolution On track" in detail
    assert "Business time left 59 minutes" in detail or "Business time left 1 hour" in detail
    listing = await manager.get("/tasks")
    assert 'class="badge sla-running"' in listing.text
    # Overdue: the clock says so, in business time.
    await Task.update({Task.resolution_due_at: datetime.now(UTC) - timedelta(minutes=90)}).where(
        Task.id == UUID(task["id"])
    )
    overdue = text_of((await manager.get(f"/tasks/{task['id']}")).text)
    assert "Resolution Breached" in overdue
    assert re.search(r"Overdue by 1 hour (29|30) minutes", overdue)
    # Client A reads Portuguese; the badge too.
    client_page = text_of((await member.get(f"/tasks/{task['id']}")).text)
    assert "Nível de serviço" in client_page and "Violado" in client_page


async def test_the_client_dashboard_shows_attainment_and_tasks_at_risk(floor: Floor) -> None:
    await sla_policy(floor)
    admin = await floor.world.sign_in("a_admin")
    await floor.submit(admin, priority=2, payload={"supplier": "Done Co", "amount": "1"})
    await _complete_next(floor)
    late = (await floor.submit(admin, priority=2, payload={"supplier": "Late Co", "amount": "1"})).json()
    await Task.update(
        {
            Task.resolution_due_at: datetime.now(UTC) - timedelta(minutes=5),
            Task.resolution_state: "breached",
        }
    ).where(Task.id == UUID(late["id"]))
    await floor.submit(admin, priority=2, payload={"supplier": "Fresh Co", "amount": "1"})
    page = await admin.get("/")
    text = text_of(page.text)
    assert "Cumprimento do SLA neste mês" in text
    assert '<svg class="chart"' in page.text and 'class="met"' in page.text
    # One resolution met, and the late one breached (past due while open): 50 %.
    assert re.search(r"Resolução 50,0\s?%", text), text
    risk = text[text.index("Em risco de descumprir o SLA") : text.index("Atividade recente")]
    assert "Late Co" in risk and "Fresh Co" not in risk  # on track is not at risk


async def test_supervisor_board_counts_breached_and_at_risk(floor: Floor) -> None:
    await sla_policy(floor)
    member = await floor.world.sign_in("a_member")
    tasks = [(await floor.submit(member, priority=2)).json()["id"] for _ in range(3)]
    at = datetime.now(UTC)
    await Task.update({Task.resolution_due_at: at - timedelta(minutes=1)}).where(Task.id == UUID(tasks[0]))
    await Task.update({Task.resolution_warn_at: at - timedelta(minutes=1)}).where(Task.id == UUID(tasks[1]))
    board = text_of((await (await floor.world.sign_in("supervisor")).get("/board")).text)
    assert "1 SLA breached" in board and "1 SLA at risk" in board
    assert "At risk of missing the SLA" in board


async def test_notices_are_counted_listed_and_marked_read(floor: Floor) -> None:
    world = floor.world
    member = await world.sign_in("a_member")
    task = (await floor.submit(member)).json()
    async with transaction():
        for kind in ("sla_warning", "sla_breached"):
            await Notification(
                id=uuid4(),
                tenant_id=world.client_a.id,
                user_id=world.people["supervisor"].user_id,
                task_id=UUID(task["id"]),
                kind=kind,
                data={"clock": "resolution", "title": "Pay ACME"},
            ).save()
    supervisor = await world.sign_in("supervisor")
    home = text_of((await supervisor.get("/board")).text)
    assert "Notifications 2 unread" in home
    listing = await supervisor.get("/notifications")
    assert "SLA breached" in text_of(listing.text) and "Pay ACME" in listing.text
    first = re.search(r'action="/notifications/([0-9a-f-]+)/read"', listing.text)
    assert first
    # Forms carry the CSRF token: without it nothing is marked.
    token = csrf_of(supervisor)
    supervisor.headers.pop("X-CSRF-Token")
    refused = await supervisor.post(f"/notifications/{first.group(1)}/read", data={})
    assert refused.status_code == 403
    supervisor.headers["X-CSRF-Token"] = token
    marked = await supervisor.post(f"/notifications/{first.group(1)}/read", data=_form(supervisor))
    assert marked.headers["location"] == "/notifications?notice=read"
    assert "Notifications 1 unread" in text_of((await supervisor.get("/notifications")).text)
    await supervisor.post("/notifications/read-all", data=_form(supervisor))
    after = text_of((await supervisor.get("/notifications")).text)
    assert "unread" not in after.split("Skip to content")[-1].split("Sign out")[0]
    assert "No unread notifications." in after
    # Another person's notice does not exist for this one.
    other = await world.sign_in("account_manager")
    assert (await other.post(f"/notifications/{first.group(1)}/read", data=_form(other))).status_code == 404
    # A client's person has notices of its own, and none of the provider's.
    client_list = await (await world.sign_in("a_admin")).get("/notifications")
    assert client_list.status_code == 200 and "Pay ACME" not in client_list.text


async def test_policies_are_created_versioned_and_attached(floor: Floor) -> None:
    world = floor.world
    manager = await world.sign_in("account_manager")
    page = await manager.get(f"/sla/policies?client={world.client_a.id}")
    assert page.status_code == 200
    values: dict[str, Any] = {"tenant_id": str(world.client_a.id), "name": "Gold", "warning_percent": "75"}
    for p in (1, 2, 3, 4):
        values |= {f"response_{p}": str(30 * p), f"resolution_{p}": str(240 * p)}
    typo = await manager.post("/sla/policies", data=_form(manager, **{**values, "response_3": "x"}))
    assert typo.status_code == 422
    assert field_error(typo.text, "response_3") == "Enter whole business minutes, such as 240."
    refused = await manager.post("/sla/policies", data=_form(manager, **{**values, "resolution_2": "10"}))
    assert refused.status_code == 422
    assert field_error(refused.text, "resolution_2") == (
        "The resolution target cannot be shorter than the first-response target."
    )
    assert 'value="Gold"' in refused.text and 'value="10"' in refused.text  # what was typed stays
    created = await manager.post("/sla/policies", data=_form(manager, **values))
    assert created.status_code == 303, created.text
    location = created.headers["location"]
    policy_id = location.split("/")[-1].split("?")[0]
    taken = await manager.post("/sla/policies", data=_form(manager, **values))
    assert field_error(taken.text, "name") is not None
    # A name-only change keeps the version; a change of targets makes version 2.
    renamed = await manager.post(
        f"/sla/policies/{policy_id}", data=_form(manager, **{**values, "name": "Gold+"})
    )
    assert renamed.headers["location"].endswith("notice=saved")
    changed = await manager.post(
        f"/sla/policies/{policy_id}",
        data=_form(manager, **{**values, "name": "Gold+", "resolution_4": "2000"}),
    )
    assert changed.headers["location"].endswith("notice=versioned")
    detail = text_of((await manager.get(changed.headers["location"])).text)
    assert "Version 2" in detail and "33 hours 20 minutes" in detail
    # Attach it to the task type on the catalog page; new tasks start its clocks.
    attached = await manager.post(
        f"/catalog/types/{floor.type_a}/sla", data=_form(manager, sla_policy_id=policy_id)
    )
    assert attached.headers["location"] == "/catalog?notice=policy"
    row = await TaskType.select(TaskType.sla_policy_id).where(TaskType.id == floor.type_a).first()
    assert row is not None and str(row["sla_policy_id"]) == policy_id
    # Client B's type cannot take client A's policy.
    wrong = await (await world.sign_in("admin")).post(
        f"/catalog/types/{floor.type_b}/sla",
        data=_form(await world.sign_in("admin"), sla_policy_id=policy_id),
    )
    assert wrong.status_code == 303 and "policy_refused" in wrong.headers["location"]


async def test_policy_pages_are_closed_to_others(floor: Floor) -> None:
    world = floor.world
    b_policy = await sla_policy(floor, world.client_b.id, floor.type_b)
    manager = await world.sign_in("account_manager")  # owns client A only
    assert (await manager.get(f"/sla/policies/{b_policy}")).status_code == 404
    assert (await (await world.sign_in("admin")).get(f"/sla/policies/{b_policy}")).status_code == 200
    for who in ("supervisor", "operator", "a_admin"):
        assert (await (await world.sign_in(who)).get("/sla/policies")).status_code == 403, who
    assert (await (await world.sign_in("operator")).get("/sla/report")).status_code == 403


async def test_report_page_and_csv(floor: Floor) -> None:
    await sla_policy(floor)
    member = await floor.world.sign_in("a_member")
    await floor.submit(member, priority=3)
    await _complete_next(floor)
    page = await member.get("/sla/report?group_by=priority")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Alta" in text and "100,0" in text
    csv_link = re.search(r'href="(/sla/report\.csv\?[^"]+)"', page.text)
    assert csv_link
    csv = await member.get(csv_link.group(1).replace("&amp;", "&"))
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0].startswith("Grupo;")
    wrong = await member.get("/sla/report?from=2025-02-10&to=2025-02-01")
    assert wrong.status_code == 422
    assert field_error(wrong.text, "to") == "O período precisa terminar depois de começar."
    # Provider staff choose a client; a client never sees another's groups.
    staff = await (await floor.world.sign_in("supervisor")).get("/sla/report?group_by=client")
    assert staff.status_code == 200 and "Cliente A Ltda." in staff.text
