"""Test-only job functions for tests/platform/test_jobs.py, and helpers to push outbox rows through time.

Every function records its calls in :data:`CALLS` as ``(job name, key)``; the key is an id argument,
unique per test, so a test counts exactly its own executions.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from retaguarda.jobs import JobFunction, JobRegistry
from retaguarda.kernel.tables import OutboxJob

CALLS: list[tuple[str, str]] = []
PERIODIC_TICKS: list[float] = []


class JobFailed(RuntimeError):
    pass


def calls_of(name: str, key: str) -> int:
    return sum(1 for call in CALLS if call == (name, key))


async def record(key: str) -> None:
    CALLS.append(("test.record", key))


async def flaky(key: str, fail_times: int) -> None:
    """Fails on the first ``fail_times`` calls for ``key``, then succeeds."""
    CALLS.append(("test.flaky", key))
    if calls_of("test.flaky", key) <= fail_times:
        raise JobFailed(f"flaky {key} failed on purpose")


async def always_fails(key: str) -> None:
    CALLS.append(("test.always_fails", key))
    raise JobFailed(f"always_fails {key}")


async def slow(key: str) -> None:
    CALLS.append(("test.slow.started", key))
    await asyncio.sleep(0.3)
    CALLS.append(("test.slow", key))


async def tick() -> None:
    PERIODIC_TICKS.append(time.time())


TEST_JOBS: dict[str, JobFunction] = {
    "test.record": record,
    "test.flaky": flaky,
    "test.always_fails": always_fails,
    "test.slow": slow,
}


def register_test_jobs(registry: JobRegistry) -> None:
    for name, function in TEST_JOBS.items():
        registry.job(name)(function)


async def outbox_row(outbox_id: UUID) -> dict[str, Any] | None:
    row: dict[str, Any] | None = await OutboxJob.select().where(OutboxJob.id == outbox_id).first()
    return row


async def make_due(outbox_id: UUID) -> None:
    """As if its backoff had passed."""
    past = datetime.now(UTC) - timedelta(seconds=1)
    await OutboxJob.update({OutboxJob.available_at: past}).where(OutboxJob.id == outbox_id)


async def set_dispatched_ago(outbox_id: UUID, seconds: float) -> None:
    """As if a worker had claimed the row ``seconds`` ago."""
    at = datetime.now(UTC) - timedelta(seconds=seconds)
    await OutboxJob.update({OutboxJob.dispatched_at: at}).where(OutboxJob.id == outbox_id)
