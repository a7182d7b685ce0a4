"""The rules of SLA clocks on a business calendar: due and warning instants, firing once, the boundary,
closing late, pausing and resuming. Pure: no database."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

from retaguarda.calendars import Calendar
from retaguarda.work.sla.clocks import (
    BREACHED,
    MET,
    RUNNING,
    WARNING,
    ClockKind,
    ClockState,
    Target,
    Terms,
    advance,
    clock_view,
    pause_clocks,
    resume_clocks,
    start_clocks,
)

SP = ZoneInfo("America/Sao_Paulo")
# Mon-Fri 09:00-17:00 in São Paulo, Brazilian national holidays.
OFFICE = Calendar.from_row(
    timezone="America/Sao_Paulo",
    weekly_hours=[{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(5)],
    holiday_country="BR",
)
TERMS = Terms(
    version_id=uuid4(),
    policy_id=uuid4(),
    version=1,
    # Priority 2: first response within 2 business hours, resolution within 8.
    targets={p: Target(120, 480) for p in (1, 2, 3, 4)},
    pause_statuses=frozenset({"waiting_on_client"}),
    warning_percent=80,
    calendar=OFFICE,
)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SP)  # type: ignore[arg-type,misc]


def task(created: datetime, **changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": uuid4(),
        "priority": 2,
        "status": "queued",
        "created_at": created,
        "updated_at": created,
        "first_claimed_at": None,
        "completed_at": None,
        "sla_paused_at": None,
        "sla_paused_s": 0,
        "resolution_remaining_s": None,
        **start_clocks(TERMS, 2, created),
    }
    row.update(changes)
    return row


def test_clocks_run_on_business_hours_across_a_weekend() -> None:
    # Friday 2026-11-27 16:00: one business hour left that day, the rest from Monday 09:00.
    row = task(local(2026, 11, 27, 16, 0))
    assert row["response_due_at"] == local(2026, 11, 30, 10, 0)
    assert row["response_warn_at"] == local(2026, 11, 30, 9, 36)  # 96 of 120 minutes
    assert row["resolution_due_at"] == local(2026, 11, 30, 16, 0)  # 1 h on Friday, 7 h on Monday
    assert row["due_at"] == row["response_due_at"]
    assert row["sla_next_at"] == row["response_warn_at"]


def test_a_holiday_is_skipped() -> None:
    # Friday 2026-11-20 is Black Consciousness Day, a national holiday since 2024.
    row = task(local(2026, 11, 19, 16, 0))
    assert row["response_due_at"] == local(2026, 11, 23, 10, 0)


def test_warning_then_breach_each_fire_once_and_the_boundary_is_met() -> None:
    row = task(local(2026, 11, 30, 9, 0))  # Monday: response due 11:00, warning 10:36
    first = advance(row, local(2026, 11, 30, 10, 36))
    assert first.response_state == WARNING
    assert [(f.kind, f.event) for f in first.fired] == [(ClockKind.RESPONSE, "sla_warning")]
    row.update(response_state=first.response_state, sla_next_at=first.sla_next_at)
    assert row["sla_next_at"] == local(2026, 11, 30, 11, 0)
    # Exactly at the due instant the clock is not breached yet...
    at_due = advance(row, local(2026, 11, 30, 11, 0))
    assert at_due.fired == [] and at_due.response_state == WARNING
    assert at_due.sla_next_at is not None and at_due.sla_next_at > local(2026, 11, 30, 11, 0)
    # ...and a first claim at that instant meets it.
    claimed = advance({**row, "first_claimed_at": local(2026, 11, 30, 11, 0)}, local(2026, 11, 30, 11, 1))
    assert claimed.response_state == MET and claimed.fired == []
    # One microsecond later it is breached, once.
    late = advance(row, local(2026, 11, 30, 11, 0) + timedelta(microseconds=1))
    assert late.response_state == BREACHED
    assert [f.event for f in late.fired] == ["sla_breached"]
    row.update(response_state=late.response_state, sla_next_at=late.sla_next_at)
    assert advance(row, local(2026, 11, 30, 12, 0)).fired == []  # nothing fires again


def test_a_clock_closed_late_fires_its_breach_but_no_late_warning() -> None:
    row = task(local(2026, 11, 30, 9, 0))
    claimed_late = {**row, "first_claimed_at": local(2026, 11, 30, 11, 30), "status": "claimed"}
    outcome = advance(claimed_late, local(2026, 11, 30, 11, 40))
    assert outcome.response_state == BREACHED
    assert [(f.kind, f.event) for f in outcome.fired] == [(ClockKind.RESPONSE, "sla_breached")]
    claimed_after_warning = {**row, "first_claimed_at": local(2026, 11, 30, 10, 50), "status": "claimed"}
    outcome = advance(claimed_after_warning, local(2026, 11, 30, 10, 55))
    assert outcome.response_state == MET and outcome.fired == []
    # Claimed, the task now races its resolution clock.
    assert outcome.due_at == row["resolution_due_at"]


def test_pause_keeps_the_business_time_left_and_resume_moves_the_due_time() -> None:
    row = task(local(2026, 11, 30, 9, 0), first_claimed_at=local(2026, 11, 30, 9, 30), response_state=MET)
    assert row["resolution_due_at"] == local(2026, 11, 30, 17, 0)
    paused = pause_clocks(TERMS, row, local(2026, 11, 30, 15, 0))
    assert paused is not None
    assert paused["resolution_remaining_s"] == 2 * 3600 and paused["sla_next_at"] is None
    row.update(paused, status="waiting_on_client")
    view = clock_view(TERMS, row, ClockKind.RESOLUTION, local(2026, 12, 1, 12, 0))
    assert view.state is ClockState.PAUSED and view.remaining_s == 2 * 3600
    assert view.paused_s == (2 + 3) * 3600  # Monday 15-17 and Tuesday 09-12, in business time
    # The client answers on Wednesday at 16:00: two business hours left, so due Thursday 10:00.
    resumed = resume_clocks(TERMS, row, local(2026, 12, 2, 16, 0))
    assert resumed is not None
    assert resumed["resolution_due_at"] == local(2026, 12, 3, 10, 0)
    assert resumed["due_at"] == resumed["resolution_due_at"]
    # 80 % of 8 h used is 6 h 24 min: with 6 h used before the pause, the warning comes 24 min after.
    assert resumed["resolution_warn_at"] == local(2026, 12, 2, 16, 24)
    assert resumed["sla_paused_s"] == (2 + 8 + 7) * 3600
    row.update(resumed, status="queued")
    view = clock_view(TERMS, row, ClockKind.RESOLUTION, local(2026, 12, 2, 16, 30))
    assert view.state is ClockState.WARNING
    assert view.elapsed_s == 6 * 3600 + 30 * 60 and view.remaining_s == 90 * 60


def test_a_clock_paused_after_its_due_time_still_fires_its_breach() -> None:
    row = task(local(2026, 11, 30, 9, 0), first_claimed_at=local(2026, 11, 30, 9, 5), response_state=MET)
    paused = pause_clocks(TERMS, row, local(2026, 12, 1, 10, 0))  # due was Monday 17:00
    assert paused is not None and paused["resolution_remaining_s"] == -3600
    assert paused["sla_next_at"] == local(2026, 12, 1, 10, 0)  # the sweep must still fire it
    row.update(paused)
    outcome = advance(row, local(2026, 12, 1, 10, 0, 5))
    assert outcome.resolution_state == BREACHED and [f.event for f in outcome.fired] == ["sla_breached"]
    assert outcome.sla_next_at is None
    row.update(resolution_state=BREACHED, sla_next_at=None)
    resumed = resume_clocks(TERMS, row, local(2026, 12, 2, 9, 0))
    assert resumed is not None
    # Overdue when it paused: the due time stays, and the breach (already fired) does not fire again.
    assert "resolution_due_at" not in resumed
    assert resumed["due_at"] == local(2026, 11, 30, 17, 0) and resumed["sla_next_at"] is None


def test_views_of_running_and_closed_clocks() -> None:
    row = task(local(2026, 11, 30, 9, 0))
    view = clock_view(TERMS, row, ClockKind.RESPONSE, local(2026, 11, 30, 10, 0))
    assert view.state is ClockState.RUNNING and view.elapsed_s == 3600 and view.remaining_s == 3600
    row["first_claimed_at"] = local(2026, 11, 30, 11, 30)
    view = clock_view(TERMS, row, ClockKind.RESPONSE, local(2026, 11, 30, 12, 0))
    assert view.state is ClockState.BREACHED and view.remaining_s == -30 * 60
    resolution = clock_view(TERMS, row, ClockKind.RESOLUTION, local(2026, 11, 30, 12, 0))
    assert resolution.state is ClockState.RUNNING and resolution.state.value == RUNNING
