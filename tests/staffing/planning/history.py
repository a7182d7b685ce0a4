"""Task history for planning tests, written straight into the work tables (as years of intake would)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from retaguarda.db import transaction
from retaguarda.work.tables import Task, TimeEntry

# Per weekday (Monday first): tasks a day. Weekends are quiet, Sundays closed.
WEEKLY = (40, 44, 40, 36, 32, 8, 0)
# Arrivals spread evenly over 09:00-17:00 local time, each handled in this many seconds.
OPEN_HOURS = (9, 17)
HANDLE_S = 300


async def seed_history(
    tenant_id: UUID,
    queue_id: UUID,
    type_id: UUID,
    operator_id: UUID,
    zone: str,
    *,
    days: int,
    until: date | None = None,
    weekly: tuple[int, ...] = WEEKLY,
) -> int:
    """``days`` local days of done tasks before ``until`` (today by default). Returns the task count."""
    local = ZoneInfo(zone)
    last = until or datetime.now(local).date()
    tasks: list[Task] = []
    entries: list[TimeEntry] = []
    for offset in range(days, 0, -1):
        day = last - timedelta(days=offset)
        count = weekly[day.weekday()]
        opening = datetime.combine(day, time(OPEN_HOURS[0]), tzinfo=local)
        span = (OPEN_HOURS[1] - OPEN_HOURS[0]) * 3600
        for n in range(count):
            created = (opening + timedelta(seconds=span * n // max(count, 1))).astimezone(UTC)
            task = Task(
                id=uuid4(),
                tenant_id=tenant_id,
                queue_id=queue_id,
                task_type_id=type_id,
                status="done",
                created_at=created,
                completed_at=created + timedelta(seconds=HANDLE_S),
            )
            tasks.append(task)
            entries.append(
                TimeEntry(
                    id=uuid4(),
                    tenant_id=tenant_id,
                    task_id=task.id,
                    operator_id=operator_id,
                    started_at=created,
                    ended_at=created + timedelta(seconds=HANDLE_S),
                    seconds=HANDLE_S,
                )
            )
    async with transaction():
        for start in range(0, len(tasks), 400):
            await Task.insert(*tasks[start : start + 400])
            await TimeEntry.insert(*entries[start : start + 400])
    return len(tasks)


def next_weekday(weekday: int, zone: str, after_days: int = 1) -> date:
    """The first local day on that weekday at least ``after_days`` from today."""
    day = datetime.now(ZoneInfo(zone)).date() + timedelta(days=after_days)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return day
