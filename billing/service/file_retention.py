"""The retention clause of contracts: for each client, how many days the contract in force keeps the files
of closed tasks. work.documents deletes them; billing, which owns the contracts, says when."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from billing.tables import Contract
from billing.terms import decode_terms
from retaguarda.tenancy import system_context


async def file_retention_by_client(at: datetime) -> dict[UUID, int]:
    """Per client whose contract in force at ``at`` sets a period, that period in days."""
    rows = await (
        system_context()
        .select(Contract, Contract.tenant_id, Contract.effective_from, Contract.terms)
        .where(Contract.effective_from <= at.date())
        .order_by(Contract.effective_from, ascending=False)
    )
    in_force: dict[UUID, int | None] = {}
    for row in rows:
        if row["tenant_id"] not in in_force:  # the latest version that has started
            in_force[row["tenant_id"]] = decode_terms(row["terms"]).file_retention_days
    return {tenant_id: days for tenant_id, days in in_force.items() if days is not None}
