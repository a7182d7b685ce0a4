"""Time grids: the intervals of local days in a time zone (stored and computed in UTC), the bucketing of UTC
instants into local (day, slot) cells, and moving quantities between grids of different lengths.

Every time zone in use today is offset from UTC by a multiple of 15 minutes, so 15-minute "atoms" aligned on
the Unix epoch tile every local day of every zone: grids of 15, 30 or 60 minutes are unions of atoms.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

ATOM_S = 900
INTERVALS = (15, 30, 60)


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """Local midnight of ``day`` as a UTC instant (a zone that skips midnight starts the day at 01:00)."""
    local = datetime(day.year, day.month, day.day, tzinfo=zone)
    return local.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Grid:
    """Consecutive intervals ``[starts[i], starts[i] + minutes)`` covering whole local days; ``slots[i]`` is
    the interval's wall-clock slot of its day, ``days[i]`` the day's index from ``first_day``."""

    zone: ZoneInfo
    first_day: date
    day_count: int
    minutes: int
    starts: NDArray[np.int64]  # Unix seconds (UTC)
    days: NDArray[np.int64]
    slots: NDArray[np.int64]

    @property
    def seconds(self) -> int:
        return self.minutes * 60

    @property
    def ends(self) -> NDArray[np.int64]:
        return self.starts + self.seconds

    def start_at(self, index: int) -> datetime:
        return datetime.fromtimestamp(int(self.starts[index]), UTC)

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        return self.start_at(0), datetime.fromtimestamp(int(self.ends[-1]), UTC)


def local_grid(zone: ZoneInfo, first_day: date, day_count: int, minutes: int) -> Grid:
    """The intervals of ``day_count`` local days from ``first_day``. A day of 23 or 25 hours has fewer or
    more intervals; its slots follow the wall clock (the repeated hour repeats its slots)."""
    step = minutes * 60
    starts: list[int] = []
    days: list[int] = []
    slots: list[int] = []
    for offset in range(day_count):
        day = first_day + timedelta(days=offset)
        begin = int(day_start(day, zone).timestamp())
        end = int(day_start(day + timedelta(days=1), zone).timestamp())
        for moment in range(begin, end, step):
            local = datetime.fromtimestamp(moment, zone)
            starts.append(moment)
            days.append(offset)
            slots.append((local.hour * 60 + local.minute) // minutes)
    return Grid(
        zone, first_day, day_count, minutes, np.array(starts), np.array(days), np.array(slots, dtype=np.int64)
    )


@lru_cache(maxsize=64)
def _offsets(zone: ZoneInfo, first_atom: int, last_atom: int) -> NDArray[np.int64]:
    """The zone's UTC offset (seconds) at each 15-minute atom in the range: a year is 35,040 look-ups."""
    return np.array(
        [
            int(datetime.fromtimestamp(atom * ATOM_S, zone).utcoffset().total_seconds())  # type: ignore[union-attr]
            for atom in range(first_atom, last_atom + 1)
        ],
        dtype=np.int64,
    )


def local_cells(
    instants: NDArray[np.int64], zone: ZoneInfo, first_day: date, minutes: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """For UTC instants (Unix seconds): the local day index from ``first_day`` and the wall-clock slot."""
    if instants.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    atoms = instants // ATOM_S
    first = int(atoms.min())
    offsets = _offsets(zone, first, int(atoms.max()))[atoms - first]
    local = instants + offsets
    epoch_day = (first_day - date(1970, 1, 1)).days
    days = local // 86400 - epoch_day
    slots = (local % 86400) // (minutes * 60)
    return days, slots


def to_atoms(
    starts: NDArray[np.int64], minutes: int, values: NDArray[np.float64]
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Split per-interval quantities evenly into their 15-minute atoms: (atom numbers, quantities)."""
    parts = minutes // 15
    atoms = (starts[:, None] // ATOM_S + np.arange(parts)[None, :]).ravel()
    return atoms, np.repeat(values / parts, parts)


def sum_into(grid: Grid, atoms: NDArray[np.int64], values: NDArray[np.float64]) -> NDArray[np.float64]:
    """Add atom quantities into the grid's intervals (atoms outside it are dropped)."""
    result = np.zeros(grid.starts.size)
    if atoms.size == 0:
        return result
    index = np.searchsorted(grid.starts, atoms * ATOM_S, side="right") - 1
    inside = (index >= 0) & (atoms * ATOM_S < grid.ends[np.maximum(index, 0)])
    np.add.at(result, index[inside], values[inside])
    return result


def coverage(grid: Grid, start: int, end: int) -> NDArray[np.float64]:
    """The fraction of each interval of the grid that ``[start, end)`` (Unix seconds) covers."""
    overlap = np.minimum(grid.ends, end) - np.maximum(grid.starts, start)
    fraction: NDArray[np.float64] = np.clip(overlap, 0, None) / grid.seconds
    return fraction
