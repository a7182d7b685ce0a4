"""The CSV import service: what the API and the portal call."""

from retaguarda.work.imports.service.importing import ANNOUNCE_JOB, run_import
from retaguarda.work.imports.service.reports import get_import, list_import_rows, list_imports
from retaguarda.work.imports.service.upload import IMPORT_JOB, MAX_CSV_BYTES, CsvUpload, create_import

__all__ = [
    "ANNOUNCE_JOB",
    "IMPORT_JOB",
    "MAX_CSV_BYTES",
    "CsvUpload",
    "create_import",
    "get_import",
    "list_import_rows",
    "list_imports",
    "run_import",
]
