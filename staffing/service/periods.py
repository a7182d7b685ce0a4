"""Half-open periods ``[start, end)`` of roster rows, with a null end meaning open-ended."""

from __future__ import annotations

from datetime import UTC, datetime

from piccolo.columns import Column
from piccolo.custom_types import Combinable

from retaguarda.errors import FieldError


def as_utc(moment: datetime) -> datetime:
    """Storage and comparisons are in UTC: the wire accepts any offset, SQLite compares text."""
    return moment.astimezone(UTC)


def check_offset(moment: datetime | None, field: str) -> FieldError | None:
    """Query parameters are not decoded by the wire Structs (which demand an offset): check them here."""
    if moment is not None and moment.utcoffset() is None:
        return FieldError(field, "invalid", "Give the time with its offset, e.g. 2026-03-01T09:00:00-03:00.")
    return None


def overlapping(start: Column, end: Column, since: datetime, until: datetime | None) -> Combinable:
    """Rows whose ``[start, end)`` shares an instant with ``[since, until)``."""
    condition: Combinable = end.is_null() | (end > as_utc(since))
    if until is not None:
        condition = condition & (start < as_utc(until))
    return condition


def covering(start: Column, end: Column, moment: datetime) -> Combinable:
    """Rows whose ``[start, end)`` contains ``moment``."""
    return (start <= as_utc(moment)) & (end.is_null() | (end > as_utc(moment)))
