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
import contextlib
import json
import logging
import math
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from typing import Any, cast
from uuid import UUID, uuid4

from retaguarda import clock
from retaguarda.db import after_commit, is_postgres, transaction
from retaguarda.kernel.tables import OutboxJob
from retaguarda.settings import JobSettings, get_settings
from retaguarda.tenancy import acting_for_system

log = logging.getLogger("retaguarda.jobs")

JobFunction = Callable[..., Awaitable[None]]
RELAY_BATCH = 100
# How long stopping a runner waits for a job in progress before cancelling it.
STOP_GRACE_S = 30.0


@dataclass(frozen=True, slots=True)
class PeriodicJob:
    name: str
    function: Callable[[], Awaitable[None]]
    every_s: int


@dataclass(slots=True)
class JobRegistry:
    """Job functions by name. Domain packages register theirs in their ``jobs.py``; the composition root
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


def _next_run(every_s: int, after: float) -> float:
    """The first run of a period strictly after ``after`` (a Unix time). Runs are aligned to the Unix epoch,
    i.e. to UTC: a 300 s job runs at :00, :05, :10... of every hour, in either mode."""
    return (math.floor(after / every_s) + 1) * every_s


def _on_schedule(every_s: int, at: float) -> bool:
    """Whether the whole-minute tick ``at`` (a Unix time) is one of the period's runs."""
    return round(at / 60) * 60 % every_s == 0


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 2 ** min(attempts, 12)))


# Set by whichever runner is active, called after a commit that wrote outbox rows.
_wake: Callable[[], None] | None = None


async def enqueue(name: str, *, tenant_id: UUID | None = None, delay_s: int = 0, **kwargs: Any) -> UUID:
    """Write a job into the outbox within the current transaction. Arguments are JSON values (ids)."""
    if name not in registry.functions:
        raise KeyError(f"no job named {name!r}")
    job_id = uuid4()
    now = clock.now()
    await OutboxJob.insert(
        OutboxJob(
            id=job_id,
            tenant_id=tenant_id,
            job=name,
            args=kwargs,
            available_at=now + timedelta(seconds=delay_s),
        )
    )
    wake_runner_after_commit()
    return job_id


def wake_runner_after_commit() -> None:
    """Have the in-process runner look at the outbox once the current transaction commits: enqueue() does it,
    and so must code that writes outbox rows in its own SQL (full mode has no such runner; arq's relay
    polls)."""
    if _wake is not None:
        after_commit(_wake)


async def claim_due_jobs(settings: JobSettings, limit: int = RELAY_BATCH) -> list[UUID]:
    """Mark due rows dispatched and return their ids. A row dispatched long ago without finishing (its worker
    died) is due again. The UPDATE re-checks the condition, so two relays never hand out one row twice."""
    async with acting_for_system():
        return await _claim_due_jobs(settings, limit)


async def _claim_due_jobs(settings: JobSettings, limit: int) -> list[UUID]:
    now = clock.now()
    stale = now - timedelta(seconds=settings.redelivery_after_s)
    due = (
        (OutboxJob.available_at <= now)
        & (OutboxJob.dead == False)  # noqa: E712 - Piccolo builds SQL from the comparison
        & (OutboxJob.dispatched_at.is_null() | (OutboxJob.dispatched_at < stale))
    )
    async with transaction():
        query = OutboxJob.select(OutboxJob.id).where(due).order_by(OutboxJob.available_at).limit(limit)
        if is_postgres():
            # Rows another relay is claiming right now are skipped, not waited for (and then found taken).
            query = query.lock_rows("UPDATE", skip_locked=True)
        rows = await query
        if not rows:
            return []
        claimed = (
            await OutboxJob.update({OutboxJob.dispatched_at: now})
            .where(OutboxJob.id.is_in([r["id"] for r in rows]) & due)
            .returning(OutboxJob.id)
        )
    return [row["id"] for row in claimed]


async def run_outbox_job(outbox_id: UUID | str, settings: JobSettings | None = None) -> bool:
    """Run one outbox job; True when it succeeded (or was already done). Jobs act for the system: on
    PostgreSQL their statements publish every tenant (each job fences itself to the tenant it acts for with
    ``system_context(tenant_id)``)."""
    async with acting_for_system():
        return await _run_outbox_job(outbox_id, settings)


async def run_periodic(periodic: PeriodicJob) -> None:
    """One run of a periodic job (the sweeps, the reaper, the monthly invoice run), acting for the system."""
    async with acting_for_system():
        await periodic.function()


async def _run_outbox_job(outbox_id: UUID | str, settings: JobSettings | None) -> bool:
    settings = settings or get_settings().jobs
    if not isinstance(outbox_id, UUID):
        outbox_id = UUID(outbox_id)
    row = await OutboxJob.select().where(OutboxJob.id == outbox_id).first()
    if row is None:
        return True  # done by an earlier delivery
    if row["dead"]:
        return False  # gave up on it; a person looks at last_error
    function = registry.functions.get(row["job"])
    try:
        if function is None:
            raise LookupError(f"no job named {row['job']!r} in this process")
        # The JSON column comes back as text on both engines.
        args = json.loads(row["args"]) if isinstance(row["args"], str | bytes) else row["args"]
        await function(**(args or {}))
    except Exception as exc:  # any failure of a job is recorded and retried
        attempts = row["attempts"] + 1
        dead = attempts >= settings.max_attempts
        log.warning(
            "job %s %s failed (attempt %d%s): %s",
            row["job"],
            outbox_id,
            attempts,
            ", giving up" if dead else "",
            exc,
        )
        await OutboxJob.update(
            {
                OutboxJob.attempts: attempts,
                OutboxJob.last_error: "".join(traceback.format_exception(exc))[-4000:],
                OutboxJob.available_at: clock.now() + _backoff(attempts),
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
        self._event = asyncio.Event()  # set after a commit that wrote an outbox row
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False

    async def start(self) -> None:
        global _wake  # noqa: PLW0603 - one runner per process; the outbox wakes whichever is active
        self._stopping = False
        self._stop.clear()
        self._event.clear()
        _wake = self._event.set
        self._tasks = [asyncio.create_task(self._relay_loop(), name="outbox-relay")]
        for periodic in registry.periodic.values():
            self._tasks.append(asyncio.create_task(self._periodic_loop(periodic), name=periodic.name))

    async def stop(self, grace_s: float = STOP_GRACE_S) -> None:
        """Let a job or periodic function in progress finish (up to ``grace_s``), then end the loops.

        Cancelling a task in the middle of a database transaction can leave its pooled connection checked out
        for good, and then closing the pool never returns; so the loops are asked to stop, not cancelled,
        unless the grace period runs out.
        """
        global _wake  # noqa: PLW0603
        if _wake == self._event.set:  # leave another runner's wake-up alone
            _wake = None
        self._stopping = True
        self._stop.set()
        self._event.set()
        if self._tasks:
            _, late = await asyncio.wait(self._tasks, timeout=grace_s)
            for task in late:
                log.warning(
                    "job runner task %s did not stop within %.0f s; cancelling it", task.get_name(), grace_s
                )
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def drain(self) -> int:
        """Run every due job now (used by the relay loop and by tests); returns how many ran."""
        return await self._drain(stoppable=False)

    async def _drain(self, *, stoppable: bool) -> int:
        ran = 0
        while not (stoppable and self._stopping) and (ids := await claim_due_jobs(self.settings)):
            for index, outbox_id in enumerate(ids):
                if stoppable and self._stopping:
                    # Hand the rest back at once rather than after redelivery_after_s.
                    await _release(ids[index:])
                    return ran
                await run_outbox_job(outbox_id, self.settings)
                ran += 1
        return ran

    async def _relay_loop(self) -> None:
        while not self._stopping:
            try:
                await self._drain(stoppable=True)
            except Exception:  # the relay must outlive a bad moment of the database
                log.exception("outbox relay failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._event.wait(), timeout=self.settings.relay_interval_s)
            self._event.clear()

    async def _periodic_loop(self, periodic: PeriodicJob) -> None:
        due = _next_run(periodic.every_s, time.time())
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=max(0.0, due - time.time()))
            if self._stopping:
                return
            # From the tick just slept to, not from the clock: a timer firing a hair early must not run the
            # same tick twice; ticks missed while the function ran long are skipped, not caught up.
            due = _next_run(periodic.every_s, max(due, time.time()))
            try:
                await run_periodic(periodic)
            except Exception:
                log.exception("periodic job %s failed", periodic.name)


async def _release(ids: list[UUID]) -> None:
    """Undo the claim of rows that were not run, so the next relay hands them out straight away."""
    if ids:
        async with acting_for_system():
            await OutboxJob.update({OutboxJob.dispatched_at: None}).where(OutboxJob.id.is_in(ids))


# ---- arq (full mode) -------------------------------------------------------------------------------------


async def _arq_outbox_job(ctx: dict[str, Any], outbox_id: str) -> bool:
    # A failure is recorded on the row, which carries its own backoff: arq must not retry on top of it, so
    # this returns the outcome instead of raising.
    return await run_outbox_job(outbox_id)


async def _arq_relay(ctx: dict[str, Any]) -> int:
    redis = ctx["redis"]
    settings = get_settings().jobs
    relayed = 0
    for _ in range(10):  # up to 10 batches a tick; the next tick goes on
        ids = await claim_due_jobs(settings)
        for outbox_id in ids:
            # The job id makes arq ignore a second copy of a delivery still queued or running.
            await redis.enqueue_job("outbox_job", str(outbox_id), _job_id=f"outbox:{outbox_id}")
        relayed += len(ids)
        if len(ids) < RELAY_BATCH:
            break
    return relayed


def _periodic_runner(periodic: PeriodicJob, *, guarded: bool) -> Callable[[dict[str, Any]], Awaitable[None]]:
    async def run(ctx: dict[str, Any]) -> None:
        # A period arq's cron fields cannot express runs from a per-minute cron on the ticks that are its own.
        if guarded and not _on_schedule(periodic.every_s, time.time()):
            return
        await run_periodic(periodic)

    run.__qualname__ = run.__name__ = periodic.name
    return run


def _periodic_cron(periodic: PeriodicJob) -> Any:
    """An arq cron job firing on the same UTC-aligned ticks as :meth:`InProcessRunner._periodic_loop`."""
    from arq import cron
    from arq.typing import WorkerCoroutine

    every_s = periodic.every_s
    fields: dict[str, Any]
    guarded = False
    if every_s < 60:  # divides a minute
        fields = {"second": set(range(0, 60, every_s))}
    elif 3600 % every_s == 0:  # whole minutes dividing an hour
        fields = {"minute": set(range(0, 60, every_s // 60)), "second": 0}
    elif every_s % 3600 == 0 and 86400 % every_s == 0:  # whole hours dividing a day
        fields = {"hour": set(range(0, 24, every_s // 3600)), "minute": 0, "second": 0}
    else:  # any other whole minutes: a cron every minute that runs the function on its own ticks only
        fields = {"second": 0}
        guarded = True
    coroutine = cast("WorkerCoroutine", _periodic_runner(periodic, guarded=guarded))
    return cron(coroutine, name=periodic.name, **fields)


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
    cron_jobs += [_periodic_cron(periodic) for periodic in registry.periodic.values()]

    class WorkerSettings:
        functions = [func(_arq_outbox_job, name="outbox_job", max_tries=1)]
        redis_settings = RedisSettings.from_dsn(settings.redis_url)
        # Cron fields in UTC: the same ticks as the in-process runner's epoch-aligned schedule.
        timezone = UTC
        max_jobs = 20
        job_timeout = 300
        keep_result = 0
        # On SIGTERM, let running jobs finish before cancelling them: a job cancelled inside a transaction
        # can keep its pooled connection checked out, and the pool's close on shutdown would wait forever.
        job_completion_wait = int(STOP_GRACE_S)

    WorkerSettings.cron_jobs = cron_jobs  # type: ignore[attr-defined]
    WorkerSettings.on_startup = staticmethod(on_startup)  # type: ignore[attr-defined]
    WorkerSettings.on_shutdown = staticmethod(on_shutdown)  # type: ignore[attr-defined]
    return WorkerSettings
