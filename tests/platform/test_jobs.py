"""The job runtime against the real database: the transactional outbox, the relay's claims, retries with
backoff, redelivery after a worker died, the in-process runner, and arq (full mode)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from litestar import Litestar

from retaguarda import jobs
from retaguarda.db import transaction
from retaguarda.jobs import (
    InProcessRunner,
    JobRegistry,
    arq_worker_settings,
    claim_due_jobs,
    enqueue,
    registry,
    run_outbox_job,
)
from retaguarda.kernel.tables import OutboxJob
from retaguarda.settings import JobSettings, get_settings
from tests.platform.jobs_fixtures import (
    CALLS,
    PERIODIC_TICKS,
    calls_of,
    make_due,
    outbox_row,
    register_test_jobs,
    set_dispatched_ago,
    tick,
)

# A relay interval far longer than any test: whatever runs promptly was woken, not polled.
SETTINGS = JobSettings(redis_url="", relay_interval_s=30.0, redelivery_after_s=60, max_attempts=3)


class Boom(Exception):
    pass


@pytest.fixture
def registered_jobs() -> Iterator[None]:
    """The test jobs registered on the global registry, and the registry as it was afterwards."""
    functions, periodic = dict(registry.functions), dict(registry.periodic)
    register_test_jobs(registry)
    CALLS.clear()
    PERIODIC_TICKS.clear()
    try:
        yield
    finally:
        registry.functions.clear()
        registry.functions.update(functions)
        registry.periodic.clear()
        registry.periodic.update(periodic)


@pytest.fixture
async def jobs_env(app: Litestar, registered_jobs: None) -> AsyncIterator[None]:
    """The database, the test jobs, and the app's own runner (embedded pass) paused, so that nothing but the
    test claims or runs outbox rows; all restored afterwards."""
    app_runner: InProcessRunner | None = app.state.job_runner
    if app_runner is not None:
        await app_runner.stop()
    try:
        yield
    finally:
        await OutboxJob.delete(force=True)
        if app_runner is not None:
            await app_runner.start()


@pytest.fixture
def wakes(jobs_env: None, monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Times at which the outbox woke the (stand-in) runner."""
    woken: list[float] = []
    monkeypatch.setattr(jobs, "_wake", lambda: woken.append(time.monotonic()))
    return woken


@pytest.fixture
def runner(jobs_env: None) -> InProcessRunner:
    """A runner that is not started: tests call drain()."""
    return InProcessRunner(SETTINGS)


async def committed(name: str, **kwargs: Any) -> UUID:
    async with transaction():
        return await enqueue(name, **kwargs)


async def eventually(condition: Callable[[], bool], within_s: float = 10.0) -> float:
    """Poll until ``condition()``; returns the seconds it took (fails the test after ``within_s``)."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < within_s, "timed out"
        await asyncio.sleep(0.01)
    return time.monotonic() - started


async def enqueue_then_roll_back(name: str, check: Callable[[], Any] | None = None, **kwargs: Any) -> None:
    async with transaction():
        await enqueue(name, **kwargs)
        if check is not None:
            await check()
        raise Boom


# ---- the outbox and the in-process runner ---------------------------------------------------------------


async def test_rolled_back_enqueue_leaves_no_row_and_never_runs(
    runner: InProcessRunner, wakes: list[float]
) -> None:
    key = uuid4().hex

    async def visible_inside() -> None:
        assert await OutboxJob.count() == 1  # visible inside its transaction only

    with pytest.raises(Boom):
        await enqueue_then_roll_back("test.record", visible_inside, key=key)

    assert await OutboxJob.count() == 0
    assert wakes == []  # a rollback wakes nobody
    assert await runner.drain() == 0
    assert CALLS == []


async def test_committed_enqueue_runs_exactly_once(runner: InProcessRunner, wakes: list[float]) -> None:
    key = uuid4().hex
    async with transaction():
        outbox_id = await enqueue("test.record", key=key)
        assert wakes == []  # not before the row is visible to the runner
    assert len(wakes) == 1  # right after the commit

    row = await outbox_row(outbox_id)
    assert row is not None
    assert row["job"] == "test.record"
    assert row["attempts"] == 0
    assert row["dispatched_at"] is None

    assert await runner.drain() == 1
    assert [("test.record", key)] == CALLS  # with its arguments
    assert await outbox_row(outbox_id) is None  # deleted once it succeeded

    assert await runner.drain() == 0
    assert await run_outbox_job(outbox_id, SETTINGS) is True  # a late second delivery is a no-op
    assert calls_of("test.record", key) == 1


async def test_enqueue_refuses_an_unknown_job(jobs_env: None) -> None:
    with pytest.raises(KeyError):
        async with transaction():
            await enqueue("test.no_such_job", key="x")
    assert await OutboxJob.count() == 0


async def test_runner_is_woken_right_after_the_commit(jobs_env: None) -> None:
    background = InProcessRunner(SETTINGS)  # polls every 30 s
    await background.start()
    try:
        await asyncio.sleep(0.3)  # its first drain (of an empty outbox) is over; it waits for 30 s now
        key = uuid4().hex
        async with transaction():
            outbox_id = await enqueue("test.record", key=key)
            await asyncio.sleep(0.2)
            assert CALLS == []  # uncommitted: neither visible nor announced
        took = await eventually(lambda: calls_of("test.record", key) == 1, within_s=10.0)
        assert took < SETTINGS.relay_interval_s / 3
        for _ in range(100):  # the row goes right after the function returned
            if await outbox_row(outbox_id) is None:
                break
            await asyncio.sleep(0.01)
        assert await outbox_row(outbox_id) is None
    finally:
        await background.stop()
    assert calls_of("test.record", key) == 1


async def test_stopping_one_runner_leaves_the_active_runner_awake(jobs_env: None) -> None:
    first, second = InProcessRunner(SETTINGS), InProcessRunner(SETTINGS)
    await first.start()
    await second.start()  # the active one now
    await first.stop()
    try:
        await asyncio.sleep(0.2)
        key = uuid4().hex
        await committed("test.record", key=key)
        await eventually(lambda: calls_of("test.record", key) == 1, within_s=10.0)
    finally:
        await second.stop()
    assert jobs._wake is None


async def test_stopping_the_runner_lets_the_job_in_progress_finish_and_hands_back_the_rest(
    jobs_env: None,
) -> None:
    keys = [uuid4().hex for _ in range(3)]
    async with transaction():
        ids = [await enqueue("test.slow", key=key) for key in keys]
    background = InProcessRunner(SETTINGS)
    await background.start()
    try:
        await eventually(lambda: any(name == "test.slow.started" for name, _ in CALLS), within_s=10.0)
    finally:
        await background.stop()
    started = [key for name, key in CALLS if name == "test.slow.started"]
    assert len(started) == 1
    assert calls_of("test.slow", started[0]) == 1  # finished, not cancelled
    rows = {row["id"]: row for row in await OutboxJob.select()}
    assert set(rows) == set(ids) - {ids[keys.index(started[0])]}  # its row deleted
    for row in rows.values():  # the rest handed back for the next relay, untried
        assert row["dispatched_at"] is None
        assert row["attempts"] == 0
    assert set(await claim_due_jobs(SETTINGS)) == set(rows)


# ---- failures, backoff, dead rows -------------------------------------------------------------------------


async def test_failing_job_is_kept_with_backoff_then_succeeds_and_is_deleted(runner: InProcessRunner) -> None:
    key = uuid4().hex
    outbox_id = await committed("test.flaky", key=key, fail_times=1)

    assert await claim_due_jobs(SETTINGS) == [outbox_id]
    before = datetime.now(UTC)
    assert await run_outbox_job(outbox_id, SETTINGS) is False

    row = await outbox_row(outbox_id)
    assert row is not None
    assert row["attempts"] == 1
    assert "flaky" in row["last_error"]
    assert "failed on purpose" in row["last_error"]
    assert row["dispatched_at"] is None
    assert row["available_at"] >= before + timedelta(seconds=1)  # backed off
    assert row["dead"] is False
    assert await claim_due_jobs(SETTINGS) == []  # not before its backoff has passed
    assert await runner.drain() == 0

    await make_due(outbox_id)
    assert await runner.drain() == 1
    assert calls_of("test.flaky", key) == 2
    assert await outbox_row(outbox_id) is None


async def test_drain_does_not_spin_on_a_failing_job(runner: InProcessRunner) -> None:
    key = uuid4().hex
    outbox_id = await committed("test.always_fails", key=key)
    assert await runner.drain() == 1
    assert calls_of("test.always_fails", key) == 1
    row = await outbox_row(outbox_id)
    assert row is not None
    assert row["attempts"] == 1


async def test_job_is_dead_after_max_attempts_and_no_longer_handed_out(runner: InProcessRunner) -> None:
    key = uuid4().hex
    outbox_id = await committed("test.always_fails", key=key)
    for attempt in range(1, SETTINGS.max_attempts + 1):
        await make_due(outbox_id)
        assert await claim_due_jobs(SETTINGS) == [outbox_id]
        assert await run_outbox_job(outbox_id, SETTINGS) is False
        row = await outbox_row(outbox_id)
        assert row is not None
        assert row["attempts"] == attempt
        assert row["dead"] is (attempt == SETTINGS.max_attempts)

    await make_due(outbox_id)
    assert await claim_due_jobs(SETTINGS) == []
    assert await runner.drain() == 0
    assert await run_outbox_job(outbox_id, SETTINGS) is False  # a stray delivery does not run it either
    assert calls_of("test.always_fails", key) == SETTINGS.max_attempts
    row = await outbox_row(outbox_id)
    assert row is not None  # kept for a person to look at
    assert "always_fails" in row["last_error"]


async def test_job_without_a_function_in_this_process_is_recorded_as_failed(jobs_env: None) -> None:
    outbox_id = await committed("test.record", key="gone")
    del registry.functions["test.record"]
    assert await claim_due_jobs(SETTINGS) == [outbox_id]
    assert await run_outbox_job(str(outbox_id), SETTINGS) is False
    row = await outbox_row(outbox_id)
    assert row is not None
    assert row["attempts"] == 1
    assert "no job named 'test.record'" in row["last_error"]


# ---- worker death: redelivery -----------------------------------------------------------------------------


async def test_claimed_but_unfinished_row_is_redelivered_after_redelivery_after_s(jobs_env: None) -> None:
    settings = JobSettings(redis_url="", relay_interval_s=30.0, redelivery_after_s=1, max_attempts=3)
    key = uuid4().hex
    outbox_id = await committed("test.record", key=key)

    # A worker claims the row and dies before running it.
    assert await claim_due_jobs(settings) == [outbox_id]
    row = await outbox_row(outbox_id)
    assert row is not None
    assert row["dispatched_at"] is not None
    assert await claim_due_jobs(settings) == []  # not before redelivery_after_s
    await set_dispatched_ago(outbox_id, 0.5)
    assert await claim_due_jobs(settings) == []

    await set_dispatched_ago(outbox_id, 0)
    await asyncio.sleep(settings.redelivery_after_s + 0.1)
    assert await InProcessRunner(settings).drain() == 1  # handed out again, and run
    assert calls_of("test.record", key) == 1
    assert await outbox_row(outbox_id) is None


async def test_long_dead_claim_is_redelivered_with_default_settings(jobs_env: None) -> None:
    key = uuid4().hex
    outbox_id = await committed("test.record", key=key)
    assert await claim_due_jobs(SETTINGS) == [outbox_id]
    await set_dispatched_ago(outbox_id, SETTINGS.redelivery_after_s - 5)
    assert await claim_due_jobs(SETTINGS) == []
    await set_dispatched_ago(outbox_id, SETTINGS.redelivery_after_s + 5)
    assert await claim_due_jobs(SETTINGS) == [outbox_id]


# ---- claims never overlap ---------------------------------------------------------------------------------


async def test_successive_claims_never_hand_out_a_row_twice(jobs_env: None) -> None:
    async with transaction():
        ids = {await enqueue("test.record", key=f"k{i}") for i in range(5)}
    first = await claim_due_jobs(SETTINGS, limit=3)
    second = await claim_due_jobs(SETTINGS, limit=3)
    third = await claim_due_jobs(SETTINGS, limit=3)
    assert len(first) == 3
    assert len(second) == 2
    assert third == []
    assert not set(first) & set(second)
    assert set(first) | set(second) == ids


async def test_delayed_job_is_not_handed_out_early(jobs_env: None) -> None:
    outbox_id = await committed("test.record", key="later", delay_s=60)
    assert await claim_due_jobs(SETTINGS) == []
    await make_due(outbox_id)
    assert await claim_due_jobs(SETTINGS) == [outbox_id]


async def _claim_until_empty(limit: int) -> list[UUID]:
    claimed: list[UUID] = []
    while batch := await claim_due_jobs(SETTINGS, limit=limit):
        claimed += batch
        await asyncio.sleep(0)
    return claimed


@pytest.mark.postgres
async def test_concurrent_claims_never_hand_out_a_row_twice(jobs_env: None) -> None:
    async with transaction():
        ids = {await enqueue("test.record", key=f"k{i}") for i in range(300)}
    results = await asyncio.gather(*(_claim_until_empty(limit=7) for _ in range(8)))
    everything = [outbox_id for result in results for outbox_id in result]
    assert len(everything) == len(set(everything)), "a row was handed out twice"
    assert set(everything) == ids
    assert sum(1 for result in results if result) > 1  # they really did run side by side


@pytest.mark.postgres
async def test_a_claim_in_progress_is_skipped_not_waited_for(jobs_env: None) -> None:
    async with transaction():
        ids = {await enqueue("test.record", key=f"k{i}") for i in range(10)}
    holding = asyncio.Event()
    release = asyncio.Event()
    held: list[UUID] = []

    async def slow_relay() -> None:
        async with transaction():  # the claim joins this transaction: its row locks are held until the end
            held.extend(await claim_due_jobs(SETTINGS, limit=5))
            holding.set()
            await release.wait()

    task = asyncio.create_task(slow_relay())
    try:
        await asyncio.wait_for(holding.wait(), timeout=10)
        other = await asyncio.wait_for(claim_due_jobs(SETTINGS), timeout=10)
    finally:
        release.set()
        await task
    assert len(held) == 5
    assert len(other) == 5
    assert set(held) | set(other) == ids
    assert await claim_due_jobs(SETTINGS) == []


# ---- periodic jobs ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("seconds", [0, -5, 7, 45, 59, 61, 90, 150])
def test_every_rejects_a_period_that_is_neither_a_divisor_of_a_minute_nor_whole_minutes(seconds: int) -> None:
    with pytest.raises(ValueError, match="divisor of a minute"):
        JobRegistry().every(seconds, "test.bad")


@pytest.mark.parametrize("seconds", [1, 2, 5, 10, 15, 30, 60, 120, 300, 420, 3600, 21600, 86400])
def test_every_accepts_divisors_of_a_minute_and_whole_minutes(seconds: int) -> None:
    periodic = JobRegistry()
    periodic.every(seconds, "test.good")(tick)
    assert periodic.periodic["test.good"].every_s == seconds


async def test_in_process_runner_runs_periodic_jobs_on_epoch_aligned_ticks(jobs_env: None) -> None:
    registry.every(1, "test.tick")(tick)
    background = InProcessRunner(SETTINGS)
    await background.start()
    try:
        await eventually(lambda: len(PERIODIC_TICKS) >= 2, within_s=5.0)
    finally:
        await background.stop()
    first, second = PERIODIC_TICKS[:2]
    assert int(second) > int(first)  # one run per tick
    for at in (first, second):
        assert at % 1 < 0.5  # just after a whole second, as arq's cron runs it (generous for a busy machine)


def _embedded_ticks(every_s: int, start: datetime, count: int) -> list[datetime]:
    ticks, at = [], start.timestamp()
    for _ in range(count):
        at = jobs._next_run(every_s, at)
        ticks.append(datetime.fromtimestamp(at, UTC))
    return ticks


def _arq_ticks(cron_job: Any, every_s: int, start: datetime, count: int) -> list[datetime]:
    """When arq's cron job would run the function: its cron times, less those its guard skips."""
    ticks: list[datetime] = []
    previous = start
    for _ in range(100_000):
        cron_job.calculate_next(previous)
        previous = cron_job.next_run
        if jobs._on_schedule(every_s, previous.timestamp()):
            ticks.append(previous.replace(microsecond=0))
            if len(ticks) == count:
                break
    return ticks


async def _noop(ctx: dict[str, Any]) -> None:
    return None


@pytest.mark.parametrize("every_s", [1, 5, 30, 60, 120, 300, 420, 900, 3600, 5400, 21600, 86400])
def test_arq_cron_runs_periodic_jobs_on_the_same_ticks_as_the_in_process_runner(
    registered_jobs: None, monkeypatch: pytest.MonkeyPatch, every_s: int
) -> None:
    registry.every(every_s, "test.tick")(tick)
    settings_cls = _worker_settings_class(monkeypatch)
    crons = {cron_job.name: cron_job for cron_job in settings_cls.cron_jobs}  # type: ignore[attr-defined]
    assert set(registry.periodic) <= set(crons)
    assert settings_cls.timezone is UTC  # type: ignore[attr-defined]
    start = datetime(2026, 3, 5, 13, 37, 11, 500_000, tzinfo=UTC)
    assert _arq_ticks(crons["test.tick"], every_s, start, 6) == _embedded_ticks(every_s, start, 6)


def _worker_settings_class(monkeypatch: pytest.MonkeyPatch) -> type:
    """arq_worker_settings() in either pass (the Redis address is only parsed here, never dialled)."""
    settings = get_settings()
    if settings.jobs.embedded:
        full = replace(settings, jobs=replace(settings.jobs, redis_url="redis://127.0.0.1:6379/15"))
        monkeypatch.setattr(jobs, "get_settings", lambda: full)
    return arq_worker_settings(_noop, _noop)


# ---- full mode: arq ---------------------------------------------------------------------------------------


# arq's Worker.close() calls redis-py's deprecated close(): arq's business, not ours.
ARQ_CLOSES_WITH_A_DEPRECATED_CALL = pytest.mark.filterwarnings(
    "ignore:Call to deprecated close:DeprecationWarning"
)


@pytest.fixture
async def arq_pool(jobs_env: None) -> AsyncIterator[Any]:
    from arq.connections import RedisSettings, create_pool

    pool = await create_pool(RedisSettings.from_dsn(get_settings().jobs.redis_url))
    await pool.flushdb()
    try:
        yield pool
    finally:
        await pool.flushdb()
        await pool.aclose()


def _worker(*, with_cron: bool, burst: bool) -> Any:
    from arq.worker import create_worker

    settings_cls = arq_worker_settings(_noop, _noop)
    overrides: dict[str, Any] = {"burst": burst, "poll_delay": 0.05, "handle_signals": False}
    if not with_cron:
        overrides["cron_jobs"] = []
    return create_worker(settings_cls, **overrides)


async def _shut_down(worker: Any, task: asyncio.Task[None]) -> None:
    """Stop a running worker once the jobs it has started are over (close() alone would cancel them)."""
    worker.allow_pick_jobs = False
    await asyncio.gather(*worker.tasks.values(), return_exceptions=True)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await worker.close()


async def _run_burst(worker: Any) -> None:
    try:
        await asyncio.wait_for(worker.async_run(), timeout=15)
    finally:
        await worker.close()


@pytest.mark.postgres
@pytest.mark.redis
@ARQ_CLOSES_WITH_A_DEPRECATED_CALL
async def test_arq_worker_relays_and_runs_a_committed_job_and_its_periodic_jobs(
    arq_pool: Any,
) -> None:
    registry.every(1, "test.tick")(tick)
    key = uuid4().hex
    outbox_id = await committed("test.record", key=key)
    rolled_back = uuid4().hex
    with pytest.raises(Boom):
        await enqueue_then_roll_back("test.record", key=rolled_back)

    worker = _worker(with_cron=True, burst=False)
    task = asyncio.create_task(worker.async_run())
    try:
        await eventually(lambda: calls_of("test.record", key) == 1 and len(PERIODIC_TICKS) >= 1, within_s=10)
        for _ in range(200):
            if await outbox_row(outbox_id) is None:
                break
            await asyncio.sleep(0.02)
    finally:
        await _shut_down(worker, task)
    assert await outbox_row(outbox_id) is None
    assert calls_of("test.record", key) == 1
    assert calls_of("test.record", rolled_back) == 0
    assert worker.jobs_failed == 0


@pytest.mark.postgres
@pytest.mark.redis
@ARQ_CLOSES_WITH_A_DEPRECATED_CALL
async def test_arq_relay_then_burst_worker_runs_each_outbox_job_once(arq_pool: Any) -> None:
    keys = [uuid4().hex for _ in range(3)]
    async with transaction():
        ids = [await enqueue("test.record", key=key) for key in keys]

    ctx = {"redis": arq_pool}
    assert await jobs._arq_relay(ctx) == 3
    assert await jobs._arq_relay(ctx) == 0  # claimed: not relayed again
    # The relay redelivers a row whose claim looks abandoned while its arq job is still queued: the job id
    # makes arq keep one copy.
    await set_dispatched_ago(ids[0], get_settings().jobs.redelivery_after_s + 5)
    assert await jobs._arq_relay(ctx) == 1
    assert await arq_pool.zcard("arq:queue") == 3
    assert await arq_pool.enqueue_job("outbox_job", str(ids[0]), _job_id=f"outbox:{ids[0]}") is None

    await _run_burst(_worker(with_cron=False, burst=True))
    for key in keys:
        assert calls_of("test.record", key) == 1
    assert await OutboxJob.count() == 0

    # A delivery arriving after the job was done finds no row and does nothing.
    assert await arq_pool.enqueue_job("outbox_job", str(ids[0]), _job_id=f"outbox:{ids[0]}") is not None
    await _run_burst(_worker(with_cron=False, burst=True))
    assert calls_of("test.record", keys[0]) == 1


@pytest.mark.postgres
@pytest.mark.redis
@ARQ_CLOSES_WITH_A_DEPRECATED_CALL
async def test_arq_failed_job_keeps_its_row_and_is_redelivered_after_backoff(arq_pool: Any) -> None:
    key = uuid4().hex
    outbox_id = await committed("test.flaky", key=key, fail_times=1)
    ctx = {"redis": arq_pool}

    assert await jobs._arq_relay(ctx) == 1
    await _run_burst(_worker(with_cron=False, burst=True))
    row = await outbox_row(outbox_id)
    assert row is not None
    assert row["attempts"] == 1
    assert row["dispatched_at"] is None
    assert "failed on purpose" in row["last_error"]
    assert await jobs._arq_relay(ctx) == 0  # backing off

    await make_due(outbox_id)
    assert await jobs._arq_relay(ctx) == 1  # the same arq job id again: arq kept no result to block it
    await _run_burst(_worker(with_cron=False, burst=True))
    assert calls_of("test.flaky", key) == 2
    assert await outbox_row(outbox_id) is None
