"""What the database refuses, as the domain errors a client can act on: the one mapping, for SQLite and
PostgreSQL (asyncpg) alike, installed in the app's error map.

Services check what they can before writing (a duplicate code, a row in use) and say it in their own words;
this is where everything else lands, including what a concurrent request changed between a check and a write:
- a row others still refer to (a foreign key on delete) → 409 ``still_referenced``, naming who refers to it;
- a reference to a row that does not exist (a foreign key on insert or update) → 422 ``invalid_input`` with
  the field and ``not_found``;
- a duplicate (a unique key) → 409 ``already_exists``;
- a value the column cannot hold (out of range, a NUL character, an impossible date) → 422 ``out_of_range``.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

import asyncpg
from asyncpg.exceptions import _base as asyncpg_base
from litestar import Request, Response
from piccolo.columns import ForeignKey
from piccolo.columns.base import OnDelete
from piccolo.conf.apps import Finder
from piccolo.table import Table

from retaguarda.errors import Conflict, DomainError, FieldError, InvalidInput, Problem
from retaguarda.i18n import N_
from retaguarda.problems import domain_error_response, server_error_response


class StillReferenced(Conflict):
    code = "still_referenced"
    title = N_("Other records still refer to this one.")


class AlreadyExists(Conflict):
    code = "already_exists"
    title = N_("A record with these values already exists.")


class OutOfRange(InvalidInput):
    code = "out_of_range"
    title = N_("A value is outside what can be stored.")


# PostgreSQL's DETAIL lines: 'Key (id)=(…) is still referenced from table "time_entry".' and
# 'Key (pool_id)=(…) is not present in table "pool".'
_REFERENCED_FROM = re.compile(r'is still referenced from table "([^"]+)"')
_NOT_PRESENT = re.compile(r'Key \(([^)]+)\)=\(.*\) is not present in table "([^"]+)"')
_KEY = re.compile(r"Key \(([^)]+)\)=")


def _camel(column: str) -> str:
    head, *rest = column.strip().strip('"').split("_")
    return head + "".join(part.title() for part in rest)


def _foreign_key(detail: str, method: str) -> DomainError:
    if referring := _REFERENCED_FROM.search(detail):
        return StillReferenced(f"Still referred to by rows of {referring.group(1)}; remove those first.")
    if missing := _NOT_PRESENT.search(detail):
        column, table = missing.groups()
        return InvalidInput(errors=[FieldError(_camel(column), "not_found", f"No {table} with this id.")])
    # SQLite names neither side: a delete is refused because of what refers to the row; any other write
    # refers to a row that does not exist.
    if method == "DELETE":
        return StillReferenced("Other records still refer to it; remove those first.")
    return InvalidInput(
        errors=[FieldError("body", "not_found", "A record this one refers to does not exist.")]
    )


def _unique(detail: str) -> DomainError:
    key = _KEY.search(detail)
    fields = ", ".join(_camel(c) for c in key.group(1).split(",") if c.strip() != "tenant_id") if key else ""
    return AlreadyExists(f"Another record already has this {fields}." if fields else None)


def _postgres_refusal(exc: Exception, method: str) -> DomainError | None:
    if isinstance(exc, asyncpg.ForeignKeyViolationError):
        return _foreign_key(exc.detail or "", method)
    if isinstance(exc, asyncpg.UniqueViolationError | asyncpg.ExclusionViolationError):
        return _unique(exc.detail or "")
    if isinstance(exc, asyncpg.IntegrityConstraintViolationError):  # not null, check
        return InvalidInput(exc.message)
    if isinstance(exc, asyncpg.DataError | asyncpg_base.DataError):
        return OutOfRange()
    return None


def _sqlite_refusal(exc: Exception, method: str) -> DomainError | None:
    if isinstance(exc, OverflowError):
        return OutOfRange() if "SQLite INTEGER" in str(exc) else None
    if not isinstance(exc, sqlite3.IntegrityError):
        return None
    message = str(exc)
    if message.startswith("FOREIGN KEY"):
        return _foreign_key("", method)
    return _unique("") if message.startswith("UNIQUE") else InvalidInput(message)


def database_error(exc: Exception, method: str) -> DomainError | None:
    """The domain error a database refusal stands for, or None for a failure of ours (a 500)."""
    return _postgres_refusal(exc, method) or _sqlite_refusal(exc, method)


def handle_database_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    """The error map's entry for every database exception: a refusal as its domain error, else a 500."""
    refused = database_error(exc, request.method)
    if refused is None:
        return server_error_response(request, exc)
    return domain_error_response(request, refused)


HANDLED: tuple[type[Exception], ...] = (
    asyncpg.IntegrityConstraintViolationError,
    asyncpg.DataError,
    asyncpg_base.DataError,
    sqlite3.IntegrityError,
    OverflowError,
)


def _restricting_references(table: type[Table]) -> list[tuple[type[Table], ForeignKey[Any]]]:
    """Every foreign key that keeps a row of ``table`` from being deleted (RESTRICT or NO ACTION)."""
    found = []
    for other in Finder().get_table_classes():
        for column in other._meta.foreign_key_columns:
            refers_to = column._foreign_key_meta.resolved_references
            if refers_to is table and column._foreign_key_meta.on_delete in {
                OnDelete.restrict,
                OnDelete.no_action,
            }:
                found.append((other, column))
    return found


async def refuse_if_referenced(table: type[Table], row_id: Any) -> None:
    """Before deleting a row: a 409 naming what still refers to it, on either engine (SQLite's own refusal
    names nothing). The rows counted are every tenant's: a reference is a reference, whoever owns it."""
    referring = []
    for other, column in _restricting_references(table):
        # Every tenant's rows: a client's time entry still refers to the provider's operator.
        count = await other.count().where(column == row_id)
        if count:
            referring.append(f"{count} {other._meta.tablename}")
    if referring:
        raise StillReferenced(f"Still referred to by {', '.join(referring)} row(s); remove those first.")
