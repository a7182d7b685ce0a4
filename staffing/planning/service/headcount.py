"""Scheduled operators per interval: the shifts of the members whose dated membership of the pool is in force
then, each counted by the share of their time the membership gives the pool (a cross-trained operator at 70 %
in Madrid and 30 % in São Paulo counts 0.7 and 0.3), and by the part of the interval the shift covers.

A shift's own pool tag is not used: the share already says how a member's scheduled time divides between
pools, and counting the tag as well would count that time twice.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from uuid import UUID

import numpy as np
from numpy.typing import NDArray

from retaguarda.tenancy import TenantContext
from staffing.planning.time_grid import Grid, coverage
from staffing.service.periods import overlapping
from staffing.tables import PoolMembership, Shift

NEVER = 2**62


@dataclass(frozen=True, slots=True)
class Member:
    """A membership, times as Unix seconds (``until`` NEVER when open-ended)."""

    id: UUID | None
    pool_id: UUID
    operator_id: UUID
    kind: str
    since: int
    until: int
    share: int

    def during(self, since: int, until: int) -> Member | None:
        """The part of this membership inside ``[since, until)``, if any."""
        start, end = max(self.since, since), min(self.until, until)
        return replace(self, since=start, until=end) if start < end else None


@dataclass(frozen=True, slots=True)
class Roster:
    members: list[Member]
    shifts: dict[UUID, list[tuple[int, int]]]

    def with_members(self, members: list[Member]) -> Roster:
        return Roster(members, self.shifts)


def _seconds(moment: datetime | None) -> int:
    return NEVER if moment is None else int(moment.timestamp())


async def load_roster(
    ctx: TenantContext, pool_ids: list[UUID], operator_ids: list[UUID], since: datetime, until: datetime
) -> Roster:
    """Memberships of these pools, and of these operators in any pool, in force during the window; the
    shifts of every operator concerned."""
    window = overlapping(PoolMembership.valid_from, PoolMembership.valid_until, since, until)
    who: Any = PoolMembership.pool_id.is_in(pool_ids)
    if operator_ids:
        who = who | PoolMembership.operator_id.is_in(operator_ids)
    rows = await ctx.select(PoolMembership).where(who & window)
    members = [
        Member(
            row["id"],
            row["pool_id"],
            row["operator_id"],
            row["kind"],
            _seconds(row["valid_from"]),
            _seconds(row["valid_until"]),
            row["share"],
        )
        for row in rows
    ]
    operators = list({member.operator_id for member in members} | set(operator_ids))
    shifts: dict[UUID, list[tuple[int, int]]] = {}
    if operators:
        shift_rows = await ctx.select(Shift, Shift.operator_id, Shift.starts_at, Shift.ends_at).where(
            Shift.operator_id.is_in(operators) & overlapping(Shift.starts_at, Shift.ends_at, since, until)
        )
        for row in shift_rows:
            shifts.setdefault(row["operator_id"], []).append(
                (_seconds(row["starts_at"]), _seconds(row["ends_at"]))
            )
    return Roster(members, shifts)


def scheduled(grid: Grid, pool_id: UUID, roster: Roster) -> NDArray[np.float64]:
    """Operators scheduled in the pool per interval of the grid (fractions included)."""
    total = np.zeros(grid.starts.size)
    for member in roster.members:
        if member.pool_id != pool_id:
            continue
        for start, end in roster.shifts.get(member.operator_id, ()):
            begin, finish = max(start, member.since), min(end, member.until)
            if begin < finish:
                total += coverage(grid, begin, finish) * (member.share / 100.0)
    return total
