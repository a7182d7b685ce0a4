"""The operator's work screen: the task's SLA clocks and the client's language in view, a reply to the client
that keeps the task held, internal notes apart, completion with a resolution note, "next task" asking first
while a task is held, and "my day" (tasks done, handle time against the expected time per type, time on tasks
against time waiting on clients)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx

from retaguarda.work.tables import Task, TaskComment, TimeEntry
from tests.platform.portal.support import csrf_of, field_error, text_of
from tests.platform.portal.test_sla_pages import sla_policy
from tests.support.work import Floor


def _form(client: httpx.AsyncClient, **values: str) -> dict[str, str]:
    return {"csrf_token": csrf_of(client), **values}


def _token(html: str) -> str:
    found = re.search(r'name="fencing_token" value="(\d+)"', html)
    assert found, html
    return found.group(1)


async def _screen_with_a_task(floor: Floor) -> tuple[httpx.AsyncClient, str, str]:
    member = await floor.world.sign_in("a_member")
    task_id = (await floor.submit(member, payload={"supplier": "ACME", "amount": "10"})).json()["id"]
    operator = await floor.world.sign_in("operator")
    claimed = await operator.post("/work/next", data=_form(operator))
    assert claimed.headers["location"] == f"/work?task={task_id}"
    return operator, task_id, (await operator.get(claimed.headers["location"])).text


async def test_the_screen_shows_the_sla_clocks_and_the_clients_language(floor: Floor) -> None:
    await sla_policy(floor)
    _, _, screen = await _screen_with_a_task(floor)
    text = text_of(screen)
    assert "Client's language Portuguese (Brazil)" in text
    assert "First response Met" in text and "Resolution On track" in text
    assert 'lang="pt-BR"' in screen


async def test_a_reply_keeps_the_task_and_a_note_stays_internal(floor: Floor) -> None:
    operator, task_id, _ = await _screen_with_a_task(floor)
    empty = await operator.post(f"/work/{task_id}/reply", data=_form(operator, body="", internal="0"))
    assert empty.status_code == 422 and field_error(empty.text, "body") == "Write a message."
    replied = await operator.post(
        f"/work/{task_id}/reply", data=_form(operator, body="Received, paying today", internal="0")
    )
    assert replied.headers["location"] == f"/work?task={task_id}&notice=replied"
    noted = await operator.post(
        f"/work/{task_id}/reply", data=_form(operator, body="Check the bank slip twice", internal="1")
    )
    assert noted.headers["location"] == f"/work?task={task_id}&notice=noted"
    assert await Task.select(Task.status).first() == {"status": "claimed"}  # scope: test
    screen = text_of((await operator.get(noted.headers["location"])).text)
    assert "Internal note added. The client does not see it." in screen
    assert "Internal note, not shown to the client" in screen and "Check the bank slip twice" in screen
    kinds = await TaskComment.select(TaskComment.kind, TaskComment.side).order_by(TaskComment.created_at)
    assert kinds == [{"kind": "reply", "side": "provider"}, {"kind": "note", "side": "provider"}]
    client_page = text_of((await (await floor.world.sign_in("a_member")).get(f"/tasks/{task_id}")).text)
    assert "Received, paying today" in client_page and "bank slip" not in client_page


async def test_completion_carries_the_resolution_note(floor: Floor) -> None:
    operator, task_id, screen = await _screen_with_a_task(floor)
    done = await operator.post(
        f"/work/{task_id}/complete",
        data=_form(operator, fencing_token=_token(screen), resolution="Paid, receipt 4471"),
    )
    assert done.headers["location"] == "/work?notice=done"
    client_page = text_of((await (await floor.world.sign_in("a_admin")).get(f"/tasks/{task_id}")).text)
    assert "Resolução Paid, receipt 4471" in client_page


async def test_next_task_while_holding_one_asks_first(floor: Floor) -> None:
    operator, held_id, _ = await _screen_with_a_task(floor)
    member = await floor.world.sign_in("a_member")
    await floor.submit(member, payload={"supplier": "Second", "amount": "10"})
    asked = await operator.post("/work/next", data=_form(operator))
    assert asked.headers["location"] == f"/work?task={held_id}&confirm=next"
    assert await Task.count().where(Task.status == "claimed") == 1  # scope: test
    prompt = text_of((await operator.get(asked.headers["location"])).text)
    assert "Take another task?" in prompt and "You still hold 1 task" in prompt
    taken = await operator.post("/work/next", data=_form(operator, confirm="1"))
    assert taken.headers["location"].startswith("/work?task=")
    assert taken.headers["location"] != f"/work?task={held_id}"
    assert await Task.count().where(Task.status == "claimed") == 2  # scope: test


async def test_my_day_compares_handle_time_with_the_expected_time(floor: Floor) -> None:
    operator, task_id, screen = await _screen_with_a_task(floor)
    # Twelve minutes on a task type expected to take five (tests.support.work: 300 s).
    await TimeEntry.update({TimeEntry.started_at: datetime.now(UTC) - timedelta(minutes=12)}).where(
        TimeEntry.task_id == task_id
    )
    await operator.post(f"/work/{task_id}/complete", data=_form(operator, fencing_token=_token(screen)))
    day = text_of((await operator.get("/work")).text)
    my_day = day[day.index("My day") :]
    assert "Tasks done 1" in my_day
    assert re.search(r"Pay a bill 1 1[12] minutes over 5 minutes", my_day), my_day
    assert "Paused, waiting for clients' answers 0 minutes" in my_day
