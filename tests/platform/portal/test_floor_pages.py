"""The floor's pages: the operator's dashboard links only where the operator may go; one definition of
"at risk" on the dashboard, the board and their counters, each row naming the client and the clock, both
board lists giving a task the same deadline; time corrections find the task by searching."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from uuid import UUID

from retaguarda.work.tables import Task
from tests.platform.portal.support import add_all_kinds_type, text_of
from tests.platform.portal.test_sla_pages import sla_policy
from tests.support.work import Floor


async def test_the_operator_dashboard_links_only_to_pages_the_operator_may_open(floor: Floor) -> None:
    member = await floor.world.sign_in("a_member")
    for supplier in ("Held Co", "Queued Co"):
        await floor.submit(member, payload={"supplier": supplier, "amount": "5"})
    operator = await floor.world.sign_in("operator")
    held = (await operator.post("/api/v1/work/next")).json()["task"]
    home = await operator.get("/")
    links = set(re.findall(r'href="(/[^"#]*)"', home.text))
    assert f"/work?task={held['id']}" in links
    assert not [link for link in links if link.startswith("/tasks")], links
    for link in links - {"/logout"}:
        opened = await operator.get(link)
        assert opened.status_code < 400, (link, opened.status_code)


async def _three_clocks(floor: Floor) -> list[str]:
    """Three open tasks of client A: one breached, one in warning, one on track."""
    await sla_policy(floor)
    member = await floor.world.sign_in("a_member")
    ids = [
        (await floor.submit(member, priority=2, payload={"supplier": name, "amount": "1"})).json()["id"]
        for name in ("Late Co", "Soon Co", "Fresh Co")
    ]
    at = datetime.now(UTC)
    await Task.update(
        {
            Task.resolution_due_at: at - timedelta(minutes=5),
            Task.resolution_warn_at: at - timedelta(minutes=30),
        }
    ).where(Task.id == UUID(ids[0]))
    await Task.update({Task.resolution_warn_at: at - timedelta(minutes=1)}).where(Task.id == UUID(ids[1]))
    return ids


def _section(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end, text.index(start))]


async def test_at_risk_means_the_same_on_the_dashboard_the_board_and_the_counters(floor: Floor) -> None:
    await _three_clocks(floor)
    supervisor = await floor.world.sign_in("supervisor")
    board = text_of((await supervisor.get("/board")).text)
    assert "1 SLA breached" in board and "1 SLA at risk" in board
    risk = _section(board, "At risk of missing the SLA", "Due next")
    assert "Late Co" in risk and "Soon Co" in risk and "Fresh Co" not in risk
    assert risk.index("Late Co") < risk.index("Soon Co")  # breached first
    # Each row names the client and the clock.
    assert "Cliente A Ltda. · Resolution: overdue since" in risk
    assert "Cliente A Ltda. · Resolution: due" in risk
    # Both lists give a task the same deadline: the clock it is watched by.
    next_up = _section(board, "Due next", "Who holds what")
    late_risk = re.search(r"Late Co Breached Queued Cliente A Ltda\. · ([^G]+)Give", risk)
    late_next = re.search(r"Late Co Breached Queued Cliente A Ltda\. · ([^G]+)Give", next_up)
    assert late_risk and late_next and late_risk.group(1) == late_next.group(1)
    assert "Fresh Co On track Queued Cliente A Ltda. · First response: due" in next_up
    # The client's dashboard: the same two tasks, the same counts.
    home = text_of((await (await floor.world.sign_in("a_admin")).get("/")).text)
    assert "1 SLA violado" in home and "1 SLA em risco" in home
    client_risk = _section(home, "Em risco de descumprir o SLA", "Atividade recente")
    assert "Late Co" in client_risk and "Soon Co" in client_risk and "Fresh Co" not in client_risk


async def test_a_task_waiting_on_the_client_is_not_at_risk(floor: Floor) -> None:
    ids = await _three_clocks(floor)
    await Task.update(
        {
            Task.status: "waiting_on_client",
            Task.sla_paused_at: datetime.now(UTC),
            Task.first_claimed_at: datetime.now(UTC),
        }
    ).where(Task.id == UUID(ids[1]))
    board = text_of((await (await floor.world.sign_in("supervisor")).get("/board")).text)
    assert "1 SLA breached" in board and "0 SLA at risk" in board
    assert "Soon Co" not in _section(board, "At risk of missing the SLA", "Due next")


async def test_time_corrections_find_the_task_by_a_field_value(floor: Floor) -> None:
    await add_all_kinds_type(floor)
    member = await floor.world.sign_in("a_member")
    created = await member.post(
        "/api/v1/tasks",
        json={
            "taskType": "invoice",
            "title": "Boleto Moinho",
            "payload": {"supplier": "Moinho", "amount": "321.00", "cnpj": "11.222.333/0001-81"},
        },
    )
    task_id = created.json()["id"]
    for supplier in ("Other", "Another"):
        await floor.submit(member, payload={"supplier": supplier, "amount": "5"})
    supervisor = await floor.world.sign_in("supervisor")
    page = await supervisor.get("/time")
    assert 'name="q"' in page.text and "Task id" not in text_of(page.text)
    # One match opens the task straight away, with its correction form.
    found = await supervisor.get("/time", params={"q": "11.222.333/0001-81"})
    assert "Record a correction" in text_of(found.text) and f'value="{task_id}"' in found.text
    # Several matches are listed to choose from, each naming its client.
    several = text_of((await supervisor.get("/time", params={"q": "Moinho"})).text)
    assert "Tasks found" not in several  # only the one task mentions Moinho
    listing = await supervisor.get("/time", params={"q": "Pay a bill"})
    assert "Tasks found" in text_of(listing.text) and "Cliente A Ltda." in text_of(listing.text)
    nothing = text_of((await supervisor.get("/time", params={"q": "zzz-none"})).text)
    assert "No task matches." in nothing


async def test_the_task_history_names_who_did_each_event(floor: Floor) -> None:
    member = await floor.world.sign_in("a_member")
    task_id = (await floor.submit(member)).json()["id"]
    operator = await floor.world.sign_in("operator")
    await operator.post("/api/v1/work/next")
    supervisor = await floor.world.sign_in("supervisor")
    assert (await supervisor.post(f"/api/v1/tasks/{task_id}/reassign", json={})).status_code == 200
    await member.post(f"/api/v1/tasks/{task_id}/comments", json={"body": "Any news?"})
    page = text_of((await supervisor.get(f"/tasks/{task_id}")).text)
    history = page[page.index("History") :]
    assert "Taken by an operator · Operator" in history
    assert "Reassigned by a supervisor · Supervisor" in history
    assert "New message · A Member" in history and "Submitted · A Member" in history
    # The client reads the same names, in its own language and time zone.
    client = text_of((await member.get(f"/tasks/{task_id}")).text)
    assert "· Operator" in client[client.index("Histórico") :]
