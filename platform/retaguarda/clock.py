"""The one clock every module reads: an aware UTC instant (storage is UTC; local time is for display)."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)
