"""Which surcharge applies to work started at an instant, and the period cut into spans where the answer
(and the contract version in force) does not change.

The spans let the database aggregate time by rating dimension (``width_bucket`` over their boundaries) while
the Python path classifies entry by entry with the same boundaries, so both give the same groups.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from uuid import UUID

from retaguarda.calendars import Calendar, is_open


class Category(StrEnum):
    NORMAL = "normal"
    OUT_OF_HOURS = "out_of_hours"
    WEEKEND = "weekend"
    HOLIDAY = "holiday"


def classify(calendar: Calendar, at: datetime) -> Category:
    """A holiday or closed date of the calendar, a Saturday or Sunday, a weekday outside the opening hours,
    or normal time: on the client's calendar, in its time zone."""
    local = at.astimezone(calendar.zone)
    day = local.date()
    if calendar.is_closed_date(day):
        return Category.HOLIDAY
    if day.weekday() >= 5:
        return Category.WEEKEND
    if not is_open(calendar, at):
        return Category.OUT_OF_HOURS
    return Category.NORMAL


@dataclass(frozen=True, slots=True)
class Version:
    """A contract version as rating needs it: its id and the instant it takes effect."""

    contract_id: UUID
    starts_at: datetime


@dataclass(frozen=True, slots=True)
class Segments:
    """``boundaries[i]`` starts span ``i``; ``spans[i]`` is its (contract id or None, category). An instant
    before the first boundary belongs to no span (see :meth:`locate`)."""

    boundaries: tuple[datetime, ...]
    spans: tuple[tuple[UUID | None, Category], ...]

    def locate(self, at: datetime) -> tuple[UUID | None, Category] | None:
        index = bisect.bisect_right(self.boundaries, at) - 1
        return self.spans[index] if index >= 0 else None


def local_midnight(calendar: Calendar, day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=calendar.zone)


def _candidate_boundaries(calendar: Calendar, start: datetime, end: datetime) -> set[datetime]:
    """Every instant where the category may change: local midnights and the opening and closing times of
    each day (a superset is harmless: neighbouring spans of one category are merged)."""
    zone = calendar.zone
    first = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date() + timedelta(days=1)
    found: set[datetime] = set()
    day = first
    while day <= last:
        found.add(local_midnight(calendar, day))
        for opens, closes in calendar.weekly[day.weekday()]:
            found.add(local_midnight(calendar, day) + timedelta(minutes=opens))
            closes_day = day + timedelta(days=1) if closes <= opens else day
            found.add(local_midnight(calendar, closes_day) + timedelta(minutes=closes % 1440))
            if closes == 1440:
                found.add(local_midnight(calendar, day + timedelta(days=1)))
        day += timedelta(days=1)
    # Wall-clock arithmetic on aware datetimes keeps the offset of the day's midnight; normalise through UTC
    # and re-read the wall time, so a boundary after a DST change lands on the right instant.
    return {_wall(calendar, b) for b in found}


def _wall(calendar: Calendar, moment: datetime) -> datetime:
    # Compared in UTC: aware datetimes sharing one tzinfo compare by wall time, which is ambiguous once a
    # year when the clocks fall back.
    return moment.replace(tzinfo=None).replace(tzinfo=calendar.zone).astimezone(UTC)


def build_segments(
    calendar: Calendar, versions: Sequence[Version], start: datetime, end: datetime
) -> Segments:
    """The period ``[start, end)`` cut into spans of one (version in force, category)."""
    candidates = {b for b in _candidate_boundaries(calendar, start, end) if start < b < end}
    candidates |= {v.starts_at for v in versions if start < v.starts_at < end}
    ordered = sorted({start.astimezone(UTC), *candidates})
    version_starts = [v.starts_at for v in versions]
    boundaries: list[datetime] = []
    spans: list[tuple[UUID | None, Category]] = []
    for boundary in ordered:
        index = bisect.bisect_right(version_starts, boundary) - 1
        span = (versions[index].contract_id if index >= 0 else None, classify(calendar, boundary))
        if spans and spans[-1] == span:
            continue
        boundaries.append(boundary)
        spans.append(span)
    return Segments(tuple(boundaries), tuple(spans))
