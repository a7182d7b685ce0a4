"""The task list as a workbench: saved filters per person, several tasks reassigned, reprioritised or
cancelled at once after a review (API and portal), and the filtered list exported to a spreadsheet that runs
no formula."""

from __future__ import annotations

import csv
import io
import re

import httpx

from retaguarda.spreadsheets import safe_cell
from retaguarda.work.tables import Task, TaskEvent
from tests.platform.portal.support import csrf_of, text_of
from tests.support.work import Floor


def _form(client: httpx.AsyncClient, **values: object) -> dict[str, object]:
    return {"csrf_token": csrf_of(client), **values}


async def _tasks(floor: Floor, *suppliers: str) -> list[str]:
    member = await floor.world.sign_in("a_member")
    return [
        (await floor.submit(member, payload={"supplier": s, "amount": "10"}, title=f"Pay {s}")).json()["id"]
        for s in suppliers
    ]


def test_formula_cells_are_defused() -> None:
    for dangerous in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(dangerous) == "'" + dangerous
    assert safe_cell("Pay ACME") == "Pay ACME" and safe_cell(None) == ""


async def test_views_are_saved_per_person(floor: Floor) -> None:
    await _tasks(floor, "ACME", "Globex")
    supervisor = await floor.world.sign_in("supervisor")
    saved = await supervisor.post(
        "/tasks/views", data=_form(supervisor, name="Globex queue", query="q=Globex&status=queued&evil=1")
    )
    assert saved.status_code == 303 and "notice=saved_view" in saved.headers["location"]
    listing = await supervisor.get("/tasks")
    link = re.search(r'<a href="/tasks\?([^"]+)">Globex queue</a>', listing.text)
    assert link and "evil" not in link.group(1)
    opened = text_of((await supervisor.get("/tasks?" + link.group(1).replace("&amp;", "&"))).text)
    assert "Pay Globex" in opened and "Pay ACME" not in opened
    # Another person does not see it, and cannot delete it.
    admin = await floor.world.sign_in("admin")
    assert "Globex queue" not in (await admin.get("/tasks")).text
    view_id = re.search(r'action="/tasks/views/([0-9a-f-]+)/delete"', listing.text)
    assert view_id
    assert (await admin.post(f"/tasks/views/{view_id.group(1)}/delete", data=_form(admin))).status_code == 404
    deleted = await supervisor.post(f"/tasks/views/{view_id.group(1)}/delete", data=_form(supervisor))
    assert deleted.status_code == 303 and "Globex queue" not in (await supervisor.get("/tasks")).text


async def test_bulk_changes_through_the_api(floor: Floor) -> None:
    ids = await _tasks(floor, "A1", "A2", "A3")
    supervisor = await floor.world.sign_in("supervisor")
    raised = await supervisor.post(
        "/api/v1/tasks/bulk", json={"taskIds": ids[:2], "action": "reprioritise", "priority": 4}
    )
    assert raised.status_code == 200, raised.text
    assert sorted(raised.json()["changed"]) == sorted(ids[:2]) and raised.json()["refused"] == []
    given = await supervisor.post(
        "/api/v1/tasks/bulk",
        json={"taskIds": [ids[0]], "action": "reassign", "operatorId": str(floor.operators["operator"])},
    )
    assert given.json()["changed"] == [ids[0]]
    no_reason = await supervisor.post("/api/v1/tasks/bulk", json={"taskIds": ids, "action": "cancel"})
    assert no_reason.status_code == 422
    cancelled = await supervisor.post(
        "/api/v1/tasks/bulk", json={"taskIds": ids, "action": "cancel", "reason": "Duplicates"}
    )
    assert sorted(cancelled.json()["changed"]) == sorted(ids)
    again = await supervisor.post(
        "/api/v1/tasks/bulk", json={"taskIds": ids, "action": "cancel", "reason": "Again"}
    )
    assert again.json()["changed"] == [] and {r["code"] for r in again.json()["refused"]} == {"conflict"}
    assert {r["status"] for r in await Task.select(Task.status)} == {"cancelled"}  # scope: test
    kinds = {r["kind"] for r in await TaskEvent.select(TaskEvent.kind)}  # scope: test
    assert {"reprioritised", "reassigned", "cancelled"} <= kinds
    # The operator who held one lost it: its next call is refused.
    operator = await floor.operator_client("operator")
    assert (await operator.get("/api/v1/work/held")).json() == []
    # Clients and operators may not.
    member = await floor.world.sign_in("a_member")
    assert (
        await member.post("/api/v1/tasks/bulk", json={"taskIds": ids, "action": "cancel", "reason": "x"})
    ).status_code == 403
    # Another client's task is refused as not found, not changed.
    b_task = (await floor.submit(await floor.world.sign_in("b_member"))).json()["id"]
    manager_scope = await supervisor.post(
        "/api/v1/tasks/bulk", json={"taskIds": [b_task], "action": "reprioritise", "priority": 1}
    )
    assert manager_scope.status_code == 200


async def test_bulk_changes_in_the_portal_are_reviewed_first(floor: Floor) -> None:
    ids = await _tasks(floor, "B1", "B2", "B3")
    supervisor = await floor.world.sign_in("supervisor")
    listing = await supervisor.get("/tasks")
    assert 'form="batch"' in listing.text
    review = await supervisor.post(
        "/tasks/batch",
        data=_form(supervisor, task_ids=ids[:2], action="cancel", reason="Sent twice", back="/tasks"),
    )
    assert review.status_code == 200
    text = text_of(review.text)
    assert "Cancel 2 tasks" in text and "Pay B1" in text and "Pay B3" not in text
    assert "cannot be reopened" in text
    assert {r["status"] for r in await Task.select(Task.status)} == {"queued"}  # scope: test: nothing yet
    done = await supervisor.post(
        "/tasks/batch",
        data=_form(
            supervisor, task_ids=ids[:2], action="cancel", reason="Sent twice", back="/tasks", confirm="1"
        ),
    )
    assert done.status_code == 303 and "changed=2" in done.headers["location"]
    statuses = sorted(r["status"] for r in await Task.select(Task.status))  # scope: test
    assert statuses == ["cancelled", "cancelled", "queued"]
    # Operators and clients have no such form.
    member = await floor.world.sign_in("a_member")
    assert 'form="batch"' not in (await member.get("/tasks")).text


async def test_export_is_the_filtered_list_without_formulas(floor: Floor) -> None:
    member = await floor.world.sign_in("a_member")
    await floor.submit(member, payload={"supplier": "x", "amount": "1"}, title='=HYPERLINK("http://evil")')
    await floor.submit(member, payload={"supplier": "y", "amount": "1"}, title="Pay Globex")
    await floor.submit(member, payload={"supplier": "z", "amount": "1"}, title="Pay Initech")
    exported = await member.get("/tasks/export.csv", params={"q": "Pay"})
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff")), delimiter=";"))  # pt_BR: ";"
    assert rows[0][:2] == ["Referência", "Título"]
    assert sorted(row[1] for row in rows[1:]) == ["Pay Globex", "Pay Initech"]
    everything = await member.get("/tasks/export.csv")
    titles = [row[1] for row in csv.reader(io.StringIO(everything.text.lstrip("\ufeff")), delimiter=";")][1:]
    assert '\'=HYPERLINK("http://evil")' in titles
    # The list offers the export of what it shows.
    assert 'href="/tasks/export.csv?q=Pay"' in (await member.get("/tasks", params={"q": "Pay"})).text
