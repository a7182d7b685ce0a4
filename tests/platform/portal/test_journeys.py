"""Each role's day in a real browser, from its home page, by clicking the links and buttons the portal shows
(never by typing an address), at a laptop's width (1366 px) and a phone's (390 px), in English, Brazilian
Portuguese and Spanish. Texts are looked up in the catalogs, so a journey in Spanish checks the Spanish page.

One server and one Chromium serve the whole module (see conftest.py); each journey has its own browser
context. ``SHOTS_DIR=/tmp/shots`` saves a screenshot of each page visited.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, Dialog, Page, expect

from retaguarda.i18n import gettext_for
from tests.platform.portal.browsing import (
    CSP_VIOLATIONS,
    LAPTOP,
    PHONE,
    choose_language,
    needs_chromium,
    open_from_menu,
    shot,
    signed_in,
)
from tests.support.work import Floor

needs_chromium()

WIDTHS = {"laptop": LAPTOP, "phone": PHONE}


def _t(locale: str, text: str) -> str:
    return gettext_for(locale)(text)


def _exactly(locale: str, text: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(_t(locale, text)) + "$")


async def _start(browser: Browser, server: str, floor: Floor, who: str, locale: str, width: str) -> Page:
    """Signed in on the home page, in ``locale`` chosen from the header's language switch when it is not
    already the person's language."""
    page = await signed_in(browser, server, floor.world.people[who].email, "en-US", WIDTHS[width])
    if await page.locator("html").get_attribute("lang") != locale.replace("_", "-"):
        await choose_language(page, locale)
    await expect(page.locator("main h1")).to_be_visible()
    return page


async def _accept_confirmation(page: Page) -> list[str]:
    """The next confirmation dialog is accepted; what it said is returned (filled once it showed)."""
    seen: list[str] = []

    async def answer(dialog: Dialog) -> None:
        seen.append(dialog.message)
        await dialog.accept()

    page.once("dialog", answer)
    return seen


def _no_csp_violations(page: Page) -> None:
    assert not CSP_VIOLATIONS.get(page), CSP_VIOLATIONS.get(page)


# ---- account manager: staffing chart, a plan applied with its confirmation, an invoice finalized ----------


@pytest.mark.parametrize(("width", "locale"), [("laptop", "es"), ("phone", "pt_BR")])
async def test_account_manager_plans_staffing_and_bills_a_client(
    floor: Floor, server: str, browser: Browser, width: str, locale: str
) -> None:
    from tests.billing.builders import add_contract, add_work
    from tests.platform.portal.test_staffing_pages import seasonal_operator
    from tests.staffing.planning.test_requirements_and_plans_api import _planned_floor

    world = floor.world
    await _planned_floor(floor)  # a forecast that asks for more operators than the pool has
    seasonal = await seasonal_operator(floor)
    await add_contract(await world.sign_in("admin"), world.client_a.id)
    await add_work(floor, world.client_a.id, datetime.now(UTC) - timedelta(hours=3), 3600)
    page = await _start(browser, server, floor, "account_manager", locale, width)

    # The staffing chart has its axes, its unit, its days, and the figures as a table.
    await open_from_menu(page, _t(locale, "Staffing plans"))
    figure = page.locator(".chart-box").first
    await expect(figure.locator(".axis-title").first).to_have_text(_t(locale, "Operators"))
    await expect(figure.locator(".y-axis text").first).to_be_visible()
    assert await figure.locator(".x-axis text").count() >= 2  # days are labelled
    table = figure.locator(".chart-table")
    await table.locator("summary").click()
    await expect(table.locator("tbody tr").first).to_be_visible()
    assert await table.locator("tbody tr").count() >= 24 * 7
    await shot(page, f"staffing-{locale}")

    # A plan: drafted from the pool's page, its effect read, approved, then applied after a confirmation
    # that says what applying does.
    await page.get_by_role("link", name=_t(locale, "New plan")).click()
    starts = (datetime.now(ZoneInfo("America/Sao_Paulo")) + timedelta(days=2)).replace(hour=9, minute=0)
    await page.get_by_label(_t(locale, "Name")).fill("Pico de fin de año")
    await page.get_by_label(_t(locale, "Starts")).fill(starts.strftime("%Y-%m-%dT%H:%M"))
    await page.get_by_label(_t(locale, "Ends")).fill((starts + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"))
    await page.locator("#kind_0").select_option("add")
    await page.locator("#operator_0").select_option(str(seasonal))
    await page.get_by_role("button", name=_t(locale, "Create draft")).click()
    await expect(page.locator(".whatif .chart-box")).to_be_visible()
    await shot(page, f"plan-{locale}")
    await page.get_by_role("button", name=_t(locale, "Approve"), exact=True).click()
    await expect(page.locator("#plan-status")).to_have_text(_t(locale, "Approved"))
    # Dismissed, nothing happens; accepted, the plan is applied.
    page.once("dialog", lambda dialog: dialog.dismiss())
    await page.get_by_role("button", name=_t(locale, "Apply to the roster")).click()
    await expect(page.locator("#plan-status")).to_have_text(_t(locale, "Approved"))
    said = await _accept_confirmation(page)
    await page.get_by_role("button", name=_t(locale, "Apply to the roster")).click()
    await expect(page.locator("#plan-status")).to_have_text(_t(locale, "Applied"))
    assert said and "1" in said[0] and said[0].endswith(".")

    # This month's invoice for client A: drafted, previewed whole, finalized after a confirmation.
    await open_from_menu(page, _t(locale, "Billing"))
    await page.locator("#run-client").select_option(str(world.client_a.id))
    await page.get_by_role("button", name=_t(locale, "Draft invoice")).click()
    await expect(page.locator("#invoice-status")).to_have_text(_t(locale, "Draft"))
    await _whole_document_shows(page, locale)
    await shot(page, f"invoice-{locale}")
    said = await _accept_confirmation(page)
    await page.get_by_role("button", name=_t(locale, "Finalize invoice")).click()
    await expect(page.locator("#invoice-status")).to_have_text(_t(locale, "Issued"))
    assert said and "Cliente A Ltda." in said[0]
    _no_csp_violations(page)


async def _whole_document_shows(page: Page, locale: str) -> None:
    """The preview frame is as tall as the invoice: its totals are inside the frame's box, not cut off
    below it, and the frame does not trail a screenful of blank space either."""
    total = page.frame_locator("iframe.document").locator("tfoot tr").last
    await expect(total).to_contain_text(_t(locale, "Total"))
    frame = page.locator("iframe.document")
    await expect(frame).not_to_have_css("min-height", "512px")  # fitted to its content by the script
    box, row = await frame.bounding_box(), await total.bounding_box()
    assert box is not None and row is not None
    assert row["y"] + row["height"] <= box["y"] + box["height"], (row, box)
    assert box["y"] + box["height"] - (row["y"] + row["height"]) < 120, (row, box)


# ---- client member: a task submitted from the dashboard, then found in the task list ---------------------


@pytest.mark.parametrize(("width", "locale"), [("laptop", "pt_BR"), ("phone", "es")])
async def test_client_member_submits_a_task_and_finds_it(
    floor: Floor, server: str, browser: Browser, width: str, locale: str
) -> None:
    page = await _start(browser, server, floor, "a_member", locale, width)
    await page.locator("main").get_by_role("link", name=_t(locale, "New task"), exact=True).click()
    await page.locator("#f_supplier").fill("Padaria Central")
    await page.locator("#f_amount").fill("1.234,56" if locale == "pt_BR" else "1234,56")
    await page.get_by_role("button", name=_t(locale, "Submit task")).click()
    await expect(page.get_by_role("status")).to_contain_text(_t(locale, "Your task was submitted."))
    await shot(page, f"task-{locale}")
    await open_from_menu(page, _t(locale, "Tasks"))
    await page.locator("main").get_by_role("link", name=re.compile("Padaria Central")).first.click()
    await expect(page.locator("main h1")).to_contain_text("Padaria Central")
    _no_csp_violations(page)


# ---- client admin: a colleague added, an API key created, the consumption read ---------------------------


@pytest.mark.parametrize(("width", "locale"), [("laptop", "es"), ("phone", "pt_BR")])
async def test_client_admin_adds_a_colleague_and_a_key(
    floor: Floor, server: str, browser: Browser, width: str, locale: str
) -> None:
    page = await _start(browser, server, floor, "a_admin", locale, width)
    await open_from_menu(page, _t(locale, "Users"))
    await page.get_by_label(_t(locale, "Email")).fill("nova@example.test")
    await page.locator("#display_name").fill("Nova Pessoa")
    await page.get_by_label(_t(locale, "Initial password")).fill("uma senha longa o bastante")
    await page.get_by_role("button", name=_t(locale, "Add user")).click()
    await expect(page.locator("main table")).to_contain_text("Nova Pessoa")
    await shot(page, f"users-{locale}")
    await open_from_menu(page, _t(locale, "API keys"))
    await page.locator("#name").fill("ERP")
    await page.get_by_role("button", name=_t(locale, "Create key")).click()
    await expect(page.locator(".secret code")).to_be_visible()
    await open_from_menu(page, _t(locale, "Billing"))
    await expect(page.locator("main h1")).to_have_text(_t(locale, "Billing"))
    _no_csp_violations(page)


# ---- operator: from the dashboard to the work screen, a task taken and completed -------------------------


@pytest.mark.parametrize(("width", "locale"), [("laptop", "en"), ("phone", "pt_BR")])
async def test_operator_takes_and_completes_the_next_task(
    floor: Floor, server: str, browser: Browser, width: str, locale: str
) -> None:
    await floor.submit(await floor.world.sign_in("a_member"))
    page = await _start(browser, server, floor, "operator", locale, width)
    await page.get_by_role("link", name=_t(locale, "Go to my work")).click()
    await page.get_by_role("button", name=_t(locale, "Next task")).click()
    await expect(page.locator("#task-title")).to_be_visible()
    await expect(page.locator("[data-countdown]")).to_have_text(re.compile(r"^[12]:\d\d$"))
    await shot(page, f"work-{locale}")
    await page.get_by_role("button", name=_t(locale, "Complete"), exact=True).click()
    await expect(page.get_by_role("status")).to_be_visible()
    _no_csp_violations(page)


# ---- supervisor: the queue board, then a task found for a time correction ---------------------------------


@pytest.mark.parametrize(("width", "locale"), [("laptop", "pt_BR"), ("phone", "es")])
async def test_supervisor_watches_the_board_and_finds_a_task_to_correct(
    floor: Floor, server: str, browser: Browser, width: str, locale: str
) -> None:
    await floor.submit(await floor.world.sign_in("a_member"), title="Conferir boletos")
    page = await _start(browser, server, floor, "supervisor", locale, width)
    await page.get_by_role("link", name=_t(locale, "Open the queue board")).click()
    await expect(page.locator("main h1")).to_have_text(_exactly(locale, "Queue board"))
    await shot(page, f"board-{locale}")
    await open_from_menu(page, _t(locale, "Time corrections"))
    await page.get_by_label(_t(locale, "Find a task")).fill("boletos")
    await page.get_by_role("button", name=_t(locale, "Search")).click()
    await expect(page.locator("main")).to_contain_text("Conferir boletos")
    _no_csp_violations(page)


# ---- admin: clients, task types, SLA policies ------------------------------------------------------------


@pytest.mark.parametrize(("width", "locale"), [("laptop", "en"), ("phone", "es")])
async def test_admin_reads_clients_catalog_and_policies(
    floor: Floor, server: str, browser: Browser, width: str, locale: str
) -> None:
    page = await _start(browser, server, floor, "admin", locale, width)
    await open_from_menu(page, _t(locale, "Clients and users"))
    await page.locator("main").get_by_role("link", name="Cliente B S.L.").click()
    await expect(page.locator("main h1")).to_contain_text("Cliente B S.L.")
    await open_from_menu(page, _t(locale, "Task types and queues"))
    await expect(page.locator("main h1")).to_be_visible()
    await open_from_menu(page, _t(locale, "SLA policies"))
    await expect(page.locator("main h1")).to_have_text(_t(locale, "SLA policies"))
    await shot(page, f"policies-{locale}")
    _no_csp_violations(page)


# ---- keyboard: the menu at both widths, without a mouse ----------------------------------------------------


@pytest.mark.parametrize(("width", "locale"), [("laptop", "es"), ("phone", "pt_BR")])
async def test_the_menu_works_from_the_keyboard(
    floor: Floor, server: str, browser: Browser, width: str, locale: str
) -> None:
    page = await _start(browser, server, floor, "a_admin", locale, width)
    await page.keyboard.press("Tab")
    skip = page.locator(".skip")
    await expect(skip).to_be_focused()
    await expect(skip).to_be_visible()  # shown when focused
    target = _t(locale, "Billing")
    if width == "phone":
        toggle = page.locator(".menu-toggle")
        await toggle.focus()
        await page.keyboard.press("Enter")
        await expect(toggle).to_have_attribute("aria-expanded", "true")
        await page.keyboard.press("Escape")  # closes again, focus back on the button
        await expect(page.locator("#main-nav")).to_be_hidden()
        await expect(toggle).to_be_focused()
        await page.keyboard.press("Enter")
    link = page.locator("#main-nav").get_by_role("link", name=target, exact=True)
    for _ in range(30):  # Tab along the page until the entry has the focus
        await page.keyboard.press("Tab")
        if await link.evaluate("element => element === document.activeElement"):
            break
    await expect(link).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.locator('#main-nav [aria-current="page"]')).to_have_text(target)
    await expect(page.locator("main h1")).to_have_text(target)
