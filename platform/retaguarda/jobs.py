"""The job runtime: a transactional outbox, a relay, and two interchangeable runners.

* :func:`enqueue` writes an outbox row inside the caller's transaction, so a job exists if and only if the
  change that caused it committed.
* :func:`run_outbox_job` is the one execution path: it loads the row, runs the registered function with the
  row's arguments, and deletes the row only when the function succeeded. A crash anywhere leaves the row, and
  the relay hands it out again after ``redelivery_after_s``; so job functions take ids and must be idempotent.
* Full mode (``REDIS_URL`` set): ``retaguarda worker`` runs arq; an arq cron relays due outbox rows into arq
  every second and runs the periodic jobs. Embedded mode: :class:`InProcessRunner` does the same in the web
  process, woken right after a commit that wrote an outbox row. Same functions, same schedule.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from retaguarda.db import after_commit, transaction
from retaguarda.kernel.tables import OutboxJob
from retaguarda.settings import JobSettings, get_settings

log = logging.getLogger("retaguarda.jobs")

JobFunction = Callable[..., Awaitable[None]]
RELAY_BATCH = 100


@dataclass(frozen=True, slots=True)
class PeriodicJob:
    name: str
    function: Callable[[], Awaitable[None]]
    every_s: int


@dataclass(slots=True)
class JobRegistry:
    """Job functions by name. Domain packages register theirs in their ``tasks.py``; the composition root
    imports those modules, so the kernel never imports a domain."""

    functions: dict[str, JobFunction] = field(default_factory=dict)
    periodic: dict[str, PeriodicJob] = field(default_factory=dict)

    def job(self, name: str) -> Callable[[JobFunction], JobFunction]:
        def register(function: JobFunction) -> JobFunction:
            self.functions[name] = function
            return function

        return register

    def every(self, seconds: int, name: str) -> Callable[[JobFunction], JobFunction]:
        if seconds < 1 or (seconds < 60 and 60 % seconds) or (seconds >= 60 and seconds % 60):
            raise ValueError("a period is a divisor of a minute, or whole minutes")

        def register(function: JobFunction) -> JobFunction:
            self.periodic[name] = PeriodicJob(name, function, seconds)
            return function

        return register


registry = JobRegistry()
job = registry.job
every = registry.every


def _now() -> datetime:
    return datetime.now(UTC)


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 2 ** min(attempts, 12)))


# Set by whichever runner is active, called after a commit that wrote outbox rows.
_wake: Callable[[], None] | None = None


async def enqueue(name: str, *, tenant_id: UUID | None = None, delay_s: int = 0, **kwargs: Any) -> UUID:
    """Write a job into the outbox within the current transaction. Arguments are JSON values (ids)."""
    if name not in registry.functions:
        raise KeyError(f"no job named {name!r}")
    job_id = uuid4()
    now = _now()
    await OutboxJob.insert(
        OutboxJob(
            id=job_id,
            tenant_id=tenant_id,
            job=name,
            args=kwargs,
            available_at=now + timedelta(seconds=delay_s),
        )
    )
    if _wake is not None:
        after_commit(_wake)
    return job_id


async def claim_due_jobs(settings: JobSettings, limit: int = RELAY_BATCH) -> list[UUID]:
    """Mark due rows dispatched and return their ids. A row dispatched long ago without finishing (its worker
    died) is due again. The UPDATE re-checks the condition, so two relays never hand out one row twice."""
    now = _now()
    stale = now - timedelta(seconds=settings.redelivery_after_s)
    due = (
        (OutboxJob.available_at <= now)
        & (OutboxJob.dead == False)  # noqa: E712 - Piccolo builds SQL from the comparison
        & (OutboxJob.dispatched_at.is_null() | (OutboxJob.dispatched_at < stale))
    )
    async with transaction():
        rows = await OutboxJob.select(OutboxJob.id).where(due).order_by(OutboxJob.available_at).limit(limit)
        if not rows:
            return []
        claimed = (
            await OutboxJob.update({OutboxJob.dispatched_at: now})
            .where(OutboxJob.id.is_in([r["id"] for r in rows]) & due)
            .returning(OutboxJob.id)
        )
    return [row["id"] for row in claimed]


async def run_outbox_job(outbox_id: UUID | str, settings: JobSettings | None = None) -> bool:
    """Run one outbox job; True when it succeeded (or was already done)."""
    settings = settings or get_settings().jobs
    row = await OutboxJob.select().where(OutboxJob.id == outbox_id).first()
    if row is None:
        return True  # done by an earlier delivery
    function = registry.functions.get(row["job"])
    try:
        if function is None:
            raise LookupError(f"no job named {row['job']!r} in this process")
        await function(**(row["args"] if isinstance(row["args"], dict) else {}))
    except Exception as exc:  # noqa: BLE001 - any failure of a job is recorded and retried
        attempts = row["attempts"] + 1
        dead = attempts >= settings.max_attempts
        log.warning("job %s %s failed (attempt %d%s): %s", row["job"], outbox_id, attempts,
                    ", giving up" if dead else "", exc)
        await OutboxJob.update(
            {
                OutboxJob.attempts: attempts,
                OutboxJob.last_error: "".join(traceback.format_exception(exc))[-4000:],
                OutboxJob.available_at: _now() + _backoff(attempts),
                OutboxJob.dispatched_at: None,
                OutboxJob.dead: dead,
            }
        ).where(OutboxJob.id == outbox_id)
        return False
    await OutboxJob.delete().where(OutboxJob.id == outbox_id)
    return True


class InProcessRunner:
    """Embedded mode: relay and periodic jobs as asyncio tasks inside the web process."""

    def __init__(self, settings: JobSettings) -> None:
        self.settings = settings
        self._event = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False

    async def start(self) -> None:
        global _wake  # noqa: PLW0603 - one runner per process; the outbox wakes whichever is active
        _wake = self._event.set
        self._tasks = [asyncio.create_task(self._relay_loop(), name="outbox-relay")]
        for periodic in registry.periodic.values():
            self._tasks.append(asyncio.create_task(self._periodic_loop(periodic), name=periodic.name))

    async def stop(self) -> None:
        global _wake  # noqa: PLW0603
        _wake = None
        self._stopping = True
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def drain(self) -> int:
        """Run every due job now (used by the relay loop and by tests); returns how many ran."""
        ran = 0
        while ids := await claim_due_jobs(self.settings):
            for outbox_id in ids:
                await run_outbox_job(outbox_id, self.settings)
                ran += 1
        return ran

    async def _relay_loop(self) -> None:
        while not self._stopping:
            try:
                await self.drain()
            except Exception:  # noqa: BLE001 - the relay must outlive a bad moment of the database
                log.exception("outbox relay failed")
            try:
                await asyncio.wait_for(self._event.wait(), timeout=self.settings.relay_interval_s)
            except TimeoutError:
                pass
            self._event.clear()

    async def _periodic_loop(self, periodic: PeriodicJob) -> None:
        while not self._stopping:
            await asyncio.sleep(periodic.every_s - (_now().timestamp() % periodic.every_s))
            try:
                await periodic.function()
            except Exception:  # noqa: BLE001
                log.exception("periodic job %s failed", periodic.name)


# ---- arq (full mode) -------------------------------------------------------------------------------------


async def _arq_outbox_job(ctx: dict[str, Any], outbox_id: str) -> bool:
    ok = await run_outbox_job(outbox_id)
    if not ok:
        # The row carries its own backoff; arq must not retry on top of it.
        return False
    return True


async def _arq_relay(ctx: dict[str, Any]) -> int:
    redis = ctx["redis"]
    ids = await claim_due_jobs(get_settings().jobs)
    for outbox_id in ids:
        # The job id makes arq ignore a second copy of a delivery still queued or running.
        await redis.enqueue_job("outbox_job", str(outbox_id), _job_id=f"outbox:{outbox_id}")
    return len(ids)


def _periodic_runner(periodic: PeriodicJob) -> Callable[[dict[str, Any]], Awaitable[None]]:
    async def run(ctx: dict[str, Any]) -> None:
        await periodic.function()

    run.__qualname__ = run.__name__ = periodic.name
    return run


def arq_worker_settings(
    on_startup: Callable[[dict[str, Any]], Awaitable[None]],
    on_shutdown: Callable[[dict[str, Any]], Awaitable[None]],
) -> type:
    """Build arq's WorkerSettings from the registry (call after the domain task modules are imported)."""
    from arq import cron
    from arq.connections import RedisSettings
    from arq.worker import func

    settings = get_settings().jobs
    every_second = set(range(60))
    cron_jobs = [cron(_arq_relay, name="outbox_relay", second=every_second, run_at_startup=True)]
    for periodic in registry.periodic.values():
        if periodic.every_s < 60:
            seconds = set(range(0, 60, periodic.every_s))
            cron_jobs.append(cron(_periodic_runner(periodic), name=periodic.name, second=seconds))
        else:
            minutes = set(range(0, 60, max(1, periodic.every_s // 60)))
            cron_jobs.append(cron(_periodic_runner(periodic), name=periodic.name, minute=minutes, second=0))

    class WorkerSettings:
        functions = [func(_arq_outbox_job, name="outbox_job", max_tries=1)]
        redis_settings = RedisSettings.from_dsn(settings.redis_url)
        max_jobs = 20
        job_timeout = 300
        keep_result = 0

    WorkerSettings.cron_jobs = cron_jobs  # type: ignore[attr-defined]
    WorkerSettings.on_startup = staticmethod(on_startup)  # type: ignore[attr-defined]
    WorkerSettings.on_shutdown = staticmethod(on_shutdown)  # type: ignore[attr-defined]
    return WorkerSettings
