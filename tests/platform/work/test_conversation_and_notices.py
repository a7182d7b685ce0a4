"""The conversation on a task: the operator replies without pausing it, writes internal notes the client never
sees (API, portal, webhooks), completes with a resolution note the client reads; and the client's people are
told of a question, a completion, a task at risk, in the app and by email, as each chose."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import httpx

from retaguarda.db import transaction
from retaguarda.mail import LogSender, set_sender
from retaguarda.work.sla.service.client_notices import notify_clients
from retaguarda.work.tables import TaskEvent
from tests.platform.portal.support import text_of
from tests.support.work import Floor


async def _claimed(floor: Floor, supplier: str = "ACME") -> tuple[httpx.AsyncClient, dict[str, Any]]:
    member = await floor.world.sign_in("a_member")
    await floor.submit(member, payload={"supplier": supplier, "amount": "10"})
    operator = await floor.operator_client("operator")
    lease = (await operator.post("/api/v1/work/next")).json()
    return operator, lease


async def test_internal_notes_never_reach_the_client(floor: Floor) -> None:
    operator, lease = await _claimed(floor)
    task_id = lease["task"]["id"]
    note = await operator.post(
        f"/api/v1/tasks/{task_id}/comments", json={"body": "Supplier is on our watch list", "internal": True}
    )
    assert note.status_code == 201, note.text
    assert note.json()["kind"] == "note"
    reply = await operator.post(f"/api/v1/tasks/{task_id}/comments", json={"body": "We are on it"})
    assert reply.json()["kind"] == "reply"
    # The reply does not pause the task: the operator still holds it.
    held = (await operator.get("/api/v1/work/held")).json()
    assert [lease_["task"]["id"] for lease_ in held] == [task_id]
    assert held[0]["task"]["status"] == "claimed"
    # The client reads the reply, never the note nor a trace of it in the history.
    for who in ("a_member", "a_admin"):
        client = await floor.world.sign_in(who)
        detail = (await client.get(f"/api/v1/tasks/{task_id}")).json()
        assert [c["body"] for c in detail["comments"]] == ["We are on it"]
        assert "noted" not in {e["kind"] for e in detail["events"]}
        page = await client.get(f"/tasks/{task_id}")
        assert "We are on it" in page.text and "watch list" not in page.text
    # Provider staff read both, the note marked as internal.
    supervisor = await floor.world.sign_in("supervisor")
    staff = (await supervisor.get(f"/api/v1/tasks/{task_id}")).json()
    assert {c["kind"] for c in staff["comments"]} == {"note", "reply"}
    staff_page = text_of((await supervisor.get(f"/tasks/{task_id}")).text)
    assert "Internal note, not shown to the client" in staff_page and "watch list" in staff_page
    # A client cannot write an internal note.
    member = await floor.world.sign_in("a_member")
    refused = await member.post(f"/api/v1/tasks/{task_id}/comments", json={"body": "x", "internal": True})
    assert refused.status_code == 403


async def test_completion_with_a_resolution_tells_the_client(floor: Floor) -> None:
    sender = LogSender()
    set_sender(sender)
    try:
        member = await floor.world.sign_in("a_member")
        # The member wants completions in the app only.
        prefs = await member.put(
            "/api/v1/notifications/preferences",
            json=[{"kind": "task_done", "inApp": True, "email": False}],
        )
        assert prefs.status_code == 200, prefs.text
        assert {p["kind"]: p["email"] for p in prefs.json()} == {
            "client_question": True,
            "task_done": False,
            "sla_warning": True,
        }
        operator, lease = await _claimed(floor)
        task_id = lease["task"]["id"]
        done = await operator.post(
            f"/api/v1/work/{task_id}/complete",
            json={"fencingToken": lease["fencingToken"], "resolution": "Paid by PIX, receipt attached."},
        )
        assert done.status_code == 204, done.text
        await floor.world.settle_jobs()
        detail = (await member.get(f"/api/v1/tasks/{task_id}")).json()
        assert detail["task"]["status"] == "done"
        assert [(c["kind"], c["body"]) for c in detail["comments"]] == [
            ("resolution", "Paid by PIX, receipt attached.")
        ]
        page = text_of((await member.get(f"/tasks/{task_id}")).text)
        assert "Resolução Paid by PIX, receipt attached." in page
        # Both of the client's people have the notice in the app; only the admin gets the email.
        for who in ("a_member", "a_admin"):
            mine = (await (await floor.world.sign_in(who)).get("/api/v1/notifications")).json()["items"]
            assert [(n["kind"], n["taskId"]) for n in mine] == [("task_done", task_id)]
        mails = [e for e in sender.sent if "Tarefa concluída" in e.subject]
        assert [e.to for e in mails] == [floor.world.people["a_admin"].email]
        assert "Paid by PIX" in mails[0].body and f"/tasks/{task_id}" in mails[0].body
        # Client B's people hear nothing of client A's task.
        b_member = await floor.world.sign_in("b_member")
        assert (await b_member.get("/api/v1/notifications")).json()["items"] == []
    finally:
        set_sender(None)


async def test_a_question_from_the_operator_is_notified_and_the_answer_resumes(floor: Floor) -> None:
    sender = LogSender()
    set_sender(sender)
    try:
        operator, lease = await _claimed(floor)
        task_id = lease["task"]["id"]
        asked = await operator.post(
            f"/api/v1/work/{task_id}/ask-client",
            json={"fencingToken": lease["fencingToken"], "question": "Which due date?"},
        )
        assert asked.status_code == 204
        await floor.world.settle_jobs()
        admin = await floor.world.sign_in("a_admin")
        listing = await admin.get("/notifications")
        text = text_of(listing.text)
        assert "Pergunta do operador" in text and f"/tasks/{task_id}" in listing.text
        mails = [e for e in sender.sent if e.subject.startswith("Uma pergunta")]
        assert sorted(e.to for e in mails) == sorted(
            floor.world.people[who].email for who in ("a_admin", "a_member")
        )
        assert "Which due date?" in mails[0].body
        # Running the job again writes and mails nothing more.
        before = len(sender.sent)
        event = await TaskEvent.select(TaskEvent.id).where(TaskEvent.kind == "paused").first()
        async with transaction():
            assert await notify_clients(UUID(task_id), "client_question", event["id"]) == []
        assert len(sender.sent) == before
    finally:
        set_sender(None)


async def test_preferences_page_saves_each_choice(floor: Floor) -> None:
    admin = await floor.world.sign_in("a_admin")
    page = await admin.get("/notifications/preferences")
    assert page.status_code == 200 and "Preferências de notificação" in text_of(page.text)
    saved = await admin.post(
        "/notifications/preferences",
        data={"task_done_in_app": "on", "client_question_email": "on", "client_question_in_app": "on"},
    )
    assert saved.status_code == 303
    prefs = {
        p["kind"]: (p["inApp"], p["email"])
        for p in (await admin.get("/api/v1/notifications/preferences")).json()
    }
    assert prefs == {
        "client_question": (True, True),
        "task_done": (True, False),
        "sla_warning": (False, False),
    }
    # Provider staff have no such page.
    supervisor = await floor.world.sign_in("supervisor")
    assert (await supervisor.get("/notifications/preferences")).status_code == 403
