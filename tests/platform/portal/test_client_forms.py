"""The client's forms: the submit form generated from the task type's fields with the intake's own
validation, the conversation, CSV uploads, users, API keys and webhooks. Refusals render the form again
with inline errors and write nothing; every write needs the CSRF token."""

from __future__ import annotations

import re

import httpx
import pytest

from retaguarda.work.imports.tables import CsvImport
from retaguarda.work.tables import Task, TaskComment
from retaguarda.work.webhooks.tables import WebhookDelivery
from tenants.tables import ApiKey, Membership
from tests.platform.portal.support import add_all_kinds_type, csrf_of, field_error, text_of
from tests.support.work import Floor
from tests.support.world import World


def _form(client: httpx.AsyncClient, **values: str) -> dict[str, str]:
    return {"csrf_token": csrf_of(client), **values}


async def test_the_submit_form_has_an_input_for_every_field_kind(floor: Floor) -> None:
    await add_all_kinds_type(floor)
    member = await floor.world.sign_in("a_member")
    page = await member.get("/tasks/new?type=invoice")
    assert page.status_code == 200
    html = page.text
    for name, kind in [
        ("f_supplier", 'type="text"'),
        ("f_copies", 'inputmode="numeric"'),
        ("f_amount", 'inputmode="decimal"'),
        ("f_due", 'type="date"'),
        ("f_call_at", 'type="datetime-local"'),
        ("f_urgent", 'type="checkbox"'),
        ("f_contact", 'type="email"'),
    ]:
        assert re.search(rf'name="{name}"[^>]*{re.escape(kind)}', html), name
    assert '<textarea id="f_notes"' in html
    assert '<option value="boleto">Boleto</option>' in html  # the choice's Portuguese label
    assert "Valor" in html and "(BRL)" in html


async def test_refused_submission_shows_the_intakes_errors_inline_and_writes_nothing(floor: Floor) -> None:
    await add_all_kinds_type(floor)
    member = await floor.world.sign_in("a_member")
    answer = await member.post(
        "/tasks/new",
        data=_form(
            member,
            task_type="invoice",
            f_supplier="",
            f_amount="12,345",
            f_copies="0",
            f_cpf="111.111.111-11",
            f_cnpj="12.345.678/0001-00",
            f_contact="not-an-email",
            f_due="2025-02-30",
            f_notes="Kept as typed",
        ),
    )
    assert answer.status_code == 422
    html = answer.text
    assert field_error(html, "f_supplier") == "Este campo é obrigatório."
    assert field_error(html, "f_amount") == "Casas decimais demais."
    assert field_error(html, "f_copies") == "Este valor é pequeno demais."
    assert field_error(html, "f_cpf") == "Este CPF não é válido."
    assert field_error(html, "f_cnpj") == "Este CNPJ não é válido."
    assert field_error(html, "f_contact") == "Informe um e-mail válido."
    assert field_error(html, "f_due") == "Informe uma data válida."
    assert 'aria-invalid="true"' in html
    assert ">Kept as typed</textarea>" in html
    assert await Task.count() == 0  # scope: test


async def test_submitted_task_shows_its_values_in_the_readers_locale(floor: Floor) -> None:
    await add_all_kinds_type(floor)
    member = await floor.world.sign_in("a_member")
    answer = await member.post(
        "/tasks/new",
        data=_form(
            member,
            task_type="invoice",
            f_supplier="ACME",
            f_amount="1.234,56",
            f_rate="7,5",
            f_copies="3",
            f_urgent="on",
            f_method="boleto",
            f_cpf="52998224725",
            f_due="2025-01-31",
            f_call_at="2025-01-31T14:30",
            external_ref="NF-1",
            priority="3",
        ),
    )
    assert answer.status_code == 303, answer.text
    assert re.fullmatch(r"/tasks/[0-9a-f-]{36}\?created=1", answer.headers["location"])
    task = await Task.select(Task.payload).output(load_json=True).first()  # scope: test
    assert task is not None
    payload = task["payload"]
    assert payload["amount"] == 123456
    assert payload["rate"] == "7.50"
    # 14:30 in São Paulo (the viewer's zone) is 17:30 UTC.
    assert payload["call_at"] == "2025-01-31T17:30:00Z"
    page = text_of((await member.get(answer.headers["location"])).text)
    assert "R$ 1.234,56" in page
    assert "7,50" in page
    assert "Boleto" in page and "529.982.247-25" in page
    assert "31 de jan. de 2025 14:30:00" in page
    assert "NF-1" in page


async def test_forms_need_the_csrf_token(floor: Floor) -> None:
    member = await floor.world.sign_in("a_member")
    member.headers.pop("X-CSRF-Token")
    answer = await member.post(
        "/tasks/new", data={"task_type": "payable", "f_supplier": "X", "f_amount": "1"}
    )
    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("text/html")
    forged = await member.post(
        "/tasks/new",
        data={"csrf_token": "forged", "task_type": "payable", "f_supplier": "X", "f_amount": "1"},
    )
    assert forged.status_code == 403
    assert await Task.count() == 0  # scope: test


async def test_conversation_answers_a_question_and_closed_tasks_take_no_messages(floor: Floor) -> None:
    world = floor.world
    member = await world.sign_in("a_member")
    task_id = (await floor.submit(member)).json()["id"]
    empty = await member.post(f"/tasks/{task_id}/comments", data=_form(member, body="  "))
    assert empty.status_code == 422
    assert field_error(empty.text, "body") == "Este campo é obrigatório."
    sent = await member.post(
        f"/tasks/{task_id}/comments", data=_form(member, body="Anexo enviado por e-mail")
    )
    assert sent.status_code == 303
    page = await member.get(sent.headers["location"])
    assert "Anexo enviado por e-mail" in page.text
    assert await TaskComment.count() == 1  # scope: test


async def test_csv_upload_runs_and_reports_each_row(floor: Floor) -> None:
    world = floor.world
    admin = await world.sign_in("a_admin")
    missing = await admin.post(
        "/imports", data=_form(admin, task_type="payable"), files={"nothing": ("", b"")}
    )
    assert missing.status_code == 422
    assert field_error(missing.text, "file") == "Este campo é obrigatório."
    content = b"supplier;amount\nACME;10.00\n;oops\n"
    answer = await admin.post(
        "/imports",
        data=_form(admin, task_type="payable", queue="default"),
        files={"file": ("contas.csv", content, "text/csv")},
    )
    assert answer.status_code == 303, answer.text
    await world.settle_jobs()
    report = await admin.get(answer.headers["location"])
    assert report.status_code == 200
    assert 'data-progress-url="/api/v1/task-imports/' in report.text
    text = text_of(report.text)
    assert "contas.csv" in text
    assert "payload.supplier" not in text or "supplier" in text
    assert re.search(r"<td>3</td>", report.text)  # the rejected row, as the spreadsheet numbers it
    assert await CsvImport.count() == 1  # scope: test
    other = await world.sign_in("b_admin")
    assert (await other.get(answer.headers["location"])).status_code == 404


async def test_users_are_added_with_inline_errors_and_the_last_admin_stays(world: World) -> None:
    admin = await world.sign_in("a_admin")
    bad = await admin.post(
        "/settings/users",
        data=_form(admin, email="nobody", display_name="", role="client_member"),
    )
    assert bad.status_code == 422
    assert field_error(bad.text, "email") == "Informe o e-mail da pessoa, como ana@example.com."
    added = await admin.post(
        "/settings/users",
        data=_form(admin, email="Nova@Example.test", display_name="Nova", role="client_member"),
    )
    assert added.status_code == 303
    page = await admin.get("/settings/users")
    assert "nova@example.test" in page.text
    own = (
        await Membership.objects()
        .where(  # scope: test
            Membership.user_id == world.people["a_admin"].user_id
        )
        .first()
    )
    assert own is not None
    demoted = await admin.post(f"/settings/users/{own.id}/role", data=_form(admin, role="client_member"))
    assert demoted.status_code == 409
    assert 'role="alert"' in demoted.text


async def test_api_key_secret_is_shown_once(world: World) -> None:
    admin = await world.sign_in("a_admin")
    bad = await admin.post("/settings/api-keys", data=_form(admin, name=""))
    assert bad.status_code == 422
    created = await admin.post(
        "/settings/api-keys", data={**_form(admin, name="ERP"), "scopes": ["tasks:read", "tasks:write"]}
    )
    assert created.status_code == 201
    secret = re.search(r"data-secret>(rg_[^<]+)<", created.text)
    assert secret
    listing = await admin.get("/settings/api-keys")
    assert secret.group(1) not in listing.text
    assert "ERP" in listing.text
    key = await ApiKey.objects().first()  # scope: test
    assert key is not None and key.prefix in listing.text
    api = world.anonymous()
    api.headers["Authorization"] = f"Bearer {secret.group(1)}"
    assert (await api.get("/api/v1/tasks")).status_code == 200
    revoked = await admin.post(f"/settings/api-keys/{key.id}/revoke", data=_form(admin))
    assert revoked.status_code == 303
    assert (await api.get("/api/v1/tasks")).status_code == 401


async def test_webhook_endpoint_secret_ping_and_delivery_log(world: World) -> None:
    admin = await world.sign_in("a_admin")
    bad = await admin.post(
        "/settings/webhooks", data={**_form(admin, url="ftp://x"), "events": ["task.completed"]}
    )
    assert bad.status_code == 422
    assert field_error(bad.text, "url")
    created = await admin.post(
        "/settings/webhooks",
        data={
            **_form(admin, url="https://hooks.example.test/rg", description="ERP"),
            "events": ["task.completed"],
        },
    )
    assert created.status_code == 201
    assert re.search(r"data-secret>whsec_", created.text)
    endpoint = re.search(r'action="/settings/webhooks/([0-9a-f-]{36})/ping"', created.text)
    assert endpoint
    pinged = await admin.post(f"/settings/webhooks/{endpoint.group(1)}/ping", data=_form(admin))
    assert pinged.status_code == 303
    log = await admin.get(pinged.headers["location"])
    assert "webhook.ping" in log.text
    assert await WebhookDelivery.count() == 1  # scope: test
    member = await world.sign_in("a_member")
    read_only = await member.get(f"/settings/webhooks/{endpoint.group(1)}")
    assert read_only.status_code == 200 and "/ping" not in read_only.text
    assert (
        await member.post(f"/settings/webhooks/{endpoint.group(1)}/ping", data=_form(member))
    ).status_code == 403
    assert (
        await (await world.sign_in("b_admin")).get(f"/settings/webhooks/{endpoint.group(1)}")
    ).status_code == 404


async def test_task_list_filters_and_pages(floor: Floor, monkeypatch: pytest.MonkeyPatch) -> None:
    import retaguarda.portal.pages.tasks as task_pages

    member = await floor.world.sign_in("a_member")
    for supplier in ("Alpha", "Beta", "Gamma"):
        await floor.submit(member, payload={"supplier": supplier, "amount": "1"})
    found = await member.get("/tasks?q=beta")
    assert "Pay a bill: Beta" in found.text and "Alpha" not in found.text
    none = await member.get("/tasks?status=done")
    assert "Pay a bill:" not in none.text
    monkeypatch.setattr(task_pages, "PAGE_SIZE", 2)
    first = await member.get("/tasks")
    assert "Gamma" in first.text and "Beta" in first.text and "Alpha" not in first.text
    nxt = re.search(r'href="/tasks\?(cursor=[^"]+)" rel="next"', first.text)
    assert nxt
    second = await member.get("/tasks?" + nxt.group(1).replace("&amp;", "&"))
    assert "Alpha" in second.text and "Gamma" not in second.text
