"""The requirement grid as CSV: one row per pool and interval, times in the pool's time zone (with their
offset, so a daylight-saving change stays unambiguous), numbers with a dot as decimal separator so any
spreadsheet or script reads them back."""

from __future__ import annotations

import csv
import io

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


def requirement_csv(grid: RequirementGrid) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for cell in grid.intervals:
        writer.writerow(
            [
                str(grid.pool_id),
                cell.starts_at.isoformat(),
                grid.interval_minutes,
                f"{cell.volume:.3f}",
                f"{cell.required:.3f}",
                f"{cell.scheduled:.3f}",
                f"{cell.gap:.3f}",
                "" if cell.expected_service_level is None else f"{cell.expected_service_level:.4f}",
            ]
        )
    return out.getvalue()
