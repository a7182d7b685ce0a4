"""Business-time arithmetic: how much of a span a business calendar is open, and when a duration of open
time runs out.

A :class:`Calendar` is a time zone, open intervals per weekday, the public holidays of a country (and
subdivision) from the ``holidays`` package, the tenant's own closed dates, and an optional 24x7 switch. It is
a plain value: ``tenants`` builds it from a ``BusinessCalendar`` row with :meth:`Calendar.from_row`.

The rules, once:

- Business time is real elapsed time while the calendar is open. An interval of 22:00-06:00 lasts 8 hours on
  most nights, 7 on the night clocks spring forward and 9 on the night they fall back.
- An interval belongs to the local date it starts on: a holiday or closed date closes the intervals that start
  on it, including the overnight part that runs into the next day, and no others.
- An opening or closing time takes effect at the first instant the local wall clock reads it: in a repeated
  hour (clocks fall back) that is the first occurrence; in a skipped hour (clocks spring forward) it is the
  instant the clocks jump, the first valid instant after the skipped time.
- Intervals are half-open, ``[opens, closes)``. Overlapping intervals count once.
- Everything is exact to the microsecond; inputs must be timezone-aware, and results are given in the time
  zone of the datetime passed in.

The computation walks whole intervals and whole days (a day of the calendar is resolved once to instants and
cached), never minutes, so a 40-business-hour deadline costs about as much as a 1-hour one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

__all__ = [
    "Calendar",
    "add_business_time",
    "business_time_between",
    "is_open",
    "next_open",
]

MINUTES_PER_DAY = 24 * 60
# A walk that meets this many consecutive days without any open time gives up: the calendar is, for every
# practical purpose, never open again (and a walk must not run forever).
MAX_CLOSED_DAYS = 3660

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US_PER_DAY = 86_400_000_000
_ZERO = timedelta(0)
# The cache of resolved days kept per calendar; cleared, not evicted, when full (a day is cheap to rebuild).
_MAX_CACHED_DAYS = 20_000

# One local day of a calendar resolved to instants (microseconds since the Unix epoch, UTC): the open spans of
# the intervals that start on that day, in order and without overlaps between them; their total length; the
# first opening and the last closing (both 0 when the day has no open time).
_Span = tuple[int, int]
_Day = tuple[tuple[_Span, ...], int, int, int]
_CLOSED_DAY: _Day = ((), 0, 0, 0)
_CLOCK_TIME = re.compile(r"([0-9]{2}):([0-9]{2})")

Interval = tuple[int, int]
"""An open interval as (start, end) minutes of the local day; an end not after the start is on the next day,
and an end of 1440 is the next midnight."""


@dataclass(frozen=True)
class Calendar:
    """A business calendar as a value. ``weekly`` holds, for each weekday (index 0 = Monday), the open
    intervals as ``(start, end)`` minutes of the day: ``0 <= start < 1440`` and ``0 <= end <= 1440``, and an
    end not after the start runs into the next day (so ``(1320, 360)`` is 22:00-06:00 and ``(480, 480)`` is
    24 hours from 08:00)."""

    timezone: str
    weekly: tuple[tuple[Interval, ...], ...] = ((),) * 7
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    closed_dates: frozenset[date] = frozenset()
    always_open: bool = False

    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _days: dict[int, _Day] = field(init=False, repr=False, compare=False)
    _closed_by_year: dict[int, frozenset[date]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            zone = ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.timezone!r}") from exc
        if len(self.weekly) != 7:
            raise ValueError("weekly needs one tuple of intervals per weekday, Monday first")
        for intervals in self.weekly:
            for start, end in intervals:
                if not (0 <= start < MINUTES_PER_DAY and 0 <= end <= MINUTES_PER_DAY):
                    raise ValueError(f"interval ({start}, {end}) is outside the day")
        if self.holiday_subdivision is not None and self.holiday_country is None:
            raise ValueError("a holiday subdivision needs a holiday country")
        if self.holiday_country is not None:
            try:
                holidays.country_holidays(self.holiday_country, subdiv=self.holiday_subdivision)
            except NotImplementedError as exc:
                raise ValueError(
                    f"no holidays for {self.holiday_country!r} / {self.holiday_subdivision!r}"
                ) from exc
        # Sorted by opening time, the intervals of a day resolve to instants in order (resolution is
        # monotonic), which the walks below rely on.
        weekly = tuple(tuple(sorted((int(start), int(end)) for start, end in day)) for day in self.weekly)
        object.__setattr__(self, "weekly", weekly)
        object.__setattr__(self, "closed_dates", frozenset(self.closed_dates))
        object.__setattr__(self, "_zone", zone)
        object.__setattr__(self, "_days", {})
        object.__setattr__(self, "_closed_by_year", {})

    @classmethod
    def from_row(
        cls,
        *,
        timezone: str,
        weekly_hours: Iterable[Mapping[str, Any]] = (),
        holiday_country: str | None = None,
        holiday_subdivision: str | None = None,
        closed_dates: Iterable[str | date] = (),
        always_open: bool = False,
    ) -> Calendar:
        """Build a calendar from the plain values of a ``BusinessCalendar`` row: ``weekly_hours`` is a list of
        ``{"weekday": 0-6, "start": "HH:MM", "end": "HH:MM"}`` (an end not after the start runs past
        midnight; an end of "24:00" is midnight), ``closed_dates`` ISO dates."""
        weekly: list[list[Interval]] = [[] for _ in range(7)]
        for interval in weekly_hours:
            weekday = interval["weekday"]
            if not isinstance(weekday, int) or not 0 <= weekday <= 6:
                raise ValueError(f"weekday {weekday!r} is not 0 (Monday) to 6 (Sunday)")
            start = _minute_of_day(interval["start"], allow_midnight_end=False)
            end = _minute_of_day(interval["end"], allow_midnight_end=True)
            weekly[weekday].append((start, end))
        return cls(
            timezone=timezone,
            weekly=tuple(tuple(day) for day in weekly),
            holiday_country=holiday_country or None,
            holiday_subdivision=holiday_subdivision or None,
            closed_dates=frozenset(d if isinstance(d, date) else date.fromisoformat(d) for d in closed_dates),
            always_open=always_open,
        )

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    @property
    def has_open_hours(self) -> bool:
        return self.always_open or any(self.weekly)

    def is_closed_date(self, day: date) -> bool:
        """Whether ``day`` is a holiday or one of the calendar's own closed dates."""
        closed = self._closed_by_year.get(day.year)
        if closed is None:
            closed = self._closed_dates_of(day.year)
            self._closed_by_year[day.year] = closed
        return day in closed

    def _closed_dates_of(self, year: int) -> frozenset[date]:
        own = frozenset(d for d in self.closed_dates if d.year == year)
        if self.holiday_country is None:
            return own
        return own | _public_holidays(self.holiday_country, self.holiday_subdivision, year)

    def _day(self, ordinal: int) -> _Day:
        day = self._days.get(ordinal)
        if day is None:
            if len(self._days) >= _MAX_CACHED_DAYS:
                self._days.clear()
            day = self._resolve_day(ordinal)
            # Two threads may resolve the same day at once; both compute the same value: a benign race.
            self._days[ordinal] = day
        return day

    def _resolve_day(self, ordinal: int) -> _Day:
        local_date = date.fromordinal(ordinal)
        intervals = self.weekly[local_date.weekday()]
        if not intervals or self.is_closed_date(local_date):
            return _CLOSED_DAY
        spans: list[_Span] = []
        frontier = None
        for start_minute, end_minute in intervals:
            opens = _wall_to_us(self._zone, ordinal, start_minute)
            end_ordinal = ordinal + 1 if end_minute <= start_minute else ordinal
            closes = _wall_to_us(self._zone, end_ordinal, end_minute)
            if frontier is not None:
                # Overlapping intervals of the same day count once.
                opens = max(opens, frontier)
            if closes > opens:
                spans.append((opens, closes))
                frontier = closes
        if not spans:
            return _CLOSED_DAY
        total = sum(closes - opens for opens, closes in spans)
        return tuple(spans), total, spans[0][0], spans[-1][1]


def add_business_time(calendar: Calendar, start: datetime, duration: timedelta) -> datetime:
    """The instant at which ``duration`` of business time, counted from ``start``, is used up.

    A start outside open hours counts from the next opening. When the duration runs out exactly at a closing
    time, the result is that closing time (not the next opening). A zero duration returns ``start`` unchanged,
    even when the calendar is closed then: no business time has to pass. A negative duration is refused.
    """
    _require_aware(start)
    if duration < _ZERO:
        raise ValueError("duration must not be negative")
    if not duration:
        return start
    if calendar.always_open:
        return _from_us(_to_us(start) + _td_to_us(duration), start.tzinfo)
    _require_open_hours(calendar)
    frontier = _to_us(start)
    remaining = _td_to_us(duration)
    ordinal = _local_ordinal(calendar, start) - 1
    give_up = ordinal + MAX_CLOSED_DAYS
    days = calendar._days
    while True:
        day = days.get(ordinal) or calendar._day(ordinal)
        spans, total, first_opens, last_closes = day
        if total:
            if first_opens >= frontier and total < remaining:
                # The whole day fits in what is left: take it at once.
                remaining -= total
                frontier = last_closes
            else:
                for opens, closes in spans:
                    if closes <= frontier:
                        continue
                    counted_from = max(opens, frontier)
                    length = closes - counted_from
                    if length >= remaining:
                        return _from_us(counted_from + remaining, start.tzinfo)
                    remaining -= length
                    frontier = closes
            give_up = ordinal + MAX_CLOSED_DAYS
        elif ordinal > give_up:
            raise ValueError(f"the calendar has no open time in {MAX_CLOSED_DAYS} consecutive days")
        ordinal += 1


def business_time_between(calendar: Calendar, start: datetime, end: datetime) -> timedelta:
    """The business time in ``[start, end)``. Antisymmetric: when ``end`` is before ``start`` the result is
    the negated business time of ``[end, start)``, so an SLA clock reads negative once it is overdue."""
    _require_aware(start)
    _require_aware(end)
    begin_us = _to_us(start)
    end_us = _to_us(end)
    if end_us < begin_us:
        return -business_time_between(calendar, end, start)
    if end_us == begin_us:
        return _ZERO
    if calendar.always_open:
        return timedelta(microseconds=end_us - begin_us)
    if not calendar.has_open_hours:
        return _ZERO
    frontier = begin_us
    counted = 0
    for ordinal in range(_local_ordinal(calendar, start) - 1, _local_ordinal(calendar, end) + 2):
        spans, total, first_opens, last_closes = calendar._day(ordinal)
        if not total:
            continue
        if first_opens >= frontier and last_closes <= end_us:
            counted += total
            frontier = last_closes
            continue
        for opens, closes in spans:
            counted_from = max(opens, frontier)
            if counted_from >= end_us:
                # Spans open in order, and the frontier only grows: nothing later falls inside.
                return timedelta(microseconds=counted)
            if closes > counted_from:
                counted += min(closes, end_us) - counted_from
                frontier = closes
    return timedelta(microseconds=counted)


def is_open(calendar: Calendar, at: datetime) -> bool:
    """Whether the calendar is open at the instant ``at`` (open from an opening time, closed from a closing
    time)."""
    _require_aware(at)
    if calendar.always_open:
        return True
    instant = _to_us(at)
    ordinal = _local_ordinal(calendar, at)
    # An interval lasts at most a day (plus a clock change), so one that covers `at` starts on its local date
    # or the day before; the day after is checked too, for a repeated hour that straddles midnight.
    for candidate in (ordinal - 1, ordinal, ordinal + 1):
        for opens, closes in calendar._day(candidate)[0]:
            if opens <= instant < closes:
                return True
    return False


def next_open(calendar: Calendar, at: datetime) -> datetime:
    """``at`` itself when the calendar is open then, else the next instant it opens."""
    _require_aware(at)
    if calendar.always_open:
        return at
    _require_open_hours(calendar)
    instant = _to_us(at)
    ordinal = _local_ordinal(calendar, at) - 1
    give_up = ordinal + MAX_CLOSED_DAYS
    while ordinal <= give_up:
        for opens, closes in calendar._day(ordinal)[0]:
            if closes > instant:
                return at if opens <= instant else _from_us(opens, at.tzinfo)
        ordinal += 1
    raise ValueError(f"the calendar has no open time in {MAX_CLOSED_DAYS} consecutive days")


@lru_cache(maxsize=512)
def _public_holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year).keys())


def _minute_of_day(value: str, *, allow_midnight_end: bool) -> int:
    match = _CLOCK_TIME.fullmatch(value)
    if match is None:
        raise ValueError(f"time {value!r} is not HH:MM")
    hours, minutes = int(match[1]), int(match[2])
    if allow_midnight_end and (hours, minutes) == (24, 0):
        return MINUTES_PER_DAY
    if hours > 23 or minutes > 59:
        raise ValueError(f"time {value!r} is not a time of day")
    return hours * 60 + minutes


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("business-time arithmetic needs timezone-aware datetimes")


def _require_open_hours(calendar: Calendar) -> None:
    if not calendar.has_open_hours:
        raise ValueError("the calendar has no open hours")


def _to_us(moment: datetime) -> int:
    elapsed = moment - _EPOCH
    return elapsed.days * _US_PER_DAY + elapsed.seconds * 1_000_000 + elapsed.microseconds


def _td_to_us(duration: timedelta) -> int:
    return duration.days * _US_PER_DAY + duration.seconds * 1_000_000 + duration.microseconds


def _from_us(instant: int, zone: tzinfo | None) -> datetime:
    return (_EPOCH + timedelta(microseconds=instant)).astimezone(zone)


def _local_ordinal(calendar: Calendar, moment: datetime) -> int:
    return moment.astimezone(calendar._zone).toordinal()


def _wall_to_us(zone: ZoneInfo, ordinal: int, minute: int) -> int:
    """The first instant at which the wall clock in ``zone`` reads ``minute`` of the local day ``ordinal``
    (or, when that reading is skipped by a clock change, the instant the clocks jump past it)."""
    wall = datetime.fromordinal(ordinal) + timedelta(minutes=minute)
    # fold=0 picks the first occurrence of a repeated reading.
    instant = _to_us(wall.replace(tzinfo=zone))
    if _from_us(instant, zone).replace(tzinfo=None) == wall:
        return instant
    # The reading falls in a gap. With fold=0 it resolves with the offset from before the jump, which lands
    # after the jump; with fold=1, with the offset from after it, which lands before. The jump is in between.
    before = _to_us(wall.replace(tzinfo=zone, fold=1)) // 1_000_000
    after = instant // 1_000_000
    offset_before = _offset_at(zone, before)
    while after - before > 1:
        middle = (before + after) // 2
        if _offset_at(zone, middle) == offset_before:
            before = middle
        else:
            after = middle
    return after * 1_000_000


def _offset_at(zone: ZoneInfo, second: int) -> timedelta | None:
    return (_EPOCH + timedelta(seconds=second)).astimezone(zone).utcoffset()
