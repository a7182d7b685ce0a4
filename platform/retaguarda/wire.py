"""Shared wire shapes: the base Struct every request and response derives from, and cursor pages."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from retaguarda.errors import FieldError, InvalidInput

MAX_PAGE_SIZE = 200


class WireStruct(msgspec.Struct, rename="camel", forbid_unknown_fields=True, kw_only=True):
    """camelCase on the wire; an unknown field in a request body is an error, not silently dropped."""


def encode_cursor(created_at: datetime, row_id: UUID) -> str:
    raw = f"{created_at.isoformat()}|{row_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        stamp, _, row_id = base64.urlsafe_b64decode(padded).decode().partition("|")
        return datetime.fromisoformat(stamp), UUID(row_id)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidInput(errors=[FieldError("cursor", "invalid", "The cursor is not valid.")]) from exc


def after_cursor(query: Any, table: Any, cursor: str | None, limit: int) -> Any:
    """Keyset pagination on (created_at, id): stable under inserts, one index range per page."""
    if cursor:
        created_at, row_id = decode_cursor(cursor)
        query = query.where(
            (table.created_at > created_at) | ((table.created_at == created_at) & (table.id > row_id))
        )
    return query.order_by(table.created_at, table.id).limit(limit + 1)


def page_of(rows: list[Any], limit: int, read: Any) -> tuple[list[Any], str | None]:
    """Split the ``limit + 1`` rows fetched into the page and the cursor of the next one."""
    has_more = len(rows) > limit
    rows = rows[:limit]
    cursor = encode_cursor(rows[-1]["created_at"], rows[-1]["id"]) if has_more and rows else None
    return [read(row) for row in rows], cursor
