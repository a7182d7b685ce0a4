"""CSV import of tasks: the upload's checks, the job's batches and per-row report, resuming after a crash,
and who may see which import."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

import httpx
import pytest

from retaguarda.jobs import claim_due_jobs, run_outbox_job
from retaguarda.kernel.tables import OutboxJob
from retaguarda.settings import get_settings
from retaguarda.work.imports import service as imports
from retaguarda.work.imports.service import importing as import_job
from retaguarda.work.imports.service import upload as upload_checks
from retaguarda.work.imports.tables import CsvImport, CsvImportRow
from retaguarda.work.tables import Task, TaskEvent
from tests.support.work import Floor

IMPORTS = "/api/v1/task-imports"

PAYMENT_FIELDS: list[dict[str, Any]] = [
    {"key": "supplier", "kind": "text", "labels": {"en": "Supplier"}, "required": True},
    {"key": "amount", "kind": "money", "labels": {"en": "Amount"}, "required": True},
    {"key": "due", "kind": "date", "labels": {"en": "Due date"}},
    {
        "key": "method",
        "kind": "choice",
        "labels": {"en": "Method"},
        "choices": [
            {"value": "pix", "labels": {"en": "PIX"}},
            {"value": "boleto", "labels": {"en": "Bank slip", "pt_BR": "Boleto"}},
        ],
    },
]

GOOD_AND_BAD = (
    "supplier,amount,due,method,externalRef,priority\n"
    "ACME,1234.56,2026-01-31,PIX,INV-1,3\n"  # 2: accepted (choice matched on its label)
    ",10.00,,pix,INV-2,\n"  # 3: supplier missing
    "Beta,12.345,,,INV-3,\n"  # 4: too many decimals for BRL
    "Gamma,abc,,,,\n"  # 5: not an amount
    "Delta,5,2026-02-30,,,\n"  # 6: no such date
    "Eps,7,,cheque,,\n"  # 7: unknown choice
    "\n"  # 8: blank, skipped
    "Zeta,8,,,INV-1,\n"  # 9: the reference of row 2
    "Eta,9,,,,9\n"  # 10: no such priority
    '"Quoted, name",99.9,2026-03-01,Boleto,INV-4,urgent\n'  # 11: accepted
)


async def finished(row: dict[str, Any]) -> bool:
    return row["status"] in {"done", "failed"}


async def settle(
    import_id: str, until: Callable[[dict[str, Any]], Awaitable[bool]] = finished
) -> dict[str, Any]:
    """Run due jobs (whichever runner gets them: the in-process one, or this loop in full mode, where no
    worker runs during tests) until the import reaches the state ``until`` looks for."""
    for _ in range(600):
        await run_due_jobs()
        row = await CsvImport.select().where(CsvImport.id == UUID(import_id)).first()
        assert row is not None
        if await until(row):
            await run_due_jobs()  # what the last run enqueued (the webhook announcements)
            return row
        await asyncio.sleep(0.05)
    raise AssertionError(f"import {import_id} did not settle")


async def run_due_jobs() -> None:
    settings = get_settings().jobs
    while ids := await claim_due_jobs(settings):
        for outbox_id in ids:
            await run_outbox_job(outbox_id, settings)


async def upload(
    client: httpx.AsyncClient, text: str | bytes, *, task_type: str = "payable", **form: str
) -> httpx.Response:
    content = text.encode() if isinstance(text, str) else text
    return await client.post(
        IMPORTS,
        files={"file": ("tasks.csv", content, "text/csv")},
        data={"taskType": task_type, **form},
    )


async def report(client: httpx.AsyncClient, import_id: str, **params: Any) -> list[dict[str, Any]]:
    """Every report line, following the cursor."""
    lines: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await client.get(f"{IMPORTS}/{import_id}/rows", params=query)
        assert response.status_code == 200, response.text
        lines += response.json()["items"]
        cursor = response.json()["nextCursor"]
        if cursor is None:
            return lines


async def add_payment_type(floor: Floor) -> None:
    admin = await floor.world.sign_in("admin")
    created = await admin.post(
        "/api/v1/task-types",
        json={
            "code": "payment",
            "names": {"en": "Payment"},
            "fields": PAYMENT_FIELDS,
            "tenantId": str(floor.world.client_a.id),
        },
    )
    assert created.status_code == 201, created.text


async def test_good_rows_become_tasks_and_bad_rows_are_reported_with_reasons(floor: Floor) -> None:
    await add_payment_type(floor)
    client = await floor.world.sign_in("a_member")
    response = await upload(client, GOOD_AND_BAD, task_type="payment")
    assert response.status_code == 202, response.text
    created = response.json()
    assert created["status"] == "pending" and created["totalRows"] == 9 and created["filename"] == "tasks.csv"
    await settle(created["id"])

    progress = (await client.get(f"{IMPORTS}/{created['id']}")).json()
    assert progress["status"] == "done" and progress["finishedAt"] is not None
    assert (progress["processedRows"], progress["accepted"], progress["rejected"]) == (9, 2, 7)

    lines = await report(client, created["id"], limit=3)
    assert [line["rowNumber"] for line in lines] == [2, 3, 4, 5, 6, 7, 9, 10, 11]
    reasons = {line["rowNumber"]: [(e["field"], e["code"]) for e in line["errors"]] for line in lines}
    assert reasons == {
        2: [],
        3: [("supplier", "required")],
        4: [("amount", "too_many_decimals")],
        5: [("amount", "invalid_type")],
        6: [("due", "invalid_date")],
        7: [("method", "invalid_choice")],
        9: [("externalRef", "taken")],
        10: [("priority", "invalid")],
        11: [],
    }
    rejected = await report(client, created["id"], accepted="false")
    assert [line["rowNumber"] for line in rejected] == [3, 4, 5, 6, 7, 9, 10]
    assert all(line["taskId"] is None and line["errors"][0]["message"] for line in rejected)

    accepted = {line["rowNumber"]: line["taskId"] for line in lines if line["accepted"]}
    tasks = {t["id"]: t for t in (await client.get("/api/v1/tasks")).json()["items"]}
    assert set(tasks) == set(accepted.values())
    first, last = tasks[accepted[2]], tasks[accepted[11]]
    assert first["payload"] == {"supplier": "ACME", "amount": 123456, "due": "2026-01-31", "method": "pix"}
    assert (first["externalRef"], first["priority"], first["status"]) == ("INV-1", 3, "queued")
    assert last["payload"]["supplier"] == "Quoted, name" and last["payload"]["method"] == "boleto"
    assert last["priority"] == 4
    detail = (await client.get(f"/api/v1/tasks/{first['id']}")).json()
    assert [e["kind"] for e in detail["events"]] == ["created"]
    assert detail["events"][0]["actorUserId"] == str(floor.world.people["a_member"].user_id)
    # The batch's webhook announcement ran and left the outbox (the in-process runner may still hold it).
    for _ in range(100):
        await run_due_jobs()
        if not await OutboxJob.exists().where(OutboxJob.job == imports.ANNOUNCE_JOB):
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the announcement job did not run")


async def test_semicolons_with_a_byte_order_mark_and_a_raw_csv_body(floor: Floor) -> None:
    client = await floor.world.sign_in("a_admin")
    text = "\ufeffSupplier ; amount ; due\r\nACME;1.234,56;\r\nBeta;1234.56;2026-05-01\r\n"
    response = await client.post(
        IMPORTS,
        content=text.encode(),
        params={"taskType": "payable"},
        headers={"Content-Type": "text/csv; charset=utf-8"},
    )
    assert response.status_code == 202, response.text
    await settle(response.json()["id"])
    lines = await report(client, response.json()["id"])
    # A decimal comma is not a decimal point: that row is refused, the other one imported.
    assert [(line["rowNumber"], line["accepted"]) for line in lines] == [(2, False), (3, True)]
    assert lines[0]["errors"][0]["field"] == "amount"
    task = (await client.get(f"/api/v1/tasks/{lines[1]['taskId']}")).json()["task"]
    assert task["payload"] == {"supplier": "Beta", "amount": 123456, "due": "2026-05-01"}


@pytest.mark.parametrize(
    ("text", "field", "code"),
    [
        ("supplier,amount,colour\nACME,1,red\n", "columns[2]", "unknown_column"),
        ("supplier,amount,amount\nACME,1,2\n", "columns[2]", "duplicate"),
        ("supplier,due\nACME,2026-01-01\n", "columns", "missing_column"),
        ("supplier,amount\n", "file", "empty"),
        ("", "file", "empty"),
    ],
)
async def test_a_header_that_does_not_fit_the_type_is_refused_and_nothing_is_stored(
    floor: Floor, text: str, field: str, code: str
) -> None:
    client = await floor.world.sign_in("a_member")
    response = await upload(client, text)
    assert response.status_code == 422, response.text
    assert (response.json()["errors"][0]["field"], response.json()["errors"][0]["code"]) == (field, code)
    assert await CsvImport.count() == 0 and await OutboxJob.count() == 0 and await Task.count() == 0


async def test_files_beyond_the_limits_or_not_utf8_are_refused(
    floor: Floor, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = await floor.world.sign_in("a_member")
    latin1 = "supplier,amount\nAção,1\n".encode("latin-1")
    refused = await upload(client, latin1)
    assert refused.status_code == 422 and refused.json()["errors"][0]["code"] == "invalid_encoding"
    monkeypatch.setattr(upload_checks, "MAX_CSV_ROWS", 2)
    refused = await upload(client, "supplier,amount\nA,1\nB,2\nC,3\n")
    assert refused.status_code == 422 and refused.json()["errors"][0]["code"] == "too_many_rows"
    monkeypatch.setattr(upload_checks, "MAX_CSV_BYTES", 10)
    refused = await upload(client, "supplier,amount\nA,1\n")
    assert refused.status_code == 422 and refused.json()["errors"][0]["code"] == "too_large"
    unknown = await upload(client, "supplier,amount\nA,1\n", task_type="nope")
    assert unknown.status_code == 422
    no_file = await client.post(IMPORTS, json={"taskType": "payable"})
    assert no_file.status_code == 422 and no_file.json()["errors"][0]["field"] == "file"
    assert await CsvImport.count() == 0


async def test_a_crashed_job_resumes_after_its_last_batch_and_a_second_run_changes_nothing(
    floor: Floor, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = await floor.world.sign_in("a_member")
    rows = "".join(f"Supplier {n},{n}.50,,REF-{n}\n" for n in range(1, 8))
    text = "supplier,amount,due,externalRef\n" + rows + "Dup,1,,REF-3\n"
    original = import_job._commit_batch
    calls = 0

    async def killed_on_the_second_batch(*args: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("worker killed")
        await original(*args)

    monkeypatch.setattr(import_job, "BATCH_ROWS", 3)
    monkeypatch.setattr(import_job, "_commit_batch", killed_on_the_second_batch)
    import_id = (await upload(client, text)).json()["id"]

    async def failed_once(row: dict[str, Any]) -> bool:
        failed = (OutboxJob.job == imports.IMPORT_JOB) & (OutboxJob.attempts >= 1)
        return bool(await OutboxJob.exists().where(failed))

    state = await settle(import_id, until=failed_once)
    assert (state["status"], state["processed_rows"]) == ("running", 3)
    assert await Task.count() == 3

    monkeypatch.setattr(import_job, "_commit_batch", original)
    await imports.run_import(UUID(import_id))
    await imports.run_import(UUID(import_id))
    # As if the worker died after the last batch but before marking the import done.
    await CsvImport.update({CsvImport.status: "running"}).where(CsvImport.id == UUID(import_id))
    await imports.run_import(UUID(import_id))

    progress = (await client.get(f"{IMPORTS}/{import_id}")).json()
    assert progress["status"] == "done"
    assert (progress["processedRows"], progress["accepted"], progress["rejected"]) == (8, 7, 1)
    numbers = [r["row_number"] for r in await CsvImportRow.select(CsvImportRow.row_number)]
    assert sorted(numbers) == list(range(2, 10))
    assert await Task.count() == 7
    assert await TaskEvent.count().where(TaskEvent.kind == "created") == 7
    refs = [r["external_ref"] for r in await Task.select(Task.external_ref)]
    assert sorted(refs) == sorted(f"REF-{n}" for n in range(1, 8))
    duplicate = (await report(client, import_id, accepted="false"))[0]
    assert duplicate["rowNumber"] == 9 and duplicate["errors"][0]["code"] == "taken"


async def test_a_reference_of_an_existing_task_is_taken(floor: Floor) -> None:
    client = await floor.world.sign_in("a_member")
    assert (await floor.submit(client, externalRef="INV-9")).status_code == 201
    response = await upload(client, "supplier,amount,externalRef\nA,1,INV-9\nB,2,INV-10\n")
    await settle(response.json()["id"])
    lines = await report(client, response.json()["id"])
    assert [(line["accepted"], [e["code"] for e in line["errors"]]) for line in lines] == [
        (False, ["taken"]),
        (True, []),
    ]


async def test_imports_are_private_to_their_tenant(floor: Floor) -> None:
    a = await floor.world.sign_in("a_member")
    b = await floor.world.sign_in("b_member")
    mine = await upload(a, "supplier,amount\nACME,10\n")
    assert mine.status_code == 202
    import_id = mine.json()["id"]
    await settle(import_id)
    theirs = await upload(b, "supplier,amount\nBeta,10\n")
    assert theirs.status_code == 202 and theirs.json()["tenantId"] == str(floor.world.client_b.id)
    await settle(theirs.json()["id"])

    assert (await b.get(f"{IMPORTS}/{import_id}")).status_code == 404
    assert (await b.get(f"{IMPORTS}/{import_id}/rows")).status_code == 404
    assert [i["id"] for i in (await a.get(IMPORTS)).json()["items"]] == [import_id]
    assert [i["id"] for i in (await b.get(IMPORTS)).json()["items"]] == [theirs.json()["id"]]
    # A client naming another client's tenant gets a 404 (tenancy.owning_client), and nothing is stored.
    sneaky = await upload(a, "supplier,amount\nX,1\n", tenantId=str(floor.world.client_b.id))
    assert sneaky.status_code == 404
    assert [i["id"] for i in (await a.get(IMPORTS)).json()["items"]] == [import_id]
    # Its own tenantId is accepted.
    own = await upload(a, "supplier,amount\nX,1\n", tenantId=str(floor.world.client_a.id))
    assert own.status_code == 202 and own.json()["tenantId"] == str(floor.world.client_a.id)
    await settle(own.json()["id"])

    # Provider staff name the client; the list shows every client's imports to them.
    admin = await floor.world.sign_in("admin")
    unnamed = await upload(admin, "supplier,amount\nX,1\n")
    assert unnamed.status_code == 422 and unnamed.json()["errors"][0]["field"] == "tenantId"
    named = await upload(admin, "supplier,amount\nX,1\n", tenantId=str(floor.world.client_b.id))
    assert named.status_code == 202 and named.json()["tenantId"] == str(floor.world.client_b.id)
    listed = (await admin.get(IMPORTS, params={"tenantId": str(floor.world.client_b.id)})).json()["items"]
    assert {i["id"] for i in listed} == {theirs.json()["id"], named.json()["id"]}


async def test_importing_needs_the_tasks_write_scope(floor: Floor) -> None:
    reader = await floor.world.api_key_client("a_admin", ["tasks:read"])
    assert (await upload(reader, "supplier,amount\nA,1\n")).status_code == 403
    writer = await floor.world.api_key_client("a_admin", ["tasks:read", "tasks:write"])
    response = await upload(writer, "supplier,amount\nA,1\n")
    assert response.status_code == 202, response.text
    assert (await settle(response.json()["id"]))["accepted"] == 1
