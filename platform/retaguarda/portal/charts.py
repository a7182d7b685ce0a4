"""Small charts drawn on the server as SVG geometry (the ``bar_chart`` macro renders it): no script, no chart
library. Each chart has its axes (a titled value axis with round ticks, a time axis with its days) and the
same figures as a table beside it, for screen readers and for anyone who wants the numbers; each shape's
title repeats its figures on hover.

Geometry is in the plot's own units (``WIDTH`` by ``HEIGHT``, stretched to the box); tick positions are
percentages of the plot, so the axes' labels, drawn apart, line up at any width without being stretched."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from babel.dates import format_skeleton

from retaguarda.i18n import format_decimal

WIDTH = 1000
HEIGHT = 200
# At most this many labelled days on the time axis (the other days keep their tick mark); half as many on a
# phone.
MAX_DAY_LABELS = 7


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    w: float
    h: float
    css: str
    title: str


@dataclass(frozen=True, slots=True)
class Line:
    points: str
    css: str
    title: str


@dataclass(frozen=True, slots=True)
class Tick:
    at: float  # percent of the plot: from the left on the time axis, from the top on the value axis
    label: str
    minor: bool = False  # a label left out on narrow screens (every other one)


@dataclass(frozen=True, slots=True)
class Table:
    """The chart's figures, one row per interval or day, already formatted for the reader."""

    caption: str
    headers: list[str]
    rows: list[list[str]]


@dataclass
class Axes:
    """What the axes say: the value axis' title (its unit), how values and days read, the time axis' title."""

    y_title: str
    x_title: str
    number: Callable[[float], str]
    day: Callable[[date], str]


def day_axes(locale: str, y_title: str, x_title: str, *, places: int = 0) -> Axes:
    """Axes whose time runs in days, each labelled short in the reader's language ("3 de dez.")."""
    return Axes(
        y_title=y_title,
        x_title=x_title,
        number=lambda value: format_decimal(value, locale, places),
        day=lambda day: format_skeleton("MMMd", day, locale=locale),
    )


@dataclass
class Chart:
    label: str
    width: int = WIDTH
    height: int = HEIGHT
    bars: list[Bar] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    grid: list[float] = field(default_factory=list)
    y_title: str = ""
    y_ticks: list[Tick] = field(default_factory=list)
    x_title: str = ""
    x_ticks: list[Tick] = field(default_factory=list)
    table: Table | None = None


def _r(value: float) -> float:
    return round(value, 1)


def value_scale(peak: float, *, whole: bool = True) -> tuple[float, float]:
    """The value axis' top and step: a step of 1, 2 or 5 times a power of ten, four or five steps up to
    the peak (whole steps for counts of people)."""
    peak = peak if math.isfinite(peak) and peak > 0 else 1.0
    rough = peak / 4
    magnitude = 10 ** math.floor(math.log10(rough))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= rough)
    if whole:
        step = max(step, 1.0)
    return step * math.ceil(peak / step - 1e-9), step


def _value_axis(chart: Chart, top: float, step: float, axes: Axes) -> None:
    chart.y_title = axes.y_title
    count = round(top / step)
    for k in range(count + 1):
        share = k * step / top
        chart.y_ticks.append(Tick(_r(100 - 100 * share), axes.number(k * step)))
        if k > 0:
            chart.grid.append(_r(HEIGHT - HEIGHT * share))


def _day_axis(chart: Chart, days: Sequence[date], axes: Axes) -> None:
    """A tick where each day starts; labels on every day, or every few days when there are many."""
    chart.x_title = axes.x_title
    starts = [i for i, day in enumerate(days) if i == 0 or day != days[i - 1]]
    every = math.ceil(len(starts) / MAX_DAY_LABELS) if starts else 1
    for n, index in enumerate(starts):
        label = axes.day(days[index]) if n % every == 0 else ""
        chart.x_ticks.append(Tick(_r(100 * index / len(days)), label, minor=n % (2 * every) != 0))


@dataclass(frozen=True, slots=True)
class DayShare:
    """One day of an attainment chart: clocks met and breached that day, and the day's title."""

    day: date
    met: int
    breached: int
    title: str


def attainment_chart(days: Sequence[DayShare], label: str, axes: Axes, table: Table | None = None) -> Chart:
    """One bar per day, full height: met (bottom) and breached (top) shares; a low grey bar when nothing
    was decided that day. The value axis is the share of clocks, 0 to 100 %."""
    chart = Chart(label=label, table=table)
    if not days:
        return chart
    _value_axis(chart, 1.0, 0.5, axes)
    _day_axis(chart, [d.day for d in days], axes)
    step = WIDTH / len(days)
    width = step * 0.7
    for index, day in enumerate(days):
        x = _r(index * step + step * 0.15)
        decided = day.met + day.breached
        if not decided:
            chart.bars.append(Bar(x, HEIGHT - 4, _r(width), 4, "empty", day.title))
            continue
        met_h = HEIGHT * day.met / decided
        if day.met:
            chart.bars.append(Bar(x, _r(HEIGHT - met_h), _r(width), _r(met_h), "met", day.title))
        if day.breached:
            chart.bars.append(Bar(x, 0, _r(width), _r(HEIGHT - met_h), "breached", day.title))
    return chart


def _height(value: float, top: float) -> float:
    """A value's height on the plot; an unbounded one (a queue no staffing can keep up with) is drawn at
    the top."""
    return HEIGHT if not math.isfinite(value) else HEIGHT * min(max(value, 0.0), top) / top


def _polyline(values: Sequence[float], top: float, css: str, title: str) -> Line:
    step = WIDTH / max(len(values), 1)
    points = []
    for index, value in enumerate(values):
        y = _r(HEIGHT - _height(value, top))
        points.append(f"{_r(index * step)},{y} {_r((index + 1) * step)},{y}")
    return Line(" ".join(points), css, title)


def staffing_chart(
    cells: Sequence[Any],
    label: str,
    titles: dict[str, str],
    describe: Callable[[Any], str],
    axes: Axes,
    *,
    table: Table | None = None,
    volume: bool = True,
    after: bool = False,
) -> Chart:
    """Per interval: required and scheduled operators as step lines on the operators' axis, forecast volume
    as light bars (scaled on their own: the legend gives their peak), and the intervals short of operators
    shaded. With ``after``, cells are a what-if's: scheduled before and after the plan, the shading showing
    the gaps left after it."""
    chart = Chart(label=label, table=table)
    if not cells:
        return chart
    step = WIDTH / len(cells)
    required = [float(c.required) for c in cells]
    scheduled = [float(c.scheduled_before if after else c.scheduled) for c in cells]
    later = [float(c.scheduled_after) for c in cells] if after else []
    top, tick = value_scale(max((v for v in (*required, *scheduled, *later) if math.isfinite(v)), default=1))
    _value_axis(chart, top, tick, axes)
    _day_axis(chart, [c.starts_at.date() for c in cells], axes)
    for index, cell in enumerate(cells):
        gap = float(cell.gap_after if after else cell.gap)
        if gap < -0.05:
            chart.bars.append(Bar(_r(index * step), 0, _r(step), HEIGHT, "gap", describe(cell)))
    if volume:
        most = max((float(c.volume) for c in cells), default=0.0) or 1.0
        for index, cell in enumerate(cells):
            h = HEIGHT * 0.9 * float(cell.volume) / most
            if h > 0:
                chart.bars.append(
                    Bar(_r(index * step), _r(HEIGHT - h), _r(step), _r(h), "volume", describe(cell))
                )
    chart.lines.append(_polyline(required, top, "required", titles["required"]))
    chart.lines.append(_polyline(scheduled, top, "scheduled", titles["scheduled"]))
    if after:
        chart.lines.append(_polyline(later, top, "after", titles["after"]))
    return chart
