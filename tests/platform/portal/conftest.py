"""Browser fixtures for the portal's browser tests: one real server and one headless Chromium per module
(each module that asks for them gets its own pair, shared by its tests)."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator

import httpx
import pytest
from playwright.async_api import Browser, async_playwright

from tests.platform.portal.browsing import CHROMIUM, ROOT, free_port


@pytest.fixture(scope="module")
async def server(database: None) -> AsyncIterator[str]:
    """uvicorn serving the app in a subprocess on a free port of 127.0.0.1, on the database the fixtures
    seed (the SQLite file of the embedded pass, or the Postgres database of the full pass)."""
    port = free_port()
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
