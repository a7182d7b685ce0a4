"""Files in the task API, the webhooks and the conversation."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

import pytest
from standardwebhooks import Webhook

from tests.platform.work.test_webhooks import Receiver, create_endpoint
from tests.support.object_storage import PNG_1X1, pdf_bytes
from tests.support.work import Floor

pytestmark = pytest.mark.usefixtures("storage_backend")


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    running = Receiver()
    await running.start()
    yield running
    await running.close()


async def test_task_api_and_webhooks_carry_each_files_facts(floor: Floor, receiver: Receiver) -> None:
    admin = await floor.world.sign_in("a_admin")
    endpoint = await create_endpoint(admin, receiver.url, ["task.completed"])
    task_id = (await floor.submit(admin)).json()["id"]
    invoice = pdf_bytes("Fatura 77")
    sent = await admin.post(
        f"/api/v1/tasks/{task_id}/files", files=[("files", ("fatura.pdf", invoice, "application/pdf"))]
    )
    assert sent.status_code == 201, sent.text
    operator = await floor.operator_client("operator")
    lease = (await operator.post("/api/v1/work/next")).json()
    receipt = await operator.post(
        f"/api/v1/tasks/{task_id}/files?purpose=deliverable",
        files=[("files", ("comprovante.png", PNG_1X1, "image/png"))],
    )
    assert receipt.status_code == 201, receipt.text
    await operator.post(f"/api/v1/work/{task_id}/complete", json={"fencingToken": lease["fencingToken"]})

    detail = (await admin.get(f"/api/v1/tasks/{task_id}")).json()
    facts = [(f["name"], f["contentType"], f["size"], f["sha256"], f["purpose"]) for f in detail["files"]]
    assert facts == [
        ("fatura.pdf", "application/pdf", len(invoice), hashlib.sha256(invoice).hexdigest(), "input"),
        ("comprovante.png", "image/png", len(PNG_1X1), hashlib.sha256(PNG_1X1).hexdigest(), "deliverable"),
    ]

    await floor.world.settle_jobs()
    assert len(receiver.requests) == 1
    message = Webhook(endpoint["secret"]).verify(receiver.requests[0].body, receiver.requests[0].headers)
    assert message["data"]["files"] == [
        {
            "id": f["id"],
            "name": f["name"],
            "contentType": f["contentType"],
            "size": f["size"],
            "sha256": f["sha256"],
            "purpose": f["purpose"],
        }
        for f in detail["files"]
    ]


async def test_files_go_with_messages_on_both_sides(floor: Floor) -> None:
    client = await floor.world.sign_in("a_member")
    task_id = (await floor.submit(client)).json()["id"]
    loose = (
        await client.post("/api/v1/files", files=[("files", ("extrato.pdf", pdf_bytes(), "application/pdf"))])
    ).json()[0]
    said = await client.post(
        f"/api/v1/tasks/{task_id}/comments", json={"body": "Segue o extrato.", "fileIds": [loose["id"]]}
    )
    assert said.status_code == 201, said.text
    supervisor = await floor.world.sign_in("supervisor")
    answer_file = (
        await supervisor.post(
            "/api/v1/files",
            files=[("files", ("print.png", PNG_1X1, "image/png"))],
            params={"tenantId": str(floor.world.client_a.id)},
        )
    ).json()[0]
    answered = await supervisor.post(
        f"/api/v1/tasks/{task_id}/comments", json={"body": "Recebido.", "fileIds": [answer_file["id"]]}
    )
    assert answered.status_code == 201, answered.text
    files = (await client.get(f"/api/v1/tasks/{task_id}")).json()["files"]
    assert [(f["name"], f["purpose"], f["side"], f["commentId"]) for f in files] == [
        ("extrato.pdf", "comment", "client", said.json()["id"]),
        ("print.png", "comment", "provider", answered.json()["id"]),
    ]
    # A file of another client cannot ride on this task's messages.
    stranger = await floor.world.sign_in("b_member")
    foreign = (
        await stranger.post("/api/v1/files", files=[("files", ("x.pdf", pdf_bytes(), "application/pdf"))])
    ).json()[0]
    refused = await client.post(
        f"/api/v1/tasks/{task_id}/comments", json={"body": "?", "fileIds": [foreign["id"]]}
    )
    assert refused.status_code == 422
