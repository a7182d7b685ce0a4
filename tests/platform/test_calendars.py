"""Business-time arithmetic against a brute-force reference that reads the wall clock minute by minute.

The reference knows nothing of the module's day resolution: over a window of UTC minutes it reads the local
wall clock of each minute, and a minute is open when the clock has already shown an interval's opening time
and not yet its closing time (the running maximum of the readings, so a repeated hour does not reopen or
reclose anything). Windows sit on the daylight-saving changes of New York and Berlin in 2026 and of São Paulo
in 2018 (when midnight was skipped in November and an hour before midnight repeated in February), and on
Brazilian holidays. No database: these are pure functions.
"""

from __future__ import annotations

import functools
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retaguarda.calendars import (
    Calendar,
    Interval,
    add_business_time,
    business_time_between,
    is_open,
    next_open,
)

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
SAO_PAULO = ZoneInfo("America/Sao_Paulo")
MINUTE = timedelta(minutes=1)
WINDOW_DAYS = 24
WINDOW_MINUTES = WINDOW_DAYS * 1440
# Starts fall from 3 to 9 days into the window (around the anchor), durations reach at most 12 days further.
FIRST_START, LAST_START, LOOKAHEAD = 3 * 1440, 9 * 1440, 12 * 1440

PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@dataclass(frozen=True)
class Anchor:
    zone: str
    day: date
    country: str
    subdivision: str | None


ANCHORS = [
    Anchor("America/New_York", date(2026, 3, 8), "US", "NY"),  # spring forward 02:00 -> 03:00
    Anchor("America/New_York", date(2026, 11, 1), "US", "NY"),  # fall back 02:00 -> 01:00
    Anchor("Europe/Berlin", date(2026, 3, 29), "DE", "BE"),  # 02:00 -> 03:00
    Anchor("Europe/Berlin", date(2026, 10, 25), "DE", "BE"),  # 03:00 -> 02:00
    Anchor("America/Sao_Paulo", date(2018, 11, 4), "BR", "SP"),  # midnight skipped: 00:00 -> 01:00
    Anchor("America/Sao_Paulo", date(2018, 2, 18), "BR", "SP"),  # 00:00 -> 23:00 the evening before
    Anchor("America/Sao_Paulo", date(2026, 11, 20), "BR", None),  # Consciência Negra, national since 2024
    Anchor("America/Sao_Paulo", date(2026, 12, 25), "BR", None),
]


# -- the reference -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    zone: ZoneInfo
    first: datetime  # UTC, minute 0 of the window
    # Per minute of the window: the latest local wall-clock reading shown so far.
    highest_wall: list[datetime] = field(repr=False)

    def instant(self, minute: int) -> datetime:
        return self.first + minute * MINUTE


@functools.cache
def window(zone_name: str, anchor: date) -> Window:
    zone = ZoneInfo(zone_name)
    first = datetime.combine(anchor - timedelta(days=5), time(), tzinfo=UTC)
    highest = datetime.min
    readings = []
    for minute in range(WINDOW_MINUTES):
        wall = (first + minute * MINUTE).astimezone(zone).replace(tzinfo=None)
        highest = max(highest, wall)
        readings.append(highest)
    return Window(zone, first, readings)


def reference_open_minutes(
    win: Window, weekly: tuple[tuple[Interval, ...], ...], closed: set[date]
) -> bytearray:
    """Per minute of the window, 1 when open: an interval of local date d is open from the first minute at
    which the wall clock has shown its opening time until the first at which it has shown its closing time."""
    flags = bytearray(WINDOW_MINUTES)
    day = win.highest_wall[0].date() - timedelta(days=2)
    while day <= win.highest_wall[-1].date():
        if day not in closed:
            for start, end in weekly[day.weekday()]:
                opens = datetime.combine(day, time()) + timedelta(minutes=start)
                closes = datetime.combine(day + timedelta(days=end <= start), time()) + timedelta(minutes=end)
                # highest_wall never decreases: "the first minute at which it has reached x" is a bisection.
                first, last = bisect_left(win.highest_wall, opens), bisect_left(win.highest_wall, closes)
                flags[first:last] = b"\x01" * max(0, last - first)
        day += timedelta(days=1)
    return flags


def reference_add(flags: bytearray, start: int, minutes: int) -> int | None:
    """The minute index at which `minutes` open minutes from `start` are used up, stepping one by one."""
    if minutes == 0:
        return start
    used = 0
    for minute in range(start, WINDOW_MINUTES):
        used += flags[minute]
        if used == minutes:
            return minute + 1
    return None


def reference_next_open(flags: bytearray, start: int) -> int | None:
    for minute in range(start, WINDOW_MINUTES):
        if flags[minute]:
            return minute
    return None


class Scenario:
    """A calendar and its reference over one window (a plain class: falsifying examples print its repr)."""

    def __init__(self, calendar: Calendar, win: Window, flags: bytearray) -> None:
        self.calendar = calendar
        self.win = win
        self.flags = flags
        self.open_before = [0, *accumulate(flags)]  # open_before[i]: open minutes in [0, i)

    def __repr__(self) -> str:
        return f"Scenario({self.calendar!r}, window from {self.win.first.isoformat()})"


interesting_minutes = st.sampled_from(
    [0, 30, 60, 90, 120, 150, 180, 360, 480, 720, 780, 1080, 1320, 1380, 1410]
)
start_minutes = st.one_of(interesting_minutes, st.integers(0, 95).map(lambda quarter: quarter * 15))
end_minutes = st.one_of(start_minutes, st.just(1440))
weekly_hours = st.lists(
    st.lists(st.tuples(start_minutes, end_minutes), max_size=3).map(tuple), min_size=7, max_size=7
).map(tuple)


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    anchor = draw(st.sampled_from(ANCHORS))
    weekly = draw(weekly_hours.filter(any))
    with_holidays = draw(st.booleans())
    own_closed = draw(
        st.frozensets(st.integers(-6, 14).map(lambda days: anchor.day + timedelta(days=days)), max_size=4)
    )
    calendar = Calendar(
        timezone=anchor.zone,
        weekly=weekly,
        holiday_country=anchor.country if with_holidays else None,
        holiday_subdivision=anchor.subdivision if with_holidays else None,
        closed_dates=own_closed,
    )
    closed = set(own_closed)
    if with_holidays:
        years = range(anchor.day.year - 1, anchor.day.year + 2)
        closed |= set(holidays.country_holidays(anchor.country, subdiv=anchor.subdivision, years=years))
    win = window(anchor.zone, anchor.day)
    flags = reference_open_minutes(win, weekly, closed)
    return Scenario(calendar, win, flags)


def as_utc(moment: datetime) -> datetime:
    # Aware datetimes sharing a tzinfo compare by wall clock and ignore `fold`; compare instants instead.
    return moment.astimezone(UTC)


def shown_in(data: st.DataObject, scenario: Scenario, moment: datetime) -> datetime:
    return moment.astimezone(data.draw(st.sampled_from([UTC, scenario.win.zone])))


# -- properties against the reference --------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(st.data())
def test_add_business_time_matches_the_reference(data: st.DataObject) -> None:
    scenario = data.draw(scenarios())
    start = data.draw(st.integers(FIRST_START, LAST_START))
    available = scenario.open_before[start + LOOKAHEAD] - scenario.open_before[start]
    minutes = data.draw(st.integers(0, min(2 * 1440, available)))
    begin = shown_in(data, scenario, scenario.win.instant(start))

    due = add_business_time(scenario.calendar, begin, minutes * MINUTE)

    expected = reference_add(scenario.flags, start, minutes)
    assert expected is not None
    assert as_utc(due) == scenario.win.instant(expected)
    assert due.tzinfo is begin.tzinfo
    assert business_time_between(scenario.calendar, begin, due) == minutes * MINUTE


@PROPERTY_SETTINGS
@given(st.data())
def test_business_time_between_matches_the_reference(data: st.DataObject) -> None:
    scenario = data.draw(scenarios())
    first = data.draw(st.integers(FIRST_START, LAST_START))
    second = data.draw(st.integers(FIRST_START, LAST_START + LOOKAHEAD))
    begin, end = (shown_in(data, scenario, scenario.win.instant(m)) for m in (first, second))

    elapsed = business_time_between(scenario.calendar, begin, end)

    expected = scenario.open_before[max(first, second)] - scenario.open_before[min(first, second)]
    assert elapsed == (expected if second >= first else -expected) * MINUTE
    assert business_time_between(scenario.calendar, end, begin) == -elapsed


@PROPERTY_SETTINGS
@given(st.data())
def test_is_open_and_next_open_match_the_reference(data: st.DataObject) -> None:
    scenario = data.draw(scenarios())
    minute = data.draw(st.integers(FIRST_START, LAST_START))
    # Openings and closings fall on whole minutes, so any second of a minute is open as its start is.
    at = shown_in(
        data, scenario, scenario.win.instant(minute) + timedelta(seconds=data.draw(st.integers(0, 59)))
    )

    assert is_open(scenario.calendar, at) == bool(scenario.flags[minute])
    opens = next_open(scenario.calendar, at)
    expected = reference_next_open(scenario.flags, minute)
    if scenario.flags[minute]:
        assert opens is at
    elif expected is None:
        assert as_utc(opens) >= scenario.win.instant(WINDOW_MINUTES)
    else:
        assert as_utc(opens) == scenario.win.instant(expected)
        assert is_open(scenario.calendar, opens)
        assert business_time_between(scenario.calendar, at, opens) == timedelta(0)


# -- daylight saving -------------------------------------------------------------------------------------

NIGHTS = Calendar.from_row(
    timezone="UTC", weekly_hours=[{"weekday": day, "start": "22:00", "end": "06:00"} for day in range(7)]
)


@pytest.mark.parametrize(
    ("zone", "evening", "hours"),
    [
        (NEW_YORK, date(2026, 3, 7), 7),
        (NEW_YORK, date(2026, 10, 31), 9),
        (NEW_YORK, date(2026, 6, 1), 8),
        (BERLIN, date(2026, 3, 28), 7),
        (BERLIN, date(2026, 10, 24), 9),
        (SAO_PAULO, date(2018, 11, 3), 7),
        (SAO_PAULO, date(2018, 2, 17), 9),
        (SAO_PAULO, date(2026, 11, 3), 8),
    ],
)
def test_an_overnight_interval_lasts_the_real_time_of_its_night(
    zone: ZoneInfo, evening: date, hours: int
) -> None:
    calendar = Calendar(timezone=zone.key, weekly=NIGHTS.weekly)
    opens = datetime.combine(evening, time(22), tzinfo=zone)
    closes = datetime.combine(evening + timedelta(days=1), time(6), tzinfo=zone)
    noon = datetime.combine(evening, time(12), tzinfo=zone)

    assert business_time_between(calendar, noon, noon + timedelta(days=1)) == timedelta(hours=hours)
    assert as_utc(add_business_time(calendar, noon, timedelta(hours=hours))) == as_utc(closes)
    assert as_utc(next_open(calendar, noon)) == as_utc(opens)


def test_an_opening_in_a_skipped_hour_waits_for_the_jump() -> None:
    sunday = {"weekday": 6, "start": "02:30", "end": "04:00"}
    calendar = Calendar.from_row(timezone="America/New_York", weekly_hours=[sunday])
    midnight = datetime(2026, 3, 8, tzinfo=NEW_YORK)

    assert as_utc(next_open(calendar, midnight)) == datetime(2026, 3, 8, 7, tzinfo=UTC)  # 03:00 EDT
    assert business_time_between(calendar, midnight, midnight + timedelta(hours=12)) == timedelta(hours=1)


def test_midnight_skipped_in_sao_paulo_opens_the_day_at_one() -> None:
    sunday = {"weekday": 6, "start": "00:00", "end": "06:00"}
    calendar = Calendar.from_row(timezone="America/Sao_Paulo", weekly_hours=[sunday])
    saturday = datetime(2018, 11, 3, 12, tzinfo=SAO_PAULO)

    assert as_utc(next_open(calendar, saturday)) == datetime(2018, 11, 4, 3, tzinfo=UTC)  # 01:00 -02
    assert business_time_between(calendar, saturday, saturday + timedelta(days=1)) == timedelta(hours=5)


def test_a_time_in_a_repeated_hour_means_its_first_occurrence() -> None:
    sunday = {"weekday": 6, "start": "01:30", "end": "03:00"}
    calendar = Calendar.from_row(timezone="America/New_York", weekly_hours=[sunday])
    midnight = datetime(2026, 11, 1, tzinfo=NEW_YORK)

    assert as_utc(next_open(calendar, midnight)) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT
    assert business_time_between(calendar, midnight, midnight + timedelta(hours=12)) == timedelta(hours=2.5)
    second_half_past_one = datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=NEW_YORK)
    assert is_open(calendar, second_half_past_one)


def test_always_open_counts_real_time_across_a_clock_change() -> None:
    calendar = Calendar(timezone="America/New_York", always_open=True)
    saturday_noon = datetime(2026, 3, 7, 12, tzinfo=NEW_YORK)

    due = add_business_time(calendar, saturday_noon, timedelta(hours=24))

    assert due == datetime(2026, 3, 8, 13, tzinfo=NEW_YORK)
    assert business_time_between(calendar, saturday_noon, saturday_noon + timedelta(days=1)) == timedelta(
        hours=23
    )
    assert is_open(calendar, saturday_noon)
    assert next_open(calendar, saturday_noon) is saturday_noon


# -- a São Paulo back office -----------------------------------------------------------------------------


def back_office(**extra: object) -> Calendar:
    hours = [("08:00", "12:00"), ("13:00", "18:00")]
    return Calendar.from_row(
        timezone="America/Sao_Paulo",
        weekly_hours=[{"weekday": day, "start": s, "end": e} for day in range(5) for s, e in hours],
        holiday_country="BR",
        **extra,  # type: ignore[arg-type]
    )


def sp(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=SAO_PAULO)


def test_national_holidays_close_the_whole_day() -> None:
    calendar = back_office()
    thursday_five = sp(2026, 11, 19, 17)  # Friday the 20th is Consciência Negra

    assert add_business_time(calendar, thursday_five, timedelta(hours=2)) == sp(2026, 11, 23, 9)
    assert add_business_time(calendar, thursday_five, timedelta(hours=40)) == sp(2026, 11, 27, 11)
    assert not is_open(calendar, sp(2026, 11, 20, 10))
    assert add_business_time(calendar, sp(2026, 12, 24, 17, 30), timedelta(hours=1)) == sp(
        2026, 12, 28, 8, 30
    )


def test_own_closed_dates_close_like_holidays() -> None:
    calendar = back_office(closed_dates=["2026-12-24", "2026-12-31"])

    assert add_business_time(calendar, sp(2026, 12, 23, 17, 30), timedelta(hours=1)) == sp(
        2026, 12, 28, 8, 30
    )
    assert next_open(calendar, sp(2026, 12, 30, 18)) == sp(2027, 1, 4, 8)


def test_a_duration_used_up_at_closing_time_ends_there() -> None:
    calendar = back_office()

    assert add_business_time(calendar, sp(2026, 11, 23, 8), timedelta(hours=4)) == sp(2026, 11, 23, 12)
    assert add_business_time(calendar, sp(2026, 11, 23, 8), timedelta(hours=9)) == sp(2026, 11, 23, 18)


def test_open_hours_are_half_open() -> None:
    calendar = back_office()

    assert is_open(calendar, sp(2026, 11, 23, 8))
    assert not is_open(calendar, sp(2026, 11, 23, 12))
    assert next_open(calendar, sp(2026, 11, 23, 12)) == sp(2026, 11, 23, 13)
    assert next_open(calendar, sp(2026, 11, 23, 18)) == sp(2026, 11, 24, 8)


def test_arithmetic_keeps_seconds_and_microseconds() -> None:
    calendar = back_office()
    start = sp(2026, 11, 23, 10, 0, 17, 250_000)

    due = add_business_time(calendar, start, timedelta(hours=2, seconds=3))

    assert due == sp(2026, 11, 23, 13, 0, 20, 250_000)
    assert business_time_between(calendar, start, due) == timedelta(hours=2, seconds=3)


def test_zero_duration_is_the_start_itself_even_when_closed() -> None:
    sunday = sp(2026, 11, 22, 10)

    assert add_business_time(back_office(), sunday, timedelta(0)) is sunday


def test_a_holiday_closes_only_the_intervals_that_start_on_it() -> None:
    calendar = Calendar(
        timezone="America/Sao_Paulo", weekly=NIGHTS.weekly, closed_dates=frozenset({date(2026, 6, 10)})
    )

    assert is_open(calendar, sp(2026, 6, 10, 3))  # the night that began on the 9th
    assert not is_open(calendar, sp(2026, 6, 10, 23))
    assert not is_open(calendar, sp(2026, 6, 11, 3))
    assert next_open(calendar, sp(2026, 6, 10, 12)) == sp(2026, 6, 11, 22)


def test_overlapping_intervals_count_once() -> None:
    calendar = Calendar.from_row(
        timezone="UTC",
        weekly_hours=[
            {"weekday": 0, "start": "08:00", "end": "12:00"},
            {"weekday": 0, "start": "10:00", "end": "14:00"},
            {"weekday": 6, "start": "22:00", "end": "06:00"},
            {"weekday": 0, "start": "00:00", "end": "07:00"},
        ],
    )
    sunday = datetime(2026, 11, 22, 12, tzinfo=UTC)

    assert business_time_between(calendar, sunday, sunday + timedelta(days=1)) == timedelta(hours=9 + 4)
    assert add_business_time(calendar, sunday, timedelta(hours=9)) == datetime(2026, 11, 23, 7, tzinfo=UTC)


# -- definitions at the edges ----------------------------------------------------------------------------


def test_naive_datetimes_and_negative_durations_are_refused() -> None:
    calendar = back_office()
    naive = datetime(2026, 11, 23, 10)
    aware = sp(2026, 11, 23, 10)

    for call in (
        lambda: add_business_time(calendar, naive, timedelta(hours=1)),
        lambda: business_time_between(calendar, naive, aware),
        lambda: is_open(calendar, naive),
        lambda: next_open(calendar, naive),
    ):
        with pytest.raises(ValueError, match="timezone-aware"):
            call()
    with pytest.raises(ValueError, match="negative"):
        add_business_time(calendar, aware, timedelta(hours=-1))


def test_a_calendar_that_never_opens_does_not_loop() -> None:
    never = Calendar(timezone="America/Sao_Paulo")
    monday = sp(2026, 11, 23, 10)

    with pytest.raises(ValueError, match="no open hours"):
        add_business_time(never, monday, timedelta(hours=1))
    with pytest.raises(ValueError, match="no open hours"):
        next_open(never, monday)
    assert not is_open(never, monday)
    assert business_time_between(never, monday, monday + timedelta(days=30)) == timedelta(0)


def test_a_calendar_closed_for_ten_years_gives_up() -> None:
    first_monday = date(2026, 11, 23)
    mondays = [(first_monday + timedelta(weeks=week)).isoformat() for week in range(53 * 11)]
    calendar = Calendar.from_row(
        timezone="UTC", weekly_hours=[{"weekday": 0, "start": "09:00", "end": "10:00"}], closed_dates=mondays
    )
    start = datetime(2026, 11, 22, tzinfo=UTC)

    with pytest.raises(ValueError, match="no open time"):
        next_open(calendar, start)
    with pytest.raises(ValueError, match="no open time"):
        add_business_time(calendar, start, timedelta(hours=1))


def test_from_row_reads_business_calendar_rows() -> None:
    row = {
        "timezone": "America/Sao_Paulo",
        "weekly_hours": [
            {"weekday": 4, "start": "22:00", "end": "06:00"},
            {"weekday": 0, "start": "08:00", "end": "24:00"},
        ],
        "holiday_country": "BR",
        "holiday_subdivision": "SP",
        "closed_dates": ["2026-12-24"],
        "always_open": False,
    }

    calendar = Calendar.from_row(**row)  # type: ignore[arg-type]

    assert calendar.weekly[4] == ((1320, 360),)
    assert calendar.weekly[0] == ((480, 1440),)
    assert calendar.closed_dates == frozenset({date(2026, 12, 24)})
    assert calendar.is_closed_date(date(2026, 7, 9))  # São Paulo state's Revolução Constitucionalista
    assert calendar == Calendar.from_row(**row)  # type: ignore[arg-type]
    assert hash(calendar) == hash(Calendar.from_row(**row))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"weekly_hours": [{"weekday": 7, "start": "08:00", "end": "12:00"}]}, "weekday"),
        ({"weekly_hours": [{"weekday": 0, "start": "8:00", "end": "12:00"}]}, "HH:MM"),
        ({"weekly_hours": [{"weekday": 0, "start": "24:00", "end": "12:00"}]}, "time of day"),
        ({"weekly_hours": [{"weekday": 0, "start": "08:00", "end": "12:60"}]}, "time of day"),
        ({"timezone": "America/Atlantis"}, "time zone"),
        ({"holiday_country": "XX"}, "holidays"),
        ({"holiday_subdivision": "SP"}, "country"),
    ],
)
def test_from_row_refuses_what_it_cannot_read(changes: dict[str, object], message: str) -> None:
    row: dict[str, object] = {"timezone": "UTC", "weekly_hours": [], **changes}

    with pytest.raises(ValueError, match=message):
        Calendar.from_row(**row)  # type: ignore[arg-type]
