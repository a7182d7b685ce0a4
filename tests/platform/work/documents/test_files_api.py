"""Task files through the API, on both backends: upload, list, download, delete; tenancy; links; content
checks; limits."""

from __future__ import annotations

import hashlib
import time
from typing import Any
from urllib.parse import urlsplit

import httpx
import obstore
import pytest

from retaguarda.settings import get_settings
from retaguarda.storage import get_storage, sign_link
from retaguarda.work.documents.tables import TaskFile
from tests.support.object_storage import PNG_1X1, pdf_bytes, xlsx_bytes
from tests.support.work import Floor

pytestmark = pytest.mark.usefixtures("storage_backend")


def _files(*items: tuple[str, bytes]) -> list[tuple[str, tuple[str, bytes, str]]]:
    # The sender's Content-Type is deliberately wrong: only the content decides.
    return [("files", (name, content, "application/octet-stream")) for name, content in items]


async def _task(floor: Floor, client: httpx.AsyncClient) -> str:
    response = await floor.submit(client)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _fetch(client: httpx.AsyncClient, file_id: str) -> httpx.Response:
    """Follow the download redirect as a browser would: to the signed link (the app) or the presigned URL
    (the S3 server itself, outside the app)."""
    redirect = await client.get(f"/api/v1/files/{file_id}/download")
    assert redirect.status_code == 303, redirect.text
    return await _get_link(client, redirect.headers["location"])


async def _get_link(client: httpx.AsyncClient, url: str) -> httpx.Response:
    if urlsplit(url).netloc in ("", "testserver"):
        return await client.get(url)
    async with httpx.AsyncClient() as outside:
        return await outside.get(url)


async def _stored_keys(storage_backend: str) -> list[str]:
    """Every file the backend holds (the folder's files, or the bucket's keys), thumbnails aside (the
    embedded runner renders them in the background)."""
    keys: list[str] = []
    async for batch in obstore.list(get_storage().store):
        keys.extend(item["path"] for item in batch if not item["path"].endswith(".preview.png"))
    return keys


async def test_upload_list_download_delete(floor: Floor, storage_backend: str) -> None:
    client = await floor.world.sign_in("a_member")
    task_id = await _task(floor, client)
    invoice = pdf_bytes("Boleto 123")
    sent = await client.post(
        f"/api/v1/tasks/{task_id}/files",
        files=_files(
            ("../../boleto março.PDF", invoice), ("foto.png", PNG_1X1), ("planilha.xlsx", xlsx_bytes())
        ),
    )
    assert sent.status_code == 201, sent.text
    created = sent.json()
    assert [(f["name"], f["contentType"], f["purpose"], f["side"]) for f in created] == [
        ("boleto março.pdf", "application/pdf", "input", "client"),
        ("foto.png", "image/png", "input", "client"),
        (
            "planilha.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "input",
            "client",
        ),
    ]
    assert created[0]["size"] == len(invoice)
    assert created[0]["sha256"] == hashlib.sha256(invoice).hexdigest()

    listed = (await client.get(f"/api/v1/tasks/{task_id}/files")).json()
    assert [f["id"] for f in listed] == [f["id"] for f in created]
    kinds = [e["kind"] for e in (await client.get(f"/api/v1/tasks/{task_id}")).json()["events"]]
    assert "files_added" in kinds

    downloaded = await _fetch(client, created[0]["id"])
    assert downloaded.status_code == 200
    assert downloaded.content == invoice
    disposition = downloaded.headers["content-disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''boleto%20mar%C3%A7o.pdf" in disposition
    assert downloaded.headers["content-type"].startswith("application/pdf")
    if storage_backend == "local":
        assert downloaded.headers["x-content-type-options"] == "nosniff"
        assert "sandbox" in downloaded.headers["content-security-policy"]
    else:
        # A presigned URL of the bucket itself, good for a few minutes only.
        link = (await client.get(f"/api/v1/files/{created[0]['id']}/link")).json()
        assert "X-Amz-Signature=" in link["url"] and "X-Amz-Expires=300" in link["url"]

    # The operator serving the queue sees and downloads the client's files.
    operator = await floor.operator_client("operator")
    assert len((await operator.get(f"/api/v1/tasks/{task_id}/files")).json()) == 3
    assert (await _fetch(operator, created[1]["id"])).content == PNG_1X1

    assert len(await _stored_keys(storage_backend)) == 3
    deleted = await client.delete(f"/api/v1/files/{created[0]['id']}")
    assert deleted.status_code == 204, deleted.text
    assert [f["id"] for f in (await client.get(f"/api/v1/tasks/{task_id}/files")).json()] == [
        created[1]["id"],
        created[2]["id"],
    ]
    assert (await client.get(f"/api/v1/files/{created[0]['id']}/download")).status_code == 404
    assert len(await _stored_keys(storage_backend)) == 2


async def test_another_tenants_file_is_not_found_everywhere(floor: Floor, storage_backend: str) -> None:
    owner = await floor.world.sign_in("a_member")
    task_id = await _task(floor, owner)
    file_id = (
        await owner.post(f"/api/v1/tasks/{task_id}/files", files=_files(("a.pdf", pdf_bytes())))
    ).json()[0]["id"]
    stranger = await floor.world.sign_in("b_admin")
    for path in (
        f"/api/v1/files/{file_id}",
        f"/api/v1/files/{file_id}/link",
        f"/api/v1/files/{file_id}/download",
        f"/api/v1/tasks/{task_id}/files",
    ):
        answer = await stranger.get(path)
        assert answer.status_code == 404, path
        assert answer.json()["code"] == "not_found"
    assert (await stranger.delete(f"/api/v1/files/{file_id}")).status_code == 404
    upload = await stranger.post(f"/api/v1/tasks/{task_id}/files", files=_files(("b.pdf", pdf_bytes())))
    assert upload.status_code == 404
    # A link signed for client B naming client A's file leads nowhere, signature valid or not.
    forged = sign_link(f"{floor.world.client_b.id}.{file_id}", int(time.time()) + 300)
    assert (await stranger.get(f"/files/{forged}")).status_code == 404
    # An account manager not assigned to client B reaches A (assigned) but not a B task's files.
    b_client = await floor.world.sign_in("b_member")
    b_task = await _task(floor, b_client)
    manager = await floor.world.sign_in("account_manager")
    assert (await manager.get(f"/api/v1/tasks/{b_task}/files")).status_code == 404
    assert (await manager.get(f"/api/v1/files/{file_id}")).status_code == 200


async def test_signed_links_expire_and_cannot_be_altered(floor: Floor, storage_backend: str) -> None:
    client = await floor.world.sign_in("a_member")
    task_id = await _task(floor, client)
    row = (await client.post(f"/api/v1/tasks/{task_id}/files", files=_files(("a.pdf", pdf_bytes())))).json()[
        0
    ]
    subject = f"{floor.world.client_a.id}.{row['id']}"
    anonymous = floor.world.anonymous()
    valid = sign_link(subject, int(time.time()) + 60)
    assert (await anonymous.get(f"/files/{valid}")).status_code == 200  # the link is the credential
    expired = sign_link(subject, int(time.time()) - 1)
    answer = await anonymous.get(f"/files/{expired}")
    # A person following the link reads the portal's 404 page; no bytes of the file.
    assert answer.status_code == 404 and answer.headers["content-type"].startswith("text/html")
    head, _, _ = valid.rpartition(".")
    assert (await anonymous.get(f"/files/{head}.{'0' * 64}")).status_code == 404
    later = valid.replace(f".{valid.split('.')[2]}.", f".{int(valid.split('.')[2]) + 999}.")
    assert (await anonymous.get(f"/files/{later}")).status_code == 404


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("fatura.pdf", b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"),
        ("fatura.pdf", b"  <html><head><title>x</title></head></html>"),
        ("logo.pdf", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script/></svg>'),
        ("setup.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64),
        ("run.pdf", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64),
        ("script.csv", b"#!/bin/sh\nrm -rf /\n"),
        ("empty.pdf", b""),
    ],
)
async def test_content_decides_and_refusals_keep_nothing(
    floor: Floor, storage_backend: str, name: str, content: bytes
) -> None:
    client = await floor.world.sign_in("a_member")
    task_id = await _task(floor, client)
    answer = await client.post(
        f"/api/v1/tasks/{task_id}/files", files=_files(("ok.pdf", pdf_bytes()), (name, content))
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0] == {
        "field": "files[1]",
        "code": "type_not_allowed",
        "message": answer.json()["errors"][0]["message"],
    }
    # The first file, already stored when the second was refused, is gone too.
    assert await _stored_keys(storage_backend) == []
    assert await TaskFile.count() == 0


async def test_text_kinds_are_recognised(floor: Floor, storage_backend: str) -> None:
    client = await floor.world.sign_in("a_member")
    task_id = await _task(floor, client)
    answer = await client.post(
        f"/api/v1/tasks/{task_id}/files",
        files=_files(
            ("extrato.ofx", b"OFXHEADER:100\nDATA:OFXSGML\n<OFX>\n"),
            ("nfe.xml", b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?><nfeProc/>'),
            ("lancamentos", b"data;valor\n01/12/2026;1.234,56\n"),
            ("notas.zip", b"PK\x05\x06" + b"\x00" * 18),
        ),
    )
    assert answer.status_code == 201, answer.text
    assert [(f["name"], f["contentType"]) for f in answer.json()] == [
        ("extrato.ofx", "application/x-ofx"),
        ("nfe.xml", "application/xml"),
        ("lancamentos.csv", "text/csv"),
        ("notas.zip", "application/zip"),
    ]


async def test_limits_per_file_and_per_task(
    floor: Floor, storage_backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FILES_MAX_BYTES", "20000")
    monkeypatch.setenv("FILES_MAX_TASK_BYTES", "30000")
    get_settings.cache_clear()
    client = await floor.world.sign_in("a_member")
    task_id = await _task(floor, client)
    too_big = await client.post(
        f"/api/v1/tasks/{task_id}/files", files=_files(("big.pdf", pdf_bytes(padding=25000)))
    )
    assert too_big.status_code == 422 and too_big.json()["errors"][0]["code"] == "too_large"
    first = await client.post(
        f"/api/v1/tasks/{task_id}/files", files=_files(("one.pdf", pdf_bytes(padding=15000)))
    )
    assert first.status_code == 201, first.text
    second = await client.post(
        f"/api/v1/tasks/{task_id}/files", files=_files(("two.pdf", pdf_bytes(padding=15000)))
    )
    assert second.status_code == 422 and second.json()["errors"][0]["code"] == "task_full"
    assert len(await _stored_keys(storage_backend)) == 1


async def test_deliverables_come_from_the_provider(floor: Floor, storage_backend: str) -> None:
    client = await floor.world.sign_in("a_member")
    task_id = await _task(floor, client)
    refused = await client.post(
        f"/api/v1/tasks/{task_id}/files?purpose=deliverable", files=_files(("r.pdf", pdf_bytes()))
    )
    assert refused.status_code == 403
    operator = await floor.operator_client("operator")
    lease = (await operator.post("/api/v1/work/next")).json()
    receipt = pdf_bytes("Comprovante")
    sent = await operator.post(
        f"/api/v1/tasks/{task_id}/files?purpose=deliverable", files=_files(("comprovante.pdf", receipt))
    )
    assert sent.status_code == 201, sent.text
    done = await operator.post(
        f"/api/v1/work/{task_id}/complete", json={"fencingToken": lease["fencingToken"]}
    )
    assert done.status_code == 204
    files: list[dict[str, Any]] = (await client.get(f"/api/v1/tasks/{task_id}/files")).json()
    deliverable = next(f for f in files if f["purpose"] == "deliverable")
    assert deliverable["side"] == "provider"
    assert (await _fetch(client, deliverable["id"])).content == receipt
    # The client cannot withdraw the provider's file, nor add its own to a closed task.
    assert (await client.delete(f"/api/v1/files/{deliverable['id']}")).status_code == 403
    late = await client.post(f"/api/v1/tasks/{task_id}/files", files=_files(("x.pdf", pdf_bytes())))
    assert late.status_code == 409


async def test_upload_first_then_submit_names_the_files(floor: Floor, storage_backend: str) -> None:
    client = await floor.world.sign_in("a_member")
    uploaded = await client.post("/api/v1/files", files=_files(("nota.pdf", pdf_bytes())))
    assert uploaded.status_code == 201, uploaded.text
    file_id = uploaded.json()[0]["id"]
    assert uploaded.json()[0]["taskId"] is None
    # Someone else of the same client cannot take it over.
    colleague = await floor.world.sign_in("a_admin")
    stolen = await floor.submit(colleague, fileIds=[file_id])
    assert stolen.status_code == 422 and stolen.json()["errors"][0]["field"] == "fileIds[0]"
    created = await floor.submit(client, fileIds=[file_id])
    assert created.status_code == 201, created.text
    task_id = created.json()["id"]
    assert [f["id"] for f in (await client.get(f"/api/v1/tasks/{task_id}/files")).json()] == [file_id]
    again = await floor.submit(client, fileIds=[file_id])
    assert again.status_code == 422  # already on a task
    # With an Idempotency-Key the repeat answers the first task, and the file stays with it.
    second = (await client.post("/api/v1/files", files=_files(("b.pdf", pdf_bytes())))).json()[0]["id"]
    body = {"taskType": "payable", "payload": {"supplier": "ACME", "amount": "1"}, "fileIds": [second]}
    headers = {"Idempotency-Key": "files-once"}
    one = await client.post("/api/v1/tasks", json=body, headers=headers)
    two = await client.post("/api/v1/tasks", json=body, headers=headers)
    assert one.status_code == two.status_code == 201 and one.json()["id"] == two.json()["id"]


async def test_openapi_documents_the_multipart_operations(floor: Floor, storage_backend: str) -> None:
    schema = (await floor.world.anonymous().get("/schema/openapi.json")).json()
    for path in ("/api/v1/tasks/{task_id}/files", "/api/v1/files"):
        body = schema["paths"][path]["post"]["requestBody"]
        files = body["content"]["multipart/form-data"]["schema"]["properties"]["files"]
        assert files["items"] == {"type": "string", "format": "binary"}
