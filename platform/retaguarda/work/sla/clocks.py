"""The rules of SLA clocks, as pure functions of a task's clock columns, its terms and an instant.

A task has two clocks: *response* runs from creation to the first claim, *resolution* from creation to
completion. Each has a due instant (the target in business minutes on the calendar) and a warning instant
(the warning share of the target). The rules:

- A clock is **met** when it closes at or before its due instant, **breached** when it is still open at any
  instant after it (or closes after it). Closing exactly at the due instant meets it.
- A **warning** fires when an open clock has used its warning share; a **breach** when an open clock passes
  its due instant. Each fires once per clock; a clock that closed before the sweep saw it fires no late
  warning, but a late closing still fires its breach.
- While the task is in a pause status (waiting on the client by default) the resolution clock stops: it
  keeps the business time it had left and, on resume, gets a new due instant that much business time
  later. Pausing never rewrites the past: a clock paused after its breach stays breached.

Stored states are ``running``, ``warning``, ``breached`` and, once the sweep has seen the clock close,
``met``; a paused task is told by ``sla_paused_at``. Reads never trust a stored state of a closed clock: they
derive met / breached from the timestamps, so a read between closing and the next sweep is still right.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from retaguarda.calendars import Calendar, add_business_time, business_time_between

RUNNING = "running"
WARNING = "warning"
BREACHED = "breached"
MET = "met"
OPEN_STATES = frozenset({RUNNING, WARNING})
CLOSED_STATUSES = frozenset({"done", "cancelled"})


class ClockKind(StrEnum):
    RESPONSE = "response"
    RESOLUTION = "resolution"


class ClockState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    WARNING = "warning"
    BREACHED = "breached"
    MET = "met"


@dataclass(frozen=True, slots=True)
class Target:
    response_minutes: int
    resolution_minutes: int


@dataclass(frozen=True, slots=True)
class Terms:
    """One policy version, as the clocks use it."""

    version_id: UUID
    policy_id: UUID
    version: int
    targets: Mapping[int, Target]
    pause_statuses: frozenset[str]
    warning_percent: int
    calendar: Calendar

    def target_s(self, kind: ClockKind, priority: int) -> int:
        target = self.targets[priority]
        minutes = target.response_minutes if kind is ClockKind.RESPONSE else target.resolution_minutes
        return minutes * 60

    def warning_s(self, kind: ClockKind, priority: int) -> int:
        # Whole seconds, rounded down: the warning comes at or just before the share, never after it.
        return self.target_s(kind, priority) * self.warning_percent // 100


def _add(terms: Terms, start: datetime, seconds: int) -> datetime:
    return add_business_time(terms.calendar, start, timedelta(seconds=seconds))


def start_clocks(terms: Terms, priority: int, created_at: datetime) -> dict[str, Any]:
    """The clock columns of a new task."""
    response_due = _add(terms, created_at, terms.target_s(ClockKind.RESPONSE, priority))
    response_warn = _add(terms, created_at, terms.warning_s(ClockKind.RESPONSE, priority))
    resolution_due = _add(terms, created_at, terms.target_s(ClockKind.RESOLUTION, priority))
    resolution_warn = _add(terms, created_at, terms.warning_s(ClockKind.RESOLUTION, priority))
    return {
        "sla_version_id": terms.version_id,
        "response_due_at": response_due,
        "response_warn_at": response_warn,
        "response_state": RUNNING,
        "resolution_due_at": resolution_due,
        "resolution_warn_at": resolution_warn,
        "resolution_state": RUNNING,
        "sla_next_at": min(response_warn, resolution_warn),
        "due_at": response_due,
    }


def remaining_s(terms: Terms, at: datetime, due: datetime) -> int:
    """Business seconds from ``at`` to ``due``; negative (the business time overdue) once past it."""
    if at <= due:
        return int(business_time_between(terms.calendar, at, due).total_seconds())
    return -int(business_time_between(terms.calendar, due, at).total_seconds())


def pause_clocks(terms: Terms, row: Mapping[str, Any], at: datetime) -> dict[str, Any] | None:
    """The columns that stop the resolution clock at ``at``; None when there is nothing to pause."""
    if row["sla_version_id"] is None or row["sla_paused_at"] is not None or row["completed_at"] is not None:
        return None
    return {
        "sla_paused_at": at,
        "resolution_remaining_s": remaining_s(terms, at, row["resolution_due_at"]),
        # Nothing fires while paused; a breach already due but not yet swept fires now (see advance), so
        # the sweep looks at the task once more if that is the case.
        "sla_next_at": at
        if row["resolution_due_at"] < at and row["resolution_state"] in OPEN_STATES
        else None,
    }


def resume_clocks(terms: Terms, row: Mapping[str, Any], at: datetime) -> dict[str, Any] | None:
    """The columns that restart the resolution clock at ``at`` with the business time it had left."""
    paused_at = row["sla_paused_at"]
    if row["sla_version_id"] is None or paused_at is None:
        return None
    left = int(row["resolution_remaining_s"] or 0)
    paused_s = (
        int(business_time_between(terms.calendar, paused_at, at).total_seconds()) if at > paused_at else 0
    )
    values: dict[str, Any] = {
        "sla_paused_at": None,
        "resolution_remaining_s": None,
        "sla_paused_s": int(row["sla_paused_s"] or 0) + paused_s,
    }
    state = row["resolution_state"]
    if left > 0:
        due = _add(terms, at, left)
        # The warning comes when the share of the whole target is used: that much before the new due time.
        to_warning = left - (
            terms.target_s(ClockKind.RESOLUTION, row["priority"])
            - terms.warning_s(ClockKind.RESOLUTION, row["priority"])
        )
        warn = _add(terms, at, to_warning) if to_warning > 0 else at
        values |= {"resolution_due_at": due, "resolution_warn_at": warn, "due_at": due}
        pending = {RUNNING: warn, WARNING: due}.get(state)
    else:
        # Overdue when it paused: the due instant stays where it was (business time cannot run backwards
        # into a pause); a breach not yet fired fires at the next sweep.
        values["due_at"] = row["resolution_due_at"]
        pending = at if state in OPEN_STATES else None
    values["sla_next_at"] = pending
    return values


@dataclass(frozen=True, slots=True)
class Fired:
    kind: ClockKind
    event: str  # "sla_warning" | "sla_breached"


def _closed_at(kind: ClockKind, row: Mapping[str, Any]) -> datetime | None:
    if kind is ClockKind.RESPONSE:
        return row["first_claimed_at"] or (row["updated_at"] if row["status"] in CLOSED_STATUSES else None)
    if row["completed_at"] is not None:
        return row["completed_at"]  # type: ignore[no-any-return]
    return row["updated_at"] if row["status"] == "cancelled" else None


def _closing(kind: ClockKind, row: Mapping[str, Any], closed_at: datetime) -> tuple[str, list[Fired]]:
    """A clock the sweep finds closed: met, or breached (and its breach fires) when it closed late. A
    cancelled task's resolution clock fires nothing."""
    late = closed_at > row[f"{kind}_due_at"]
    if row["status"] == "cancelled" and kind is ClockKind.RESOLUTION:
        return (BREACHED if late else MET), []
    return (BREACHED, [Fired(kind, "sla_breached")]) if late else (MET, [])


def _advance_clock(kind: ClockKind, row: Mapping[str, Any], now: datetime) -> tuple[str | None, list[Fired]]:
    state = row[f"{kind}_state"]
    if state not in OPEN_STATES:
        return state, []
    closed_at = _closed_at(kind, row)
    if closed_at is not None:
        return _closing(kind, row, closed_at)
    due, warn = row[f"{kind}_due_at"], row[f"{kind}_warn_at"]
    paused_at = row["sla_paused_at"] if kind is ClockKind.RESOLUTION else None
    if paused_at is not None:
        # A clock paused after its due instant was breached before the pause: that breach still fires.
        return (BREACHED, [Fired(kind, "sla_breached")]) if due < paused_at else (state, [])
    fired: list[Fired] = []
    if state == RUNNING and warn <= now:
        state = WARNING
        fired.append(Fired(kind, "sla_warning"))
    if due < now:
        state = BREACHED
        fired.append(Fired(kind, "sla_breached"))
    return state, fired


def _pending(kind: ClockKind, row: Mapping[str, Any], state: str | None) -> datetime | None:
    """The next instant the sweep must look at this clock."""
    if kind is ClockKind.RESOLUTION and row["sla_paused_at"] is not None:
        return None
    if state == RUNNING:
        return row[f"{kind}_warn_at"]  # type: ignore[no-any-return]
    if state == WARNING:
        return row[f"{kind}_due_at"]  # type: ignore[no-any-return]
    return None


@dataclass(frozen=True, slots=True)
class Advance:
    response_state: str | None
    resolution_state: str | None
    sla_next_at: datetime | None
    due_at: datetime | None
    fired: list[Fired]


def advance(row: Mapping[str, Any], now: datetime) -> Advance:
    """What a sweep at ``now`` does to one task: the new states, what fires, and when to look again.

    A pending instant equal to ``now`` stays pending: a breach needs ``now`` strictly after the due time.
    """
    response_state, fired = _advance_clock(ClockKind.RESPONSE, row, now)
    resolution_state, fired_resolution = _advance_clock(ClockKind.RESOLUTION, row, now)
    pending = [
        instant
        for instant in (
            _pending(ClockKind.RESPONSE, row, response_state),
            _pending(ClockKind.RESOLUTION, row, resolution_state),
        )
        if instant is not None
    ]
    next_at = min(pending) if pending else None
    if next_at is not None and next_at <= now:
        # Only a due instant equal to now can still be pending (a warning at or before now has fired):
        # look again just after it.
        next_at = now + timedelta(microseconds=1)
    # The claim order races the clock the task is on: its response until claimed, then its resolution.
    due_at = row["due_at"]
    if row["first_claimed_at"] is None:
        due_at = row["response_due_at"]
    elif row["sla_paused_at"] is None:
        due_at = row["resolution_due_at"]
    return Advance(response_state, resolution_state, next_at, due_at, [*fired, *fired_resolution])


@dataclass(frozen=True, slots=True)
class ClockView:
    """One clock as people see it: business seconds used, left (negative when overdue) and paused."""

    kind: ClockKind
    state: ClockState
    target_s: int
    due_at: datetime | None
    warn_at: datetime | None
    elapsed_s: int
    remaining_s: int
    paused_s: int


def clock_view(terms: Terms, row: Mapping[str, Any], kind: ClockKind, now: datetime) -> ClockView:
    target = terms.target_s(kind, row["priority"]) if row["priority"] in terms.targets else 0
    due, warn = row[f"{kind}_due_at"], row[f"{kind}_warn_at"]
    paused_at = row["sla_paused_at"] if kind is ClockKind.RESOLUTION else None
    paused_s = int(row["sla_paused_s"] or 0) if kind is ClockKind.RESOLUTION else 0
    closed_at = _closed_at(kind, row)
    if closed_at is not None:
        left = remaining_s(terms, closed_at, due)
        state = ClockState.MET if closed_at <= due else ClockState.BREACHED
    elif paused_at is not None:
        left = int(row["resolution_remaining_s"] or 0)
        paused_s += int(business_time_between(terms.calendar, paused_at, max(now, paused_at)).total_seconds())
        state = ClockState.PAUSED
    else:
        left = remaining_s(terms, now, due)
        stored = row[f"{kind}_state"]
        # What the sweep has recorded stands (a clock it breached stays breached), whatever the instant.
        if due < now or stored == BREACHED:
            state = ClockState.BREACHED
        elif warn <= now or stored == WARNING:
            state = ClockState.WARNING
        else:
            state = ClockState.RUNNING
    return ClockView(kind, state, target, due, warn, target - left, left, paused_s)
