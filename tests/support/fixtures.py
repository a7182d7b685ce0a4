"""Shared fixtures (loaded by tests/conftest.py)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from litestar import Litestar

from retaguarda.app import create_app, running_services
from retaguarda.db import is_postgres, start_database, stop_database
from retaguarda.settings import get_settings
from tests.support.database import (
    admin_url,
    close_owner,
    empty_all_tables,
    migrate,
    recreate_postgres_database,
)
from tests.support.work import Floor, build_floor
from tests.support.world import World, build_world

IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Outside the full pass, tests that need Postgres or Redis are skipped, except in CI, where the full
    pass is required to have both and a missing one is a failure (see `require_services`)."""
    settings = get_settings()
    for item in items:
        if "postgres" in item.keywords and not settings.db.is_postgres:
            item.add_marker(pytest.mark.skip(reason="needs DATABASE_URL (runs in `make test-full`)"))
        if "redis" in item.keywords and settings.jobs.embedded:
            item.add_marker(pytest.mark.skip(reason="needs REDIS_URL (runs in `make test-full`)"))


@pytest.fixture(scope="session")
async def database() -> AsyncIterator[None]:
    settings = get_settings()
    if settings.db.is_postgres:
        await recreate_postgres_database(admin_url(), with_roles=bool(settings.db.owner_url))
    await migrate()
    await start_database()
    yield
    await stop_database()
    await close_owner()


@pytest.fixture(autouse=True)
async def clean_tables(request: pytest.FixtureRequest) -> None:
    if "database" in request.fixturenames or "app" in request.fixturenames or "world" in request.fixturenames:
        await empty_all_tables()


@pytest.fixture(scope="session")
async def app(database: None) -> AsyncIterator[Litestar]:
    # The services the lifespan would start, started here: Litestar's own lifespan runs in an anyio task
    # group, which cannot be entered and left in different tasks as session fixtures are.
    application = create_app()
    async with running_services(get_settings()) as runner:
        application.state.job_runner = runner
        yield application


@pytest.fixture
async def world(app: Litestar) -> AsyncIterator[World]:
    built = await build_world(app)
    yield built
    await built.close()


@pytest.fixture(scope="session")
def engine_name() -> str:
    return "postgres" if is_postgres() else "sqlite"


@pytest.fixture
async def floor(world: World) -> Floor:
    return await build_floor(world)
