"""Helpers for the portal's browser tests: signing in as a person would, the main menu at each width, and
screenshots for people to look at (``SHOTS_DIR=/tmp/shots pytest …`` writes them)."""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from tests.support.world import PASSWORD

ROOT = Path(__file__).resolve().parents[3]
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
IN_CI = os.environ.get("CI", "").lower() == "true"
SHOTS_DIR = os.environ.get("SHOTS_DIR", "")
if SHOTS_DIR:
    Path(SHOTS_DIR).mkdir(parents=True, exist_ok=True)

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}

# Messages Chromium logs when the Content-Security-Policy refuses something, by page.
CSP_VIOLATIONS: dict[Page, list[str]] = {}


def needs_chromium() -> None:
    if not CHROMIUM.exists() and not IN_CI:
        pytest.skip("needs Chromium (`make browser` installs Debian's)", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def signed_in(
    browser: Browser, base_url: str, email: str, locale: str, viewport: dict[str, int] = PHONE
) -> Page:
    """A new browser context (its own cookies) signed in through the sign-in form, on the home page."""
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


def is_phone(page: Page) -> bool:
    return (page.viewport_size or LAPTOP)["width"] < 600


async def open_from_menu(page: Page, name: str | re.Pattern[str]) -> None:
    """Click a main-menu entry as a person would: on a phone the menu opens behind its button first."""
    menu = page.locator("#main-nav")
    if is_phone(page):
        await expect(menu).to_be_hidden()
        toggle = page.locator(".menu-toggle")
        await toggle.click()
        await expect(toggle).to_have_attribute("aria-expanded", "true")
    else:
        await expect(page.locator(".menu-toggle")).to_be_hidden()
    link = menu.get_by_role("link", name=name, exact=True)
    await expect(link).to_be_visible()
    await link.click()
    await expect(page.locator('#main-nav [aria-current="page"]')).to_have_text(name)


async def choose_language(page: Page, value: str) -> None:
    """The header's language switch (it submits itself on change)."""
    async with page.expect_navigation():
        await page.locator("#lang-switch").select_option(value)
    await expect(page.locator("html")).to_have_attribute("lang", value.replace("_", "-"))


async def shot(page: Page, name: str) -> None:
    if SHOTS_DIR:
        width = (page.viewport_size or LAPTOP)["width"]
        await page.screenshot(path=f"{SHOTS_DIR}/{name}-{width}.png", full_page=True)
