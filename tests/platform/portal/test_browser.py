"""The portal in a real browser (Debian's Chromium, headless, driven by Playwright) against a real server.

uvicorn serves the app in a subprocess on a free port of 127.0.0.1, on the same database the fixtures seed
(the SQLite file of the embedded pass, or the Postgres database of the full pass). One journey, in Brazilian
Portuguese: a client submits a task through the generated form, an operator claims and completes it on the
work screen (lease countdown and heartbeat running), and the client sees it done.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from tests.platform.portal.support import add_all_kinds_type
from tests.support.work import Floor
from tests.support.world import PASSWORD, World

ROOT = Path(__file__).resolve().parents[3]
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
IN_CI = os.environ.get("CI", "").lower() == "true"

if not CHROMIUM.exists() and not IN_CI:
    pytest.skip("needs Chromium (`make browser` installs Debian's)", allow_module_level=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
async def server(database: None) -> AsyncIterator[str]:
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "WORK_LEASE_S": "120"}
    command = [
        sys.executable, "-m", "uvicorn", "retaguarda.app:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    process = await asyncio.create_subprocess_exec(*command, cwd=ROOT, env=env)
    base_url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base_url) as client:
            for _ in range(200):
                assert process.returncode is None, "the server exited"
                try:
                    if (await client.get("/health/live")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
        yield base_url
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=10)


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield launched
        await launched.close()


def _shot(name: str) -> str:
    """Where a journey leaves a screenshot of a page, for people to look at."""
    path = Path(tempfile.gettempdir()) / "shots" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    return str(path)


# Messages Chromium logs when the Content-Security-Policy refuses something, by page.
CSP_VIOLATIONS: dict[Page, list[str]] = {}

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


async def _signed_in(
    browser: Browser, base_url: str, email: str, locale: str, viewport: dict[str, int] = PHONE
) -> Page:
    context = await browser.new_context(base_url=base_url, locale=locale, viewport=viewport)  # type: ignore[arg-type]
    context.set_default_timeout(10_000)
    page = await context.new_page()
    violations = CSP_VIOLATIONS.setdefault(page, [])
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    await page.goto("/login")
    await page.locator("#email").fill(email)
    await page.locator("#password").fill(PASSWORD)
    await page.locator("#password").press("Enter")
    await page.wait_for_url(re.compile(r"/$"))
    return page


async def test_a_task_goes_from_the_clients_form_through_the_work_screen_and_back(
    floor: Floor, server: str, browser: Browser
) -> None:
    world = floor.world
    await add_all_kinds_type(floor)

    # The client (client A reads Brazilian Portuguese) submits through the form generated from the type.
    client = await _signed_in(browser, server, world.people["a_member"].email, "pt-BR")
    await expect(client.locator("h1")).to_contain_text("Boas-vindas")
    await client.goto("/tasks/new")
    await client.get_by_label("Tipo de tarefa").select_option("invoice")
    await expect(client.get_by_label("Fornecedor")).to_be_visible()
    await client.get_by_label("Fornecedor").fill("ACME Ltda.")
    await client.get_by_label("Valor").fill("1.234,56")
    await client.get_by_label("Forma").select_option("boleto")
    await client.get_by_role("button", name="Enviar tarefa").click()
    await expect(client.get_by_role("status")).to_contain_text("Sua tarefa foi enviada.")
    values = client.locator("dl.values")
    await expect(values).to_contain_text(re.compile(r"R\$\s1\.234,56"))
    await expect(values).to_contain_text("Boleto")
    await expect(client.locator(".page-head .badge")).to_have_text("Na fila")
    task_url = client.url.split("?")[0]

    # The operator takes it on the work screen, watches the lease and completes it.
    operator = await _signed_in(browser, server, world.people["operator"].email, "en-US")
    await operator.goto("/work")
    async with operator.expect_response(lambda r: r.url.endswith("/heartbeat") and r.ok) as heartbeat:
        await operator.get_by_role("button", name="Next task").click()
        await expect(operator.locator("#task-title")).to_have_text("Pay an invoice: ACME Ltda.")
    assert (await (await heartbeat.value).json())["leaseExpiresAt"]
    await expect(operator.locator("[data-countdown]")).to_have_text(re.compile(r"^[12]:\d\d$"))
    await expect(operator.locator("dl.values")).to_contain_text("R$1,234.56")
    await operator.get_by_role("button", name="Complete").click()
    await expect(operator.get_by_role("status")).to_contain_text("Task completed")
    await expect(operator.locator(".today")).to_contain_text("1 task completed today")

    # The client sees it done, with its history.
    await client.goto(task_url)
    await expect(client.locator(".page-head .badge")).to_have_text("Concluída")
    await expect(client.locator(".timeline")).to_contain_text("Concluída")


async def test_account_manager_applies_a_plan_and_finalizes_an_invoice_and_the_client_sees_its_sla_met(
    floor: Floor, server: str, browser: Browser
) -> None:
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    from tests.billing.builders import add_contract, add_work
    from tests.platform.portal.test_sla_pages import sla_policy
    from tests.platform.portal.test_staffing_pages import seasonal_operator

    world = floor.world
    await sla_policy(floor)
    seasonal = await seasonal_operator(floor)
    await add_contract(await world.sign_in("admin"), world.client_a.id)
    await add_work(floor, world.client_a.id, datetime.now(UTC) - timedelta(hours=3), 3600)
    # The client's task is done well within its SLA.
    task = (await floor.submit(await world.sign_in("a_member"), priority=2)).json()
    operator = await world.sign_in("operator")
    lease = (await operator.post("/api/v1/work/next")).json()
    await operator.post(f"/api/v1/work/{task['id']}/complete", json={"fencingToken": lease["fencingToken"]})

    # The account manager drafts a scaling plan, reads its effect, approves and applies it.
    manager = await _signed_in(browser, server, world.people["account_manager"].email, "en-US")
    await manager.goto(f"/staffing/plans/new?pool={floor.pool_id}")
    starts = (datetime.now(ZoneInfo("America/Sao_Paulo")) + timedelta(days=2)).replace(hour=9, minute=0)
    await manager.get_by_label("Name").fill("Year-end peak")
    await manager.get_by_label("Starts").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    await manager.get_by_label("Ends").fill((starts + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"))
    await manager.locator("#kind_0").select_option("add")
    await manager.locator("#operator_0").select_option(str(seasonal))
    await manager.get_by_role("button", name="Create draft").click()
    await expect(manager.get_by_role("heading", name="What if: the effect of this plan")).to_be_visible()
    await expect(manager.locator("table.effect")).to_contain_text("Operator-hours scheduled")
    await manager.get_by_role("button", name="Approve").click()
    await expect(manager.locator("#plan-status")).to_have_text("Approved")
    manager.on("dialog", lambda dialog: dialog.accept())  # applying and finalizing ask first
    await manager.get_by_role("button", name="Apply to the roster").click()
    await expect(manager.locator("#plan-status")).to_have_text("Applied")

    # ... and drafts this month's invoice for client A, then finalizes it.
    await manager.goto(f"/billing?client={world.client_a.id}")
    await manager.get_by_role("button", name="Draft invoice").click()
    await expect(manager.locator("#invoice-status")).to_have_text("Draft")
    await manager.get_by_role("button", name="Finalize invoice").click()
    await expect(manager.locator("#invoice-status")).to_have_text("Issued")

    # The client sees its task done, both SLA clocks met.
    client = await _signed_in(browser, server, world.people["a_member"].email, "pt-BR")
    await client.goto(f"/tasks/{task['id']}")
    await expect(client.locator(".page-head .badge")).to_have_text("Concluída")
    await expect(client.locator(".clock.sla-met .badge")).to_have_count(2)
    await expect(client.locator(".clock.sla-met .badge").first).to_have_text("Cumprido")


async def _open_from_menu(page: Page, name: str, *, phone: bool) -> None:
    """Click a main-menu entry as a person would: on a phone the menu opens behind its button first."""
    menu = page.get_by_role("navigation", name=re.compile("^(Main|Principal)$"))
    if phone:
        await expect(menu).to_be_hidden()
        toggle = page.get_by_role("button", name="Menu")
        await toggle.click()
        await expect(toggle).to_have_attribute("aria-expanded", "true")
    else:
        await expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    link = menu.get_by_role("link", name=name, exact=True)
    await expect(link).to_be_visible()
    await link.click()
    await expect(page.locator('#main-nav [aria-current="page"]')).to_have_text(name)


@pytest.mark.parametrize(
    ("who", "locale", "viewport", "entries"),
    [
        (
            "account_manager",
            "en-US",
            LAPTOP,
            ["Staffing plans", "Billing", "Pools and operators", "Dashboard"],
        ),
        ("account_manager", "en-US", PHONE, ["Staffing plans", "Billing"]),
        ("a_admin", "pt-BR", LAPTOP, ["Faturamento", "Chaves de API", "Webhooks", "Usuários"]),
        ("a_admin", "pt-BR", PHONE, ["Faturamento", "Chaves de API"]),
        ("supervisor", "en-US", LAPTOP, ["Queue board", "Time corrections", "My work"]),
        ("operator", "en-US", PHONE, ["My work", "Notifications"]),
    ],
    ids=[
        "manager-laptop",
        "manager-phone",
        "client-admin-laptop",
        "client-admin-phone",
        "supervisor",
        "operator",
    ],
)
async def test_every_role_reaches_its_pages_from_the_menu(
    floor: Floor,
    server: str,
    browser: Browser,
    who: str,
    locale: str,
    viewport: dict[str, int],
    entries: list[str],
) -> None:
    """The menu is painted at every width (a closed <details> once hid it on desktops for every role)."""
    page = await _signed_in(browser, server, floor.world.people[who].email, locale, viewport)
    for name in entries:
        await _open_from_menu(page, name, phone=viewport is PHONE)
        assert await page.locator("main h1").count() >= 1
    assert not CSP_VIOLATIONS[page]


@pytest.mark.parametrize(
    ("who", "locale", "viewport", "title", "signed_in"),
    [
        ("admin", "en-US", LAPTOP, "Audit log", "Signed in"),
        ("a_admin", "pt-BR", PHONE, "Registro de auditoria", "Entrou"),
        ("b_admin", "es-ES", LAPTOP, "Registro de auditoría", "Inició sesión"),
    ],
    ids=["provider-admin-laptop", "client-admin-phone", "client-admin-spanish"],
)
async def test_admins_read_the_audit_log_from_the_menu(
    world: World,
    server: str,
    browser: Browser,
    who: str,
    locale: str,
    viewport: dict[str, int],
    title: str,
    signed_in: str,
) -> None:
    other = "b_admin" if who == "a_admin" else "a_admin"
    await _signed_in(browser, server, world.people[other].email, locale)
    page = await _signed_in(browser, server, world.people[who].email, locale, viewport)
    await _open_from_menu(page, title, phone=viewport is PHONE)
    await expect(page.locator("main h1")).to_have_text(title)
    rows = page.locator("table.audit tbody tr")

    def by(person: str) -> Any:
        return rows.filter(has=page.get_by_role("cell", name=world.people[person].email, exact=True))

    await expect(by(who).filter(has_text=signed_in)).to_have_count(1)
    # A client admin never sees another company's entries; the provider's admin sees every company's.
    await expect(by(other)).to_have_count(1 if who == "admin" else 0)
    await page.screenshot(path=_shot(f"audit/{who}-{locale}-{viewport['width']}.png"), full_page=True)
    assert not CSP_VIOLATIONS[page]
