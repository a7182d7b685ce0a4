"""Credit notes against finalized invoices: partial and full, never more than the invoice, numbered in their
own sequence, shown with the invoice to the client, and issued in Stripe (localstripe) when the invoice is."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import httpx

from billing.service import stripe_sync
from billing.tables import CreditNote
from tests.billing.builders import add_contract, add_work, at
from tests.support.work import Floor
from tests.support.world import World


async def _finalized(world: World, floor: Floor) -> tuple[httpx.AsyncClient, dict[str, Any]]:
    manager = await world.sign_in("account_manager")
    await add_contract(manager, world.client_a.id, {"tax": {"ratePercent": "10"}})
    await add_work(floor, world.client_a.id, at(date(2026, 10, 6), 10), 7200)  # 2 h at 100 = 200, tax 20
    run = await manager.post(
        "/api/v1/billing/invoices/runs", json={"tenantId": str(world.client_a.id), "month": "2026-10"}
    )
    finalized = await manager.post(f"/api/v1/billing/invoices/{run.json()['id']}/finalize")
    assert finalized.status_code == 200, finalized.text
    return manager, finalized.json()


def _line(invoice: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(line for line in invoice["lines"] if line["kind"] == kind)


async def test_partial_then_full_credit_never_more_than_the_invoice(world: World, floor: Floor) -> None:
    manager, invoice = await _finalized(world, floor)
    assert invoice["totalMinor"] == 22000
    url = f"/api/v1/billing/invoices/{invoice['id']}/credit-notes"
    hours = _line(invoice, "hours")
    partial = await manager.post(
        url,
        json={
            "reason": "service_issue",
            "memo": "Two tasks redone",
            "lines": [
                {"invoiceLineId": hours["id"], "amount": "50.00"},
                {"invoiceLineId": _line(invoice, "tax")["id"], "amount": "5.00"},
            ],
        },
    )
    assert partial.status_code == 201, partial.text
    year = datetime.now(UTC).year
    assert partial.json()["number"] == f"CN-{year}-000001" and partial.json()["totalMinor"] == 5500
    too_much = await manager.post(
        url, json={"reason": "billing_error", "lines": [{"invoiceLineId": hours["id"], "amount": "150.01"}]}
    )
    assert too_much.status_code == 422 and too_much.json()["errors"][0]["code"] == "exceeds_line"
    full = await manager.post(url, json={"reason": "duplicate"})
    assert full.status_code == 201 and full.json()["totalMinor"] == 16500
    assert full.json()["number"] == f"CN-{year}-000002"
    again = await manager.post(url, json={"reason": "duplicate"})
    assert again.status_code == 409 and again.json()["errors"][0]["code"] == "fully_credited"
    # The invoice is unchanged, says what was credited and lists its credit notes, for the client too.
    client = await world.sign_in("a_admin")
    detail = (await client.get(f"/api/v1/billing/invoices/{invoice['id']}")).json()
    assert detail["totalMinor"] == 22000 and detail["creditedMinor"] == 22000 and detail["status"] == "open"
    assert [n["number"] for n in detail["creditNotes"]] == [f"CN-{year}-000001", f"CN-{year}-000002"]
    assert detail["creditNotes"][0]["lines"][0]["description"]  # the credited line, described
    assert (await client.post(url, json={"reason": "goodwill"})).status_code == 403
    other = await world.sign_in("b_admin")
    assert (await other.get(f"/api/v1/billing/invoices/{invoice['id']}")).status_code == 404


async def test_only_finalized_invoices_are_credited(world: World, floor: Floor) -> None:
    manager = await world.sign_in("account_manager")
    await add_contract(manager, world.client_a.id)
    await add_work(floor, world.client_a.id, at(date(2026, 10, 6), 10), 3600)
    draft = await manager.post(
        "/api/v1/billing/invoices/runs", json={"tenantId": str(world.client_a.id), "month": "2026-10"}
    )
    refused = await manager.post(
        f"/api/v1/billing/invoices/{draft.json()['id']}/credit-notes", json={"reason": "other"}
    )
    assert refused.status_code == 409 and refused.json()["errors"][0]["code"] == "not_creditable"
    assert await CreditNote.count() == 0  # scope: test


async def test_a_credit_note_reaches_stripe(world: World, floor: Floor, stripe_on: str) -> None:
    manager, invoice = await _finalized(world, floor)
    await world.settle_jobs()
    issued = await manager.post(
        f"/api/v1/billing/invoices/{invoice['id']}/credit-notes",
        json={"reason": "duplicate", "memo": "Billed twice"},
    )
    assert issued.status_code == 201, issued.text
    await world.settle_jobs()
    row = await CreditNote.select().where(CreditNote.id == UUID(issued.json()["id"])).first()  # scope: test
    assert row is not None and row["stripe_credit_note_id"]
    remote = await stripe_sync.stripe_client().v1.credit_notes.retrieve_async(row["stripe_credit_note_id"])
    assert remote.amount == 22000 and remote.reason == "duplicate"
    assert remote.metadata["number"] == issued.json()["number"]
