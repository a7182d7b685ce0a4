"""CSV for people's spreadsheets, safely: a cell a spreadsheet would run as a formula is defused.

OWASP's rule for CSV injection: a value starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is prefixed with a single quote, so Excel, LibreOffice and Google Sheets show it as text. Client-written
text (a task's title, a field value) ends up in exports staff open; without this, "=HYPERLINK(…)" in a title
would run on a staff member's machine. One helper for every export (the audit page keeps its own copy for
now; both follow the same rule and can converge here).
"""

from __future__ import annotations

from collections.abc import Iterable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def safe_row(values: Iterable[object]) -> list[str]:
    return [safe_cell(value) for value in values]
