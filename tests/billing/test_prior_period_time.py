"""Time recorded after its period was invoiced: billed once, by the client's next invoice, as prior-period
time rated under the contract version in force when the work was done, and explainable down to its entries."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx

from retaguarda.work.tables import TimeEntry
from tests.billing.builders import add_contract, add_work, at
from tests.support.work import Floor
from tests.support.world import World


async def _run(client: httpx.AsyncClient, tenant_id: object, month: str) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/billing/invoices/runs", json={"tenantId": str(tenant_id), "month": month}
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def _finalize(client: httpx.AsyncClient, invoice: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(f"/api/v1/billing/invoices/{invoice['id']}/finalize")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def _entries(client: httpx.AsyncClient, invoice: dict[str, Any], line: dict[str, Any]) -> list[int]:
    response = await client.get(f"/api/v1/billing/invoices/{invoice['id']}/lines/{line['id']}/entries")
    assert response.status_code == 200, response.text
    return sorted(item["rawSeconds"] for item in response.json()["items"])


def _prior(invoice: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {line["kind"]: line for line in invoice["lines"] if line["detail"].get("priorPeriod")}


async def test_late_time_is_billed_by_the_next_invoice(world: World, floor: Floor) -> None:
    manager = await world.sign_in("account_manager")
    a, b = world.client_a.id, world.client_b.id
    await add_contract(manager, a, {"surcharges": {"weekend": "1.5"}})
    admin = await world.sign_in("admin")
    await add_contract(admin, b)
    await add_work(floor, a, at(date(2026, 9, 8), 10), 3600)
    september = await _finalize(manager, await _run(manager, a, "2026-09"))
    assert september["totalMinor"] == 10000

    # Recorded after September was finalized: two hours on a Wednesday, one on a Saturday (and client B's
    # September, which has no invoice, stays B's).
    late_weekday = await add_work(floor, a, at(date(2026, 9, 9), 10), 7200)
    late_weekend = await add_work(floor, a, at(date(2026, 9, 12), 10), 3600)
    await add_work(floor, b, at(date(2026, 9, 9), 10), 3600)
    # October is priced by a new version; September's time keeps September's price.
    await add_contract(manager, a, {"defaultHourlyRate": "200.00"}, effective_from="2026-10-01")
    await add_work(floor, a, at(date(2026, 10, 6), 10), 3600)

    october = await _run(manager, a, "2026-10")
    prior = _prior(october)
    assert set(prior) == {"hours", "surcharge"}
    assert prior["hours"]["amountMinor"] == 30000 and prior["hours"]["unitPrice"] == "100.00"
    assert prior["hours"]["rawSeconds"] == 3 * 3600 and prior["hours"]["entries"] == 2
    assert prior["hours"]["description"].startswith("Prior-period time: ")
    assert prior["surcharge"]["amountMinor"] == 5000 and prior["surcharge"]["category"] == "weekend"
    own = [line for line in october["lines"] if not line["detail"].get("priorPeriod")]
    assert [(line["kind"], line["amountMinor"]) for line in own] == [("hours", 20000)]
    assert october["totalMinor"] == 55000
    assert await _entries(manager, october, prior["hours"]) == [3600, 7200]
    assert await _entries(manager, october, prior["surcharge"]) == [3600]
    assert await _entries(manager, october, own[0]) == [3600]

    # Finalizing October locks the late time to it: explained from the lock, and never billed again.
    october = await _finalize(manager, october)
    assert october["totalMinor"] == 55000
    locked = await TimeEntry.select(TimeEntry.invoice_id).where(
        TimeEntry.id.is_in([late_weekday, late_weekend])
    )
    assert {str(row["invoice_id"]) for row in locked} == {october["id"]}
    assert await _entries(manager, october, _prior(october)["hours"]) == [3600, 7200]
    november = await _run(manager, a, "2026-11")
    assert not _prior(november) and november["totalMinor"] == 0

    # Voiding October releases it; its re-issue bills the late time again, once.
    voided = await manager.post(
        f"/api/v1/billing/invoices/{october['id']}/void", json={"reason": "Wrong address"}
    )
    assert voided.status_code == 200, voided.text
    reissued = await _run(manager, a, "2026-10")
    assert reissued["id"] != october["id"] and reissued["totalMinor"] == 55000
    assert _prior(reissued)["hours"]["amountMinor"] == 30000


async def test_time_of_a_period_never_invoiced_is_not_prior_period_time(world: World, floor: Floor) -> None:
    """Time of a month that has only a draft (or nothing) waits for that month's own invoice."""
    manager = await world.sign_in("account_manager")
    a = world.client_a.id
    await add_contract(manager, a)
    await add_work(floor, a, at(date(2026, 9, 8), 10), 3600)
    await _run(manager, a, "2026-09")  # a draft only
    await add_work(floor, a, at(date(2026, 10, 6), 10), 3600)
    october = await _run(manager, a, "2026-10")
    assert not _prior(october) and october["totalMinor"] == 10000


async def test_late_items_are_billed_once_by_the_next_invoice(world: World, floor: Floor) -> None:
    """A per-item task completed inside a month whose invoice was already finalized is billed by the next
    invoice as a prior-period item (it once was never billed at all), and only once."""
    from tests.billing.builders import add_item_type

    a = world.client_a.id
    boleto = await add_item_type(a)
    manager = await world.sign_in("account_manager")
    await add_contract(manager, a, {"itemPrices": [{"taskTypeId": str(boleto), "price": "2.50"}]})
    await add_work(floor, a, at(date(2026, 9, 5), 10), 600, task_type_id=boleto)
    september = await _finalize(manager, await _run(manager, a, "2026-09"))
    assert [line["amountMinor"] for line in september["lines"] if line["kind"] == "items"] == [250]
    await add_work(floor, a, at(date(2026, 9, 9), 10), 600, task_type_id=boleto)  # completed after it
    october = await _finalize(manager, await _run(manager, a, "2026-10"))
    late = _prior(october)
    assert late["items"]["quantity"] == "1" and late["items"]["amountMinor"] == 250, october["lines"]
    november = await _run(manager, a, "2026-11")
    assert not [line for line in november["lines"] if line["kind"] == "items"]
