"""The clock hooks the work loop calls, and clock views for reads.

Hooks run in the caller's transaction, after the caller has scoped the task: intake asks for the columns
of a new task's clocks; a pause and a resume rewrite the resolution clock. Closing a clock needs no hook: a
claim or a completion stamps the task, and the sweep reads the stamps.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from retaguarda.clock import now as utc_now
from retaguarda.work.schemas import SlaClockRead, TaskSla
from retaguarda.work.sla.clocks import (
    ClockKind,
    ClockView,
    clock_view,
    pause_clocks,
    resume_clocks,
    start_clocks,
)
from retaguarda.work.sla.service.terms import current_version_id, load_terms
from retaguarda.work.tables import Task

# The current version of each policy, looked up once per CURRENT_TTL_S per process (a CSV import of 100,000
# tasks asks once). A policy change in this process clears it; other processes see it within the TTL.
CURRENT_TTL_S = 10.0
_current: dict[UUID, tuple[float, UUID | None]] = {}


def forget_current_versions() -> None:
    _current.clear()


async def _current_version(policy_id: UUID) -> UUID | None:
    cached = _current.get(policy_id)
    if cached is not None and time.monotonic() - cached[0] < CURRENT_TTL_S:
        return cached[1]
    version_id = await current_version_id(policy_id)
    _current[policy_id] = (time.monotonic(), version_id)
    return version_id


async def clocks_for_new_task(policy_id: UUID | None, priority: int, created_at: datetime) -> dict[str, Any]:
    """The clock columns of a task created now under its type's policy (none without a policy)."""
    if policy_id is None:
        return {}
    version_id = await _current_version(policy_id)
    terms = await load_terms(version_id) if version_id is not None else None
    if terms is None or priority not in terms.targets:
        return {}
    return start_clocks(terms, priority, created_at)


async def _apply(task_id: UUID, values: Mapping[str, Any] | None, guard: Any) -> None:
    if values:
        await Task.update(  # scope: the caller scoped this task
            {getattr(Task, name): value for name, value in values.items()}
        ).where((Task.id == task_id) & guard)


async def pause_task_clocks(row: Mapping[str, Any], status: str, at: datetime) -> None:
    """The task entered ``status``: stop its resolution clock if the policy pauses on that status."""
    if row["sla_version_id"] is None:
        return
    terms = await load_terms(row["sla_version_id"])
    if terms is None or status not in terms.pause_statuses:
        return
    await _apply(row["id"], pause_clocks(terms, row, at), Task.sla_paused_at.is_null())


async def resume_task_clocks(row: Mapping[str, Any], at: datetime) -> None:
    """The task left a pause status: restart its resolution clock."""
    if row["sla_version_id"] is None or row["sla_paused_at"] is None:
        return
    terms = await load_terms(row["sla_version_id"])
    if terms is None:
        return
    await _apply(row["id"], resume_clocks(terms, row, at), Task.sla_paused_at.is_not_null())


def _clock_read(view: ClockView) -> SlaClockRead:
    return SlaClockRead(
        state=view.state.value,
        target_minutes=view.target_s // 60,
        due_at=view.due_at,
        warn_at=view.warn_at,
        elapsed_seconds=view.elapsed_s,
        remaining_seconds=view.remaining_s,
        paused_seconds=view.paused_s,
    )


async def task_sla(row: Mapping[str, Any], at: datetime | None = None) -> TaskSla | None:
    """The clocks of one task as the API shows them."""
    if row.get("sla_version_id") is None:
        return None
    terms = await load_terms(row["sla_version_id"])
    if terms is None or row["priority"] not in terms.targets:
        return None
    moment = at or utc_now()
    return TaskSla(
        policy_id=terms.policy_id,
        policy_version=terms.version,
        response=_clock_read(clock_view(terms, row, ClockKind.RESPONSE, moment)),
        resolution=_clock_read(clock_view(terms, row, ClockKind.RESOLUTION, moment)),
    )


async def task_slas(rows: Iterable[Mapping[str, Any]]) -> dict[UUID, TaskSla]:
    moment = utc_now()
    found: dict[UUID, TaskSla] = {}
    for row in rows:
        sla = await task_sla(row, moment)
        if sla is not None:
            found[row["id"]] = sla
    return found
