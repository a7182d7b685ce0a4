"""CSV for people's spreadsheets, safely: every report and export the product writes goes through this
module, sent as :data:`CSV_CONTENT_TYPE`.

OWASP's rule for CSV injection: a text value starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is prefixed with a single quote, so Excel, LibreOffice and Google Sheets show it as text.
Client-written text (a client's name, a task's title, a field value) ends up in exports staff open;
without this, "=HYPERLINK(…)" as a client's name would run on a staff member's machine from the SLA
report. Numbers the code passes as numbers (int, Decimal) are not text and are written as they are, so a
negative gap stays a number for the scripts that read the requirement grid back. (The audit page keeps
its own copy of the rule for now; both follow it and can converge here.)
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# What handlers give Litestar; it adds the charset of the response's encoding (UTF-8) itself, so the header
# sent is CSV_CONTENT_TYPE (naming the charset here too sent it twice).
CSV_MEDIA_TYPE = "text/csv"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def safe_row(values: Iterable[object]) -> list[str]:
    return [safe_cell(value) for value in values]


def neutralise(value: object) -> object:
    """A cell as it is safe to write: text is defused (:func:`safe_cell`), numbers stay numbers."""
    return value if isinstance(value, int | float | Decimal) else safe_cell(value)


def write_csv(rows: Iterable[Sequence[object]], *, delimiter: str = ",", lineterminator: str = "\r\n") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=lineterminator)
    writer.writerows([neutralise(cell) for cell in row] for row in rows)
    return out.getvalue()
