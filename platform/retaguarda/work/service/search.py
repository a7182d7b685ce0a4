"""Task search: one box finds a task by its title, the client's reference or any field value.

Field values are stored normalised (``work.fields``): a CNPJ or CPF as its digits, money as integer minor
units. So a query is matched as typed and, where it reads as one, also as those stored forms:
"11.222.333/0001-81" also as "11222333000181", "R$ 1.234,56" or "1234.56" also as "123456" (two decimal
places: the minor units of nearly every currency).

On PostgreSQL the match is ``LIKE`` on one lower-cased expression over title, reference and payload, which a
trigram GIN index (pg_trgm, migration work_2026_12_03t16_11_00) covers, so it stays an index read at
100,000 tasks and beyond; SQLite, the embedded mode for small data, scans.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from piccolo.columns.combination import WhereRaw
from piccolo.custom_types import Combinable

# The index's expression, character for character (see the migration; a test compares them).
SEARCH_EXPRESSION = "lower(title || ' ' || coalesce(external_ref, '') || ' ' || payload::text)"
# SQLite keeps JSON as text already and has no ``::`` cast.
SQLITE_EXPRESSION = "lower(title || ' ' || coalesce(external_ref, '') || ' ' || payload)"
MAX_QUERY = 200
_DOCUMENT = re.compile(r"^[\d.\-/ ]+$")
_PT_AMOUNT = re.compile(r"^\d{1,3}(\.\d{3})*(,\d{1,2})?$|^\d+,\d{1,2}$")
_EN_AMOUNT = re.compile(r"^\d{1,3}(,\d{3})*(\.\d{1,2})?$|^\d+\.\d{1,2}$")


def search_terms(text: str) -> list[str]:
    """The strings a query is looked for as: itself, and its stored forms when it reads as a document
    number or an amount. Lower-cased, without duplicates, in that order."""
    query = text.strip()[:MAX_QUERY]
    terms = [query.lower()] if query else []
    digits = re.sub(r"\D", "", query)
    if _DOCUMENT.match(query) and len(digits) >= 5 and digits != query:
        terms.append(digits)
    amount = _amount(query)
    if amount is not None:
        terms.append(str(int(amount * 100)))
    return list(dict.fromkeys(term for term in terms if term))


def _amount(query: str) -> Decimal | None:
    """An amount as people write it, with or without a currency sign: "1.234,56", "1,234.56", "99,90"."""
    bare = re.sub(r"^[^\d]*", "", query.replace("\u00a0", " ")).replace(" ", "")
    if _PT_AMOUNT.match(bare):
        normal = bare.replace(".", "").replace(",", ".")
    elif _EN_AMOUNT.match(bare):
        normal = bare.replace(",", "")
    else:
        return None
    if "." not in normal and bare == query.strip():
        return None  # a bare whole number is already searched as typed
    try:
        return Decimal(normal)
    except InvalidOperation:
        return None


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_condition(text: str, *, postgres: bool) -> Combinable | None:
    """The condition a task list adds for a search box's text; None for an empty query."""
    terms = search_terms(text)
    if not terms:
        return None
    expression = SEARCH_EXPRESSION if postgres else SQLITE_EXPRESSION
    clause = " OR ".join(f"{expression} LIKE {{}} ESCAPE '\\'" for _ in terms)
    return WhereRaw(f"({clause})", *(_like_pattern(term) for term in terms))
