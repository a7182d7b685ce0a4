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
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from tests.platform.portal.support import add_all_kinds_type
from tests.support.work import Floor
from tests.support.world import PASSWORD

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


async def _signed_in(browser: Browser, base_url: str, email: str, locale: str) -> Page:
    context = await browser.new_context(
        base_url=base_url, locale=locale, viewport={"width": 390, "height": 844}
    )
    context.set_default_timeout(10_000)
    page = await context.new_page()
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
