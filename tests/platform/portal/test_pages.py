"""Every portal page over HTTP: who may open it (200), which provider role may not (403), what another client
sees of a client's pages (404), and sign-in first for anonymous visitors."""

from __future__ import annotations

from uuid import UUID

import pytest

from tests.platform.portal.support import text_of
from tests.support.work import Floor
from tests.support.world import World

# (page, a role that opens it, a provider role that may not)
PAGES = [
    ("/", "a_admin", None),
    ("/", "account_manager", None),
    ("/profile", "operator", None),
    ("/tasks", "a_member", "operator"),
    ("/tasks", "supervisor", "operator"),
    ("/tasks/new", "a_member", "supervisor"),
    ("/imports", "a_member", "operator"),
    ("/settings/users", "a_admin", "account_manager"),
    ("/settings/api-keys", "a_admin", "supervisor"),
    ("/settings/webhooks", "a_member", "operator"),
    ("/work", "operator", "account_manager"),
    ("/board", "supervisor", "operator"),
    ("/time", "supervisor", "operator"),
    ("/catalog", "account_manager", "operator"),
    ("/tenants", "account_manager", "operator"),
    ("/pools", "account_manager", "operator"),
]


@pytest.mark.parametrize(("path", "allowed", "refused"), PAGES)
async def test_pages_open_for_their_roles_only(
    floor: Floor, path: str, allowed: str, refused: str | None
) -> None:
    world = floor.world
    page = await (await world.sign_in(allowed)).get(path)
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert '<main id="main"' in page.text
    if refused:
        denied = await (await world.sign_in(refused)).get(path)
        assert denied.status_code == 403
        assert "You are not allowed to see this page." in denied.text
        assert denied.headers["content-type"].startswith("text/html")


async def test_client_pages_are_closed_to_a_client_member_where_admins_only(world: World) -> None:
    member = await world.sign_in("a_member")
    for path in ("/settings/users", "/settings/api-keys", "/work", "/board", "/catalog"):
        assert (await member.get(path)).status_code == 403, path


async def test_operator_and_supervisor_are_led_to_their_screens(floor: Floor) -> None:
    operator = await floor.world.sign_in("operator")
    assert 'href="/work">Go to my work' in (await operator.get("/")).text
    supervisor = await floor.world.sign_in("supervisor")
    assert 'href="/board">Open the queue board' in (await supervisor.get("/")).text


async def test_anonymous_visitors_sign_in_first_and_come_back(world: World) -> None:
    page = await world.anonymous().get("/tasks?status=queued")
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=%2Ftasks%3Fstatus%3Dqueued"


async def test_another_clients_pages_do_not_exist(floor: Floor) -> None:
    world = floor.world
    created = await floor.submit(await world.sign_in("a_member"))
    task_id = created.json()["id"]
    b_admin = await world.sign_in("b_admin")
    for path in (f"/tasks/{task_id}", f"/tasks/{UUID(int=1)}"):
        page = await b_admin.get(path)
        assert page.status_code == 404, path
        assert page.headers["content-type"].startswith("text/html")
        assert '<html lang="es">' in page.text  # client B reads Spanish, its error pages too
    answer = await b_admin.post(f"/tasks/{task_id}/comments", data={"body": "hi"})
    assert answer.status_code == 404
    # The account manager owns client A only; client B's pages do not exist for it either.
    b_task = (await floor.submit(await world.sign_in("b_member"))).json()["id"]
    manager = await world.sign_in("account_manager")
    assert (await manager.get(f"/tasks/{b_task}")).status_code == 404
    assert (await manager.get(f"/tasks/{task_id}")).status_code == 200
    assert (await manager.get(f"/tenants/{world.client_b.id}")).status_code == 404


async def test_dashboard_shows_backlog_risk_and_activity(floor: Floor) -> None:
    world = floor.world
    member = await world.sign_in("a_member")
    for supplier in ("ACME", "Globex"):
        await floor.submit(member, payload={"supplier": supplier, "amount": "10"})
    page = await member.get("/")
    text = text_of(page.text)
    assert "Boas-vindas, A Member" in text  # client A reads Portuguese
    assert "2 Na fila" in text
    assert "Pay a bill: Globex" in text
    assert "Enviada" in text
