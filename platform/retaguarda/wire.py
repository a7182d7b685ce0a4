"""Shared wire shapes: the base Struct every request and response derives from, and the cursor of a page
(pages themselves are read by :mod:`retaguarda.listing`)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from datetime import datetime
from types import SimpleNamespace
from typing import Any, TypeVar
from uuid import UUID

import msgspec

from retaguarda.errors import FieldError, InvalidInput

MAX_PAGE_SIZE = 200
Shape = TypeVar("Shape", bound=msgspec.Struct)


class WireStruct(msgspec.Struct, rename="camel", forbid_unknown_fields=True, kw_only=True):
    """camelCase on the wire; an unknown field in a request body is an error, not silently dropped."""


def from_row(row: Mapping[str, Any], shape: type[Shape], **computed: Any) -> Shape:
    """A read model from a database row: each field taken from the column of its Python name (camelCase is
    the wire's, not the row's) unless ``computed`` gives it, columns the model does not have ignored, values
    checked against the field types (an enum column's text becomes its enum member)."""
    return msgspec.convert(SimpleNamespace(**{**row, **computed}), shape, from_attributes=True, strict=False)


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


class DateTimeParam(datetime):
    """An instant in a query string: RFC 3339 with its offset (``2026-03-02T09:00:00-03:00``). The plain
    ``datetime`` Litestar parses leniently also takes a bare number (``0.5``) as a Unix time, and a time
    without an offset, read in some server's zone; both are refused here, as the document's ``date-time``
    says."""

    @staticmethod
    def _decoder(target_type: type[DateTimeParam], value: Any) -> DateTimeParam:
        # Litestar's signature model calls this for a type msgspec does not know; an error is a 4xx.
        if not isinstance(value, str):
            raise TypeError("Expected an RFC 3339 date-time")
        try:
            parsed = msgspec.convert(value, datetime, strict=True)
        except msgspec.ValidationError as exc:
            raise ValueError("Expected an RFC 3339 date-time, such as 2026-03-02T09:00:00Z") from exc
        if parsed.tzinfo is None:
            raise ValueError("Give the time's offset from UTC (Z, or such as -03:00)")
        return target_type.combine(parsed.date(), parsed.timetz())
