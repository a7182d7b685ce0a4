"""The floor's new work in a real browser, clicked from each person's home page at 1366 px (in Brazilian
Portuguese) and 390 px (in Spanish): the operator replies to the client and adds an internal note, then
completes with a resolution; the supervisor finds the task by its CNPJ and corrects its time, and opens the
board; the client opens its notification and reads the reply and the resolution, never the note. Screenshots
of each page go to /tmp/shots/work/."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, Page, expect

from tenants.tables import User
from tests.platform.portal.support import add_all_kinds_type
from tests.platform.portal.test_browser import (  # noqa: F401 - the module's fixtures
    LAPTOP,
    PHONE,
    _shot,
    _signed_in,
    browser,
    server,
)
from tests.support.work import Floor

CNPJ = "11.222.333/0001-81"
# The few words the journey reads, per language (buttons are found by what they do, not their words).
WORDS = {
    "pt_BR": {
        "replied": "Sua mensagem foi enviada ao cliente",
        "noted": "Nota interna adicionada",
        "done": "Tarefa concluída",
        "corrected": "A correção foi registrada",
        "note_label": "Nota interna",
        "resolution": "Resolução",
    },
    "es": {
        "replied": "Su mensaje se envió al cliente",
        "noted": "Nota interna añadida",
        "done": "Tarea terminada",
        "corrected": "La corrección quedó registrada",
        "note_label": "Nota interna",
        "resolution": "Resolución",
    },
}


async def _menu(page: Page, path: str, *, phone: bool) -> None:
    """Open a main-menu entry as a person does (on a phone the menu opens behind its button first)."""
    if phone:
        await page.locator("button.menu-toggle").click()
    link = page.locator(f'#main-nav a[href="{path}"]')
    await expect(link).to_be_visible()
    await link.click()
    await expect(page.locator(f'#main-nav a[href="{path}"][aria-current="page"]')).to_have_count(1)


@pytest.mark.parametrize(("viewport", "locale", "client_key"), [(LAPTOP, "pt_BR", "a"), (PHONE, "es", "b")])
async def test_operator_replies_supervisor_corrects_time_client_is_told(
    floor: Floor,
    server: str,  # noqa: F811 - the browser journeys' fixture, by name
    browser: Browser,  # noqa: F811
    viewport: dict[str, int],
    locale: str,
    client_key: str,
) -> None:
    world = floor.world
    words = WORDS[locale]
    tag = f"{viewport['width']}-{locale}"
    phone = viewport is PHONE
    tenant = world.client_a if client_key == "a" else world.client_b
    await add_all_kinds_type(floor, tenant.id)
    member = await world.sign_in(f"{client_key}_member")
    created = await member.post(
        "/api/v1/tasks",
        json={
            "taskType": "invoice",
            "title": "Boleto Moinho Sul",
            "payload": {"supplier": "Moinho Sul", "amount": "1234.56", "cnpj": CNPJ},
        },
    )
    assert created.status_code == 201, created.text
    task_id = created.json()["id"]
    for who in ("operator", "supervisor"):
        await User.update({User.locale: locale}).where(User.id == world.people[who].user_id)
    browser_locale = locale.replace("_", "-")

    # The operator: from the home page to the work screen; a reply, an internal note, the completion.
    operator = await _signed_in(browser, server, world.people["operator"].email, browser_locale, viewport)
    await operator.locator('main a.button[href="/work"]').click()
    await operator.locator("form.next-task button").click()
    await expect(operator.locator("#task-title")).to_have_text("Boleto Moinho Sul")
    await expect(operator.locator(".client-language")).to_be_visible()
    await operator.locator("#reply-body").fill("Recebido, pagamos hoje.")
    await operator.locator('button[name="internal"][value="0"]').click()
    await expect(operator.get_by_role("status")).to_contain_text(words["replied"])
    await operator.locator("#reply-body").fill("Conferir o boleto duas vezes.")
    await operator.locator('button[name="internal"][value="1"]').click()
    await expect(operator.get_by_role("status")).to_contain_text(words["noted"])
    await expect(operator.locator(".message.kind-note")).to_contain_text("Conferir o boleto")
    await operator.screenshot(path=_shot(f"work/work-screen-{tag}.png"), full_page=True)
    await operator.locator("#resolution").fill("Pago, comprovante 4471.")
    await operator.locator('form[action$="/complete"] button[type="submit"]').click()
    await expect(operator.locator(".my-day")).to_be_visible()
    await operator.screenshot(path=_shot(f"work/my-day-{tag}.png"), full_page=True)
    await world.settle_jobs()

    # The supervisor: from the home page to time corrections; finds the task by its CNPJ, corrects its time.
    supervisor = await _signed_in(browser, server, world.people["supervisor"].email, browser_locale, viewport)
    await supervisor.screenshot(path=_shot(f"work/supervisor-home-{tag}.png"), full_page=True)
    await _menu(supervisor, "/time", phone=phone)
    await supervisor.locator("#q").fill(CNPJ)
    await supervisor.locator("#q").press("Enter")
    await expect(supervisor.locator("form.stack input[name=task_id]")).to_have_value(task_id)
    yesterday = datetime.now(ZoneInfo("America/Sao_Paulo")).date() - timedelta(days=1)
    await supervisor.locator("#started_at").fill(f"{yesterday.isoformat()}T10:00")
    await supervisor.locator("#ended_at").fill(f"{yesterday.isoformat()}T10:30")
    await supervisor.locator("#reason").fill("Chamada ao fornecedor sem registro")
    await supervisor.locator('form[action="/time"][method="post"] button[type="submit"]').click()
    await expect(supervisor.get_by_role("status")).to_contain_text(words["corrected"])
    await supervisor.screenshot(path=_shot(f"work/time-corrections-{tag}.png"), full_page=True)
    await _menu(supervisor, "/board", phone=phone)
    await expect(supervisor.locator("#sla-risk")).to_be_visible()
    await supervisor.screenshot(path=_shot(f"work/board-{tag}.png"), full_page=True)
    await _menu(supervisor, "/tasks", phone=phone)
    await supervisor.locator("#q").fill(CNPJ)
    await supervisor.locator("#q").press("Enter")
    await expect(supervisor.locator("table")).to_contain_text("Boleto Moinho Sul")
    await supervisor.screenshot(path=_shot(f"work/task-search-{tag}.png"), full_page=True)

    # The client: from the home page to its notifications, then the task: the reply and the resolution.
    client = await _signed_in(
        browser, server, world.people[f"{client_key}_admin"].email, browser_locale, viewport
    )
    await client.screenshot(path=_shot(f"work/client-home-{tag}.png"), full_page=True)
    await client.locator("a.notices").click()
    notice = client.locator("ul.list li").filter(has_text="Boleto Moinho Sul")
    await expect(notice).to_contain_text(words["done"])
    await client.screenshot(path=_shot(f"work/client-notifications-{tag}.png"), full_page=True)
    await notice.locator(f'a[href="/tasks/{task_id}"]').click()
    await expect(client.locator(".conversation")).to_contain_text("Recebido, pagamos hoje.")
    await expect(client.locator(".resolution")).to_contain_text("Pago, comprovante 4471.")
    await expect(client.locator("main")).not_to_contain_text("Conferir o boleto")
    await expect(client.locator(".timeline")).to_contain_text(re.compile(r"· Operator"))
    await client.screenshot(path=_shot(f"work/client-task-{tag}.png"), full_page=True)
    assert UUID(task_id)
