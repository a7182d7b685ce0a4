"""Planning's jobs. Each takes ids, reloads, and is harmless to run twice."""

from __future__ import annotations

import logging
from uuid import UUID

from retaguarda.db import transaction
from retaguarda.jobs import job
from retaguarda.tenancy import system_context
from staffing.planning.service.forecasts import FORECAST_JOB, compute_runs, fail_runs

log = logging.getLogger("retaguarda.planning")


@job(FORECAST_JOB)
async def generate_forecasts(run_ids: list[str], client_id: str | None = None) -> None:
    """Compute one client's pending forecast runs. A failure of the maths marks the runs failed (with the
    reason) rather than retrying forever: the same history would fail the same way."""
    ids = [UUID(run_id) for run_id in run_ids]
    ctx = system_context(UUID(client_id) if client_id else None)
    try:
        async with transaction():
            await compute_runs(ctx, ids)
    except (ValueError, ArithmeticError, ImportError) as exc:
        log.exception("forecast runs failed")
        async with transaction():
            await fail_runs(ctx, ids, f"{type(exc).__name__}: {exc}")
