"""Retention per contract (clock injected), legal hold, the ZIP of a task's files, and thumbnails."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from typing import Any

import httpx
import pytest
from PIL import Image

import billing.jobs
import retaguarda.work.documents.jobs as documents_jobs
from retaguarda import clock
from retaguarda.storage import get_storage
from retaguarda.work.documents.tables import TaskFile
from retaguarda.work.tables import Task
from tests.billing.builders import add_contract
from tests.support.object_storage import pdf_bytes
from tests.support.work import Floor

pytestmark = pytest.mark.usefixtures("storage_backend")


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


async def _send(
    client: httpx.AsyncClient, task_id: str, *files: tuple[str, bytes], purpose: str = "input"
) -> Any:
    sent = await client.post(
        f"/api/v1/tasks/{task_id}/files",
        params={"purpose": purpose},
        files=[("files", (name, content, "application/octet-stream")) for name, content in files],
    )
    assert sent.status_code == 201, sent.text
    return sent.json()


async def _done(floor: Floor, task_id: str) -> None:
    operator = await floor.operator_client("operator")
    lease = (await operator.post("/api/v1/work/next")).json()
    assert lease["task"]["id"] == task_id
    done = await operator.post(
        f"/api/v1/work/{task_id}/complete", json={"fencingToken": lease["fencingToken"]}
    )
    assert done.status_code == 204


async def test_files_of_closed_tasks_go_when_the_contract_says_except_under_legal_hold(
    floor: Floor, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = floor.world
    manager = await world.sign_in("account_manager")
    await add_contract(manager, world.client_a.id, {"fileRetentionDays": 30})
    client = await world.sign_in("a_member")
    closed = (await floor.submit(client)).json()["id"]
    kept, held = await _send(client, closed, ("boleto.pdf", pdf_bytes("1")), ("contrato.pdf", pdf_bytes("2")))
    await _done(floor, closed)
    still_open = (await floor.submit(client)).json()["id"]
    [open_file] = await _send(client, still_open, ("nota.pdf", pdf_bytes("3")))
    # Client B has no retention clause: its closed task keeps its files.
    b_client = await world.sign_in("b_member")
    b_task = (await floor.submit(b_client)).json()["id"]
    [b_file] = await _send(b_client, b_task, ("factura.pdf", pdf_bytes("4")))
    await Task.update({Task.status: "done", Task.completed_at: clock.now()}).where(Task.id == b_task)

    assert (
        await manager.put(f"/api/v1/files/{held['id']}/legal-hold", json={"hold": True})
    ).status_code == 200
    assert (
        await client.put(f"/api/v1/files/{held['id']}/legal-hold", json={"hold": False})
    ).status_code == 403

    closed_at = (await Task.select(Task.completed_at).where(Task.id == closed).first() or {})["completed_at"]
    for days, expect_gone in ((29, False), (31, True)):
        # The job reads the clock: the test moves it.
        monkeypatch.setattr(clock, "now", lambda days=days: closed_at + timedelta(days=days))
        await billing.jobs.apply_file_retention()
        live = {f["id"] for f in (await client.get(f"/api/v1/tasks/{closed}")).json()["files"]}
        assert (kept["id"] not in live) is expect_gone
        assert held["id"] in live
    monkeypatch.undo()

    assert (await client.get(f"/api/v1/files/{kept['id']}/download")).status_code == 404
    row = await TaskFile.select().where(TaskFile.id == kept["id"]).first()
    assert row is not None and row["deleted_at"] is not None
    assert not await get_storage().exists(row["storage_key"])
    events = (await client.get(f"/api/v1/tasks/{closed}")).json()["events"]
    expired = [e for e in events if e["kind"] == "files_expired"]
    assert len(expired) == 1 and expired[0]["data"]["retentionDays"] == 30
    assert expired[0]["data"]["files"] == [{"id": kept["id"], "name": "boleto.pdf", "sha256": kept["sha256"]}]
    assert [e["kind"] for e in events].count("legal_hold_set") == 1
    # The open task's file and client B's stay; a second run deletes nothing more.
    assert (await client.get(f"/api/v1/files/{open_file['id']}")).status_code == 200
    assert (await b_client.get(f"/api/v1/files/{b_file['id']}")).status_code == 200
    monkeypatch.setattr(clock, "now", lambda: closed_at + timedelta(days=400))
    await billing.jobs.apply_file_retention()
    assert (await client.get(f"/api/v1/files/{held['id']}")).status_code == 200
    assert (await b_client.get(f"/api/v1/files/{b_file['id']}")).status_code == 200


async def test_a_client_admin_downloads_all_files_of_a_task_as_one_zip(floor: Floor) -> None:
    member = await floor.world.sign_in("a_member")
    task_id = (await floor.submit(member)).json()["id"]
    first, second = pdf_bytes("a"), pdf_bytes("b")
    await _send(member, task_id, ("nota.pdf", first), ("nota.pdf", second))
    operator = await floor.operator_client("operator")
    await _send(operator, task_id, ("recibo.pdf", pdf_bytes("r")), purpose="deliverable")

    assert (await member.get(f"/api/v1/tasks/{task_id}/files/archive")).status_code == 403
    stranger = await floor.world.sign_in("b_admin")
    assert (await stranger.get(f"/api/v1/tasks/{task_id}/files/archive")).status_code == 404
    admin = await floor.world.sign_in("a_admin")
    answer = await admin.get(f"/api/v1/tasks/{task_id}/files/archive")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/zip"
    assert answer.headers["content-disposition"].startswith("attachment;")
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        assert archive.namelist() == ["client/nota.pdf", "client/nota (2).pdf", "deliverables/recibo.pdf"]
        assert archive.read("client/nota.pdf") == first
        assert archive.read("client/nota (2).pdf") == second
        assert archive.testzip() is None
    # The task page offers it to the administrator only.
    link = f'href="/api/v1/tasks/{task_id}/files/archive"'
    assert link in (await admin.get(f"/tasks/{task_id}")).text
    assert link not in (await member.get(f"/tasks/{task_id}")).text


async def test_thumbnails_of_pdfs_and_images(floor: Floor) -> None:
    client = await floor.world.sign_in("a_member")
    task_id = (await floor.submit(client)).json()["id"]
    pdf, png, csv = await _send(
        client,
        task_id,
        ("boleto.pdf", pdf_bytes("Boleto")),
        ("foto.png", _png(1200, 600)),
        ("dados.csv", b"a;b\n1;2\n"),
    )
    assert not pdf["hasPreview"]
    await floor.world.settle_jobs()
    files = {f["name"]: f for f in (await client.get(f"/api/v1/tasks/{task_id}")).json()["files"]}
    assert files["boleto.pdf"]["hasPreview"] and files["foto.png"]["hasPreview"]
    assert not files["dados.csv"]["hasPreview"]
    for item, size in ((pdf, None), (png, (256, 128))):
        answer = await client.get(f"/api/v1/files/{item['id']}/preview")
        assert answer.status_code == 200 and answer.headers["content-type"] == "image/png"
        image = Image.open(io.BytesIO(answer.content))
        assert max(image.size) == 256
        if size:
            assert image.size == size
    assert (await client.get(f"/api/v1/files/{csv['id']}/preview")).status_code == 404
    stranger = await floor.world.sign_in("b_member")
    assert (await stranger.get(f"/api/v1/files/{pdf['id']}/preview")).status_code == 404
    # The task page shows them.
    page = await client.get(f"/tasks/{task_id}")
    assert f'src="/api/v1/files/{pdf["id"]}/preview"' in page.text


async def test_uploads_never_named_by_a_submission_are_deleted_after_a_day(
    floor: Floor, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = await floor.world.sign_in("a_member")
    abandoned = (
        await client.post("/api/v1/files", files=[("files", ("a.pdf", pdf_bytes(), "application/pdf"))])
    ).json()[0]
    used = (
        await client.post("/api/v1/files", files=[("files", ("b.pdf", pdf_bytes(), "application/pdf"))])
    ).json()[0]
    assert (await floor.submit(client, fileIds=[used["id"]])).status_code == 201
    uploaded_at = clock.now()
    monkeypatch.setattr(clock, "now", lambda: uploaded_at + timedelta(hours=23))
    await documents_jobs.purge_abandoned()
    assert (await client.get(f"/api/v1/files/{abandoned['id']}")).status_code == 200
    monkeypatch.setattr(clock, "now", lambda: uploaded_at + timedelta(hours=25))
    await documents_jobs.purge_abandoned()
    assert (await client.get(f"/api/v1/files/{abandoned['id']}")).status_code == 404
    row = await TaskFile.select(TaskFile.storage_key).where(TaskFile.id == abandoned["id"]).first()
    assert row is not None and not await get_storage().exists(row["storage_key"])
    assert (await client.get(f"/api/v1/files/{used['id']}")).status_code == 200
