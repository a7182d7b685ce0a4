"""Rounding of billed time to the contract's increment (1, 6, 15 … minutes; up, nearest or down)."""

from __future__ import annotations

from billing.terms import Rounding, RoundingMode


def round_seconds(seconds: int, rule: Rounding) -> int:
    """Billed seconds for ``seconds`` of raw time. Integer arithmetic: exact for any duration. ``nearest``
    rounds a tie up (7.5 minutes at a 15-minute increment bills 15), as timesheets are read."""
    if seconds <= 0:
        return 0
    step = rule.increment_minutes * 60
    whole, rest = divmod(seconds, step)
    if rest == 0 or rule.mode is RoundingMode.DOWN:
        return whole * step
    if rule.mode is RoundingMode.UP or rest * 2 >= step:
        return (whole + 1) * step
    return whole * step
