"""Invoice and credit note numbers: one gap-free sequence per series and year for the whole provider."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, date, datetime

import pytest

from tests.billing.builders import add_contract, add_work, at
from tests.support.work import Floor
from tests.support.world import World


@pytest.mark.postgres
async def test_twenty_concurrent_finalizations_get_twenty_consecutive_numbers(
    world: World, floor: Floor
) -> None:
    admin = await world.sign_in("admin")
    drafts: list[str] = []
    for tenant_id in (world.client_a.id, world.client_b.id):
        await add_contract(admin, tenant_id)
        for month in range(1, 11):
            await add_work(floor, tenant_id, at(date(2026, month, 6), 10), 3600)
            run = await admin.post(
                "/api/v1/billing/invoices/runs",
                json={"tenantId": str(tenant_id), "month": f"2026-{month:02d}"},
            )
            assert run.status_code in (200, 201), run.text
            drafts.append(run.json()["id"])
    clients = [await world.sign_in("admin") for _ in range(4)]
    finalized = await asyncio.gather(
        *(
            clients[i % 4].post(f"/api/v1/billing/invoices/{invoice}/finalize")
            for i, invoice in enumerate(drafts)
        )
    )
    assert [r.status_code for r in finalized] == [200] * 20, [
        r.text for r in finalized if r.status_code != 200
    ]
    year = datetime.now(UTC).year
    numbers = sorted(r.json()["number"] for r in finalized)
    assert all(re.fullmatch(rf"{year}-\d{{6}}", n) for n in numbers)
    assert numbers == [f"{year}-{n:06d}" for n in range(1, 21)]
