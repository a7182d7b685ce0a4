"""Cursor pages of a query: the one way every list reads its rows (keyset pagination on ``created_at, id``).

``keyset_page`` is what a list service calls; ``after_cursor`` and ``page_of`` are its two halves, for a list
that orders or fetches its rows its own way. The cursor's text format lives in :mod:`retaguarda.wire`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from piccolo.query import Select
from piccolo.table import Table

from retaguarda.wire import MAX_PAGE_SIZE, decode_cursor, encode_cursor

Read = TypeVar("Read")
Row = dict[str, Any]  # a row as Piccolo hands it back
Query = Select[Any]


def after_cursor(query: Query, table: type[Table], cursor: str | None, limit: int) -> Query:
    """Keyset pagination on (created_at, id): stable under inserts, one index range per page. Fetches one row
    more than the page, to know whether another page follows."""
    created_at, row_id = getattr(table, "created_at"), getattr(table, "id")  # noqa: B009 - not every Table has them
    if cursor:
        after, after_id = decode_cursor(cursor)
        query = query.where((created_at > after) | ((created_at == after) & (row_id > after_id)))
    return query.order_by(created_at, row_id).limit(limit + 1)


def page_of(rows: Sequence[Row], limit: int, read: Callable[[Row], Read]) -> tuple[list[Read], str | None]:
    """Split the ``limit + 1`` rows fetched into the page and the cursor of the next one."""
    has_more = len(rows) > limit
    rows = rows[:limit]
    cursor = encode_cursor(rows[-1]["created_at"], rows[-1]["id"]) if has_more and rows else None
    return [read(row) for row in rows], cursor


async def keyset_page(
    query: Query, table: type[Table], cursor: str | None, limit: int, read: Callable[[Row], Read]
) -> tuple[list[Read], str | None]:
    """One page of ``query`` (at most ``MAX_PAGE_SIZE`` rows), each row made a read model by ``read``, and the
    cursor of the next page (None on the last)."""
    limit = min(limit, MAX_PAGE_SIZE)
    rows: list[Row] = await after_cursor(query, table, cursor, limit)
    return page_of(rows, limit, read)
