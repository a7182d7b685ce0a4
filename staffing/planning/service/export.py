"""The requirement grid as CSV: one row per pool and interval, times in the pool's time zone (with their
offset, so a daylight-saving change stays unambiguous), numbers with a dot as decimal separator so any
spreadsheet or script reads them back."""

from __future__ import annotations

from decimal import Decimal

from retaguarda.spreadsheets import write_csv
from staffing.planning.schemas import RequirementGrid

HEADER = [
    "pool_id",
    "interval_start",
    "interval_minutes",
    "volume",
    "required",
    "scheduled",
    "gap",
    "expected_service_level",
]


def _fixed(value: float, places: int) -> Decimal:
    """A figure with a fixed count of decimals, as a number (not text: a negative gap is no formula)."""
    return Decimal(f"{value:.{places}f}")


def requirement_csv(grid: RequirementGrid) -> str:
    return write_csv(
        [
            HEADER,
            *(
                [
                    str(grid.pool_id),
                    cell.starts_at.isoformat(),
                    grid.interval_minutes,
                    _fixed(cell.volume, 3),
                    _fixed(cell.required, 3),
                    _fixed(cell.scheduled, 3),
                    _fixed(cell.gap, 3),
                    "" if cell.expected_service_level is None else _fixed(cell.expected_service_level, 4),
                ]
                for cell in grid.intervals
            ),
        ],
        lineterminator="\n",
    )
