"""Unique and composite indexes of the billing app."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-28T22:11:35:000000"
VERSION = "1.38.0"
DESCRIPTION = "billing indexes"

# Unique indexes (SQLite cannot add constraints to a table); tenant_id leads each one. The partial index is
# what makes re-running a period safe: one invoice that is not void per client and period start, whichever
# run gets there first. The time_entry index finds the time an invoice locked (void, explanations).
STATEMENTS = (
    "CREATE UNIQUE INDEX IF NOT EXISTS billing_contract_tenant_from"
    " ON billing_contract (tenant_id, effective_from)",
    "CREATE UNIQUE INDEX IF NOT EXISTS billing_invoice_tenant_period"
    " ON billing_invoice (tenant_id, period_start) WHERE status <> 'void'",
    "CREATE UNIQUE INDEX IF NOT EXISTS billing_invoice_number ON billing_invoice (number)",
    "CREATE INDEX IF NOT EXISTS billing_invoice_tenant_created ON billing_invoice (tenant_id, created_at)",
    "CREATE INDEX IF NOT EXISTS billing_invoice_stripe ON billing_invoice (stripe_invoice_id)",
    "CREATE INDEX IF NOT EXISTS billing_invoice_line_invoice ON billing_invoice_line (invoice_id, position)",
    "CREATE UNIQUE INDEX IF NOT EXISTS billing_invoiced_task_tenant_task"
    " ON billing_invoiced_task (tenant_id, task_id)",
    "CREATE UNIQUE INDEX IF NOT EXISTS billing_account_tenant ON billing_account (tenant_id)",
    "CREATE INDEX IF NOT EXISTS billing_time_entry_invoice ON time_entry (invoice_id)",
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="billing", description=DESCRIPTION)

    async def create_indexes() -> None:
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(create_indexes)
    return manager
