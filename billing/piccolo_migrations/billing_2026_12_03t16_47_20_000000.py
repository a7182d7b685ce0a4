"""Unique indexes of credit notes and of the document number sequences."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-03T16:47:20:000000"
VERSION = "1.38.0"
DESCRIPTION = "credit note and sequence indexes"

# The sequence's unique (series, year) is what the numbering's INSERT ... ON CONFLICT DO UPDATE takes its row
# lock on: one row per series and year, incremented in the issuing transaction.
STATEMENTS = (
    "CREATE UNIQUE INDEX IF NOT EXISTS billing_document_sequence_series_year"
    " ON billing_document_sequence (series, year)",
    "CREATE UNIQUE INDEX IF NOT EXISTS billing_credit_note_number ON billing_credit_note (number)",
    "CREATE INDEX IF NOT EXISTS billing_credit_note_tenant_invoice ON billing_credit_note (tenant_id, invoice_id)",
    "CREATE INDEX IF NOT EXISTS billing_credit_note_line_note ON billing_credit_note_line (credit_note_id, position)",
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="billing", description=DESCRIPTION)

    async def create_indexes() -> None:
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(create_indexes)
    return manager
