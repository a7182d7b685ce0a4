"""The provider's screens: the operator's loop on the work screen, the supervisor's board with
reassignment, time corrections, and everyone's profile and language."""

from __future__ import annotations

import re

import httpx

from retaguarda.work.tables import Task, TimeEntry
from tenants.tables import User
from tests.platform.portal.support import csrf_of, field_error, text_of
from tests.support.work import Floor
from tests.support.world import World


def _form(client: httpx.AsyncClient, **values: str) -> dict[str, str]:
    return {"csrf_token": csrf_of(client), **values}


def _token(html: str) -> str:
    found = re.search(r'name="fencing_token" value="(\d+)"', html)
    assert found, html
    return found.group(1)


async def test_operator_claims_asks_and_completes_on_the_work_screen(floor: Floor) -> None:
    world = floor.world
    member = await world.sign_in("a_member")
    first = (await floor.submit(member, payload={"supplier": "ACME", "amount": "1234.56"})).json()["id"]
    operator = await world.sign_in("operator")
    empty_screen = await operator.get("/work")
    assert "Next task" in empty_screen.text and "data-lease" not in empty_screen.text
    claimed = await operator.post("/work/next", data=_form(operator))
    assert claimed.status_code == 303 and claimed.headers["location"] == f"/work?task={first}"
    screen = await operator.get(claimed.headers["location"])
    assert 'data-heartbeat-url="/api/v1/work/' in screen.text
    assert "R$1,234.56" in text_of(screen.text)  # the operator reads English
    no_question = await operator.post(
        f"/work/{first}/ask", data=_form(operator, fencing_token=_token(screen.text))
    )
    assert no_question.status_code == 422
    assert field_error(no_question.text, "question") == "Write the question."
    asked = await operator.post(
        f"/work/{first}/ask",
        data=_form(operator, fencing_token=_token(screen.text), question="Which branch?"),
    )
    assert asked.headers["location"] == "/work?notice=asked"
    assert await Task.select(Task.status).first() == {"status": "waiting_on_client"}  # scope: test
    # The client answers on the task page; the task comes back to the operator who asked.
    answered = await member.post(f"/tasks/{first}/comments", data=_form(member, body="Filial SP"))
    assert answered.status_code == 303
    again = await operator.post("/work/next", data=_form(operator))
    screen = await operator.get(again.headers["location"])
    assert "Which branch?" in screen.text and "Filial SP" in screen.text
    stale = await operator.post(f"/work/{first}/complete", data=_form(operator, fencing_token="1"))
    assert stale.headers["location"] == "/work?notice=lost"
    done = await operator.post(
        f"/work/{first}/complete", data=_form(operator, fencing_token=_token(screen.text))
    )
    assert done.headers["location"] == "/work?notice=done"
    after = text_of((await operator.get("/work?notice=done")).text)
    assert "1 task completed today" in after
    assert await Task.select(Task.status).first() == {"status": "done"}  # scope: test


async def test_hand_back_and_nothing_waiting(floor: Floor) -> None:
    world = floor.world
    await floor.submit(await world.sign_in("a_member"))
    operator = await world.sign_in("operator")
    claimed = await operator.post("/work/next", data=_form(operator))
    screen = await operator.get(claimed.headers["location"])
    task_id = claimed.headers["location"].rsplit("=", 1)[1]
    released = await operator.post(
        f"/work/{task_id}/release", data=_form(operator, fencing_token=_token(screen.text))
    )
    assert released.headers["location"] == "/work?notice=released"
    # The one task is queued again; after taking and completing it nothing is left.
    screen = await operator.get((await operator.post("/work/next", data=_form(operator))).headers["location"])
    await operator.post(f"/work/{task_id}/complete", data=_form(operator, fencing_token=_token(screen.text)))
    empty = await operator.post("/work/next", data=_form(operator))
    assert empty.headers["location"] == "/work?notice=empty"


async def test_supervisor_board_shows_the_floor_and_reassigns(floor: Floor) -> None:
    world = floor.world
    member = await world.sign_in("a_member")
    for supplier in ("ACME", "Globex"):
        await floor.submit(member, payload={"supplier": supplier, "amount": "1"})
    operator = await world.sign_in("operator")
    held = (await operator.post("/work/next", data=_form(operator))).headers["location"].rsplit("=", 1)[1]
    supervisor = await world.sign_in("supervisor")
    board = await supervisor.get("/board")
    text = text_of(board.text)
    assert "Cliente A Ltda." in text and "Operator : Pay a bill" in text
    assert f'data-refresh-url="/board/{floor.pool_id}/panel"' in board.text
    panel = await supervisor.get(f"/board/{floor.pool_id}/panel")
    assert panel.status_code == 200 and "<html" not in panel.text
    back = await supervisor.post(
        f"/board/tasks/{held}/reassign", data=_form(supervisor, pool=str(floor.pool_id), operator_id="")
    )
    assert back.status_code == 303 and "notice=reassigned" in back.headers["location"]
    row = await Task.select(Task.status, Task.assignee_id).where(Task.id == held).first()  # scope: test
    assert row == {"status": "queued", "assignee_id": None}


async def test_time_corrections_need_a_sane_interval_and_a_reason(floor: Floor) -> None:
    world = floor.world
    task_id = (await floor.submit(await world.sign_in("a_member"))).json()["id"]
    operator_id = str(floor.operators["operator"])
    supervisor = await world.sign_in("supervisor")
    page = await supervisor.get(f"/time?task={task_id}")
    assert page.status_code == 200
    values = {"task_id": task_id, "operator_id": operator_id, "reason": "Forgot to claim", "billable": "on"}
    backwards = await supervisor.post(
        "/time", data=_form(supervisor, **values, started_at="2025-01-10T10:00", ended_at="2025-01-10T09:00")
    )
    assert backwards.status_code == 422
    assert field_error(backwards.text, "ended_at") == "The end must be after the start."
    assert await TimeEntry.count() == 0  # scope: test
    recorded = await supervisor.post(
        "/time", data=_form(supervisor, **values, started_at="2025-01-10T09:00", ended_at="2025-01-10T09:45")
    )
    assert recorded.status_code == 303
    listing = text_of((await supervisor.get(recorded.headers["location"])).text)
    assert "45 minutes" in listing and "Forgot to claim" in listing
    entry = await TimeEntry.select(TimeEntry.started_at).first()  # scope: test
    assert entry is not None and entry["started_at"].isoformat().startswith(
        "2025-01-10T12:00"
    )  # 09:00 -03:00


async def test_profile_language_and_time_zone(world: World) -> None:
    member = await world.sign_in("b_member")
    wrong = await member.post(
        "/profile", data=_form(member, display_name="", locale="fr", timezone="Mars/Olympus")
    )
    assert wrong.status_code == 422
    assert field_error(wrong.text, "display_name")
    assert field_error(wrong.text, "timezone")
    saved = await member.post(
        "/profile", data=_form(member, display_name="Bea", locale="pt_BR", timezone="America/Sao_Paulo")
    )
    assert saved.headers["location"] == "/profile?saved=1"
    page = await member.get("/profile?saved=1")
    assert '<html lang="pt-BR">' in page.text
    user = await User.objects().where(User.id == world.people["b_member"].user_id).first()
    assert user is not None and (user.locale, user.timezone, user.display_name) == (
        "pt_BR",
        "America/Sao_Paulo",
        "Bea",
    )
    switched = await member.post("/profile/language", data=_form(member, locale="en", next="/tasks"))
    assert switched.headers["location"] == "/tasks"
    assert '<html lang="en">' in (await member.get("/tasks")).text


async def test_visitors_pick_their_language_before_signing_in(world: World) -> None:
    visitor = world.anonymous()
    chosen = await visitor.get("/language/pt_BR?next=/login")
    assert chosen.status_code == 303
    page = await visitor.get("/login")
    assert '<html lang="pt-BR">' in page.text
    assert (await visitor.get("/language/es?next=//evil.example")).headers["location"] == "/login"
