"""Small charts drawn on the server as SVG geometry (the ``bar_chart`` macro renders it): no script, no chart
library, readable without colour through each shape's title and the figures printed next to the chart."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

WIDTH = 1000
HEIGHT = 200


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


@dataclass
class Chart:
    label: str
    width: int = WIDTH
    height: int = HEIGHT
    bars: list[Bar] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    grid: list[float] = field(default_factory=lambda: [HEIGHT * 0.25, HEIGHT * 0.5, HEIGHT * 0.75])


def _r(value: float) -> float:
    return round(value, 1)


@dataclass(frozen=True, slots=True)
class DayShare:
    """One day of an attainment chart: clocks met and breached that day, and the day's title."""

    met: int
    breached: int
    title: str


def attainment_chart(days: Sequence[DayShare], label: str) -> Chart:
    """One bar per day, full height: met (bottom) and breached (top) shares; a low grey bar when nothing
    was decided that day."""
    chart = Chart(label=label)
    if not days:
        return chart
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


def _polyline(values: Sequence[float], top: float, css: str, title: str) -> Line:
    step = WIDTH / max(len(values), 1)
    points = []
    for index, value in enumerate(values):
        y = _r(HEIGHT - HEIGHT * value / top)
        points.append(f"{_r(index * step)},{y} {_r((index + 1) * step)},{y}")
    return Line(" ".join(points), css, title)


def staffing_chart(
    cells: Sequence[Any],
    label: str,
    titles: dict[str, str],
    describe: Callable[[Any], str],
    *,
    volume: bool = True,
    after: bool = False,
) -> Chart:
    """Per interval: forecast volume as light bars (scaled on their own), required and scheduled operators
    as step lines on one scale, and the intervals short of operators shaded. With ``after``, cells are a
    what-if's: scheduled before and after the plan, the shading showing the gaps left after it."""
    chart = Chart(label=label)
    if not cells:
        return chart
    step = WIDTH / len(cells)
    required = [float(c.required) for c in cells]
    scheduled = [float(c.scheduled_before if after else c.scheduled) for c in cells]
    later = [float(c.scheduled_after) for c in cells] if after else []
    top = max([*required, *scheduled, *later, 1.0]) * 1.1
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
