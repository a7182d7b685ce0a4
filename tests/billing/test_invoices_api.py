"""The invoice lifecycle through the API: contracts, runs, adjustments, finalize, void, re-issue, access."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

import httpx

from billing.tables import Invoice
from retaguarda.work.tables import TimeEntry
from tenants.tables import BusinessCalendar
from tests.billing.builders import add_contract, add_item_type, add_work, at
from tests.support.work import Floor
from tests.support.world import World

OCT = date(2026, 10, 1)


async def _setup(world: World, floor: Floor, terms: dict[str, Any] | None = None) -> httpx.AsyncClient:
    manager = await world.sign_in("account_manager")
    await add_contract(manager, world.client_a.id, terms)
    return manager


async def _run(client: httpx.AsyncClient, tenant_id: object, month: str = "2026-10") -> httpx.Response:
    return await client.post(
        "/api/v1/billing/invoices/runs", json={"tenantId": str(tenant_id), "month": month}
    )


def _sum_lines(invoice: dict[str, Any]) -> int:
    return sum(line["amountMinor"] for line in invoice["lines"] if not line["included"])


async def test_run_builds_a_draft_with_explainable_lines(world: World, floor: Floor) -> None:
    manager = await _setup(
        world,
        floor,
        {
            "rounding": {"incrementMinutes": 15, "mode": "up", "scope": "entry"},
            "surcharges": {"holiday": "2", "weekend": "1.5", "outOfHours": "1.25"},
            "tax": {"ratePercent": "10"},
        },
    )
    a = world.client_a.id
    await BusinessCalendar.update({BusinessCalendar.holiday_country: "BR"}).where(
        BusinessCalendar.tenant_id == a
    )
    await add_work(floor, a, at(date(2026, 10, 6), 10), 7 * 60)  # Tuesday, business hours
    await add_work(floor, a, at(date(2026, 10, 6), 11), 7 * 60)
    await add_work(floor, a, at(date(2026, 10, 12), 10), 3600)  # Our Lady of Aparecida, a holiday
    await add_work(floor, a, at(date(2026, 11, 2), 10), 3600)  # next month: not in October
    response = await _run(manager, a)
    assert response.status_code == 200, response.text
    invoice = response.json()
    assert invoice["status"] == "draft" and invoice["currency"] == "BRL"
    kinds = {line["kind"]: line for line in invoice["lines"]}
    assert kinds["hours"]["billedSeconds"] == 2 * 900 + 3600
    assert kinds["hours"]["rawSeconds"] == 2 * 420 + 3600
    assert kinds["hours"]["amountMinor"] == 15000
    assert kinds["surcharge"]["category"] == "holiday" and kinds["surcharge"]["amountMinor"] == 10000
    assert kinds["tax"]["amountMinor"] == 2500
    assert invoice["totalMinor"] == 27500 == _sum_lines(invoice)
    explained = await manager.get(
        f"/api/v1/billing/invoices/{invoice['id']}/lines/{kinds['surcharge']['id']}/entries"
    )
    assert explained.status_code == 200, explained.text
    assert [item["rawSeconds"] for item in explained.json()["items"]] == [3600]
    hours = await manager.get(
        f"/api/v1/billing/invoices/{invoice['id']}/lines/{kinds['hours']['id']}/entries"
    )
    assert sorted(item["billedSeconds"] for item in hours.json()["items"]) == [900, 900, 3600]


async def test_rerun_never_duplicates_and_finalize_locks(world: World, floor: Floor) -> None:
    manager = await _setup(world, floor)
    a = world.client_a.id
    entry = await add_work(floor, a, at(date(2026, 10, 6), 10), 3600)
    first = (await _run(manager, a)).json()
    await add_work(floor, a, at(date(2026, 10, 7), 10), 1800)
    second = (await _run(manager, a)).json()
    assert second["id"] == first["id"] and second["totalMinor"] == 15000
    adjusted = await manager.post(
        f"/api/v1/billing/invoices/{first['id']}/adjustments",
        json={"amount": "-20.00", "reason": "Onboarding discount"},
    )
    assert adjusted.status_code == 201, adjusted.text
    assert adjusted.json()["totalMinor"] == 13000
    bad = await manager.post(
        f"/api/v1/billing/invoices/{first['id']}/adjustments", json={"amount": "1.001", "reason": "x"}
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "amount"
    finalized = await manager.post(f"/api/v1/billing/invoices/{first['id']}/finalize")
    assert finalized.status_code == 200, finalized.text
    body = finalized.json()
    # Numbered in the provider's gap-free sequence of the year it was issued.
    assert body["status"] == "open" and body["number"] == f"{datetime.now(UTC).year}-000001"
    assert body["totalMinor"] == 13000 and body["paymentStatus"] == "due"
    locked = await TimeEntry.select(TimeEntry.invoice_id).where(TimeEntry.id == entry).first()
    assert locked is not None and str(locked["invoice_id"]) == first["id"]
    again = await _run(manager, a)
    assert again.json()["id"] == first["id"] and again.json()["status"] == "open"
    assert await Invoice.count() == 1
    refused = await manager.post(
        f"/api/v1/billing/invoices/{first['id']}/adjustments", json={"amount": "1.00", "reason": "late"}
    )
    assert refused.status_code == 409
    # A version starting inside the invoiced period would re-price invoiced time: refused.
    version = await manager.post(
        "/api/v1/billing/contracts",
        json={"tenantId": str(a), "effectiveFrom": "2026-10-15", "terms": {"defaultHourlyRate": "1.00"}},
    )
    assert version.status_code == 409


async def test_void_releases_time_for_a_reissue(world: World, floor: Floor) -> None:
    manager = await _setup(world, floor)
    a = world.client_a.id
    entry = await add_work(floor, a, at(date(2026, 10, 6), 10), 3600)
    invoice = (await _run(manager, a)).json()
    await manager.post(f"/api/v1/billing/invoices/{invoice['id']}/finalize")
    no_reason = await manager.post(f"/api/v1/billing/invoices/{invoice['id']}/void", json={})
    assert no_reason.status_code == 422
    voided = await manager.post(
        f"/api/v1/billing/invoices/{invoice['id']}/void", json={"reason": "Wrong rate"}
    )
    assert voided.status_code == 200 and voided.json()["status"] == "void"
    released = await TimeEntry.select(TimeEntry.invoice_id).where(TimeEntry.id == entry).first()
    assert released is not None and released["invoice_id"] is None
    reissued = (await _run(manager, a)).json()
    assert reissued["id"] != invoice["id"] and reissued["replacesId"] == invoice["id"]
    assert reissued["totalMinor"] == 10000


async def test_items_retainer_and_contract_versions(world: World, floor: Floor) -> None:
    a = world.client_a.id
    boleto = await add_item_type(a)
    manager = await world.sign_in("account_manager")
    await add_contract(manager, a, {"itemPrices": [{"taskTypeId": str(boleto), "price": "2.50"}]})
    await add_contract(
        manager,
        a,
        {
            "defaultHourlyRate": "200.00",
            "retainer": {"fee": "1000.00", "includedHours": "1", "overageRate": "150.00"},
            "itemPrices": [{"taskTypeId": str(boleto), "price": "3.00"}],
        },
        effective_from="2026-10-16",
    )
    await add_work(floor, a, at(date(2026, 10, 6), 10), 3600)  # version 1: 100.00/h
    await add_work(floor, a, at(date(2026, 10, 20), 10), 3600)  # version 2: 200.00/h
    await add_work(floor, a, at(date(2026, 10, 5), 10), 600, task_type_id=boleto)  # item under v1
    await add_work(floor, a, at(date(2026, 10, 21), 10), 600, task_type_id=boleto)  # item under v2
    invoice = (await _run(manager, a)).json()
    lines = invoice["lines"]
    items = sorted(line["amountMinor"] for line in lines if line["kind"] == "items")
    assert items == [250, 300]
    # The period's rules come from the version in force on the 1st: no retainer in October.
    assert not [line for line in lines if line["kind"] in {"retainer", "overage"}]
    hours = sorted(line["amountMinor"] for line in lines if line["kind"] == "hours")
    assert hours == [10000, 20000]
    assert invoice["totalMinor"] == 30550 == _sum_lines(invoice)


async def test_validation_and_roles(world: World, floor: Floor) -> None:
    manager = await world.sign_in("account_manager")
    a = world.client_a.id
    bad = await manager.post(
        "/api/v1/billing/contracts",
        json={
            "tenantId": str(a),
            "effectiveFrom": "2026-01-01",
            "terms": {"defaultHourlyRate": "-1", "x": 1},
        },
    )
    assert bad.status_code == 422
    negative = await manager.post(
        "/api/v1/billing/contracts",
        json={
            "tenantId": str(a),
            "effectiveFrom": "2026-01-01",
            "terms": {"defaultHourlyRate": "-1", "surcharges": {"weekend": "0.5"}},
        },
    )
    assert negative.status_code == 422
    assert {e["field"] for e in negative.json()["errors"]} == {
        "terms.defaultHourlyRate",
        "terms.surcharges.weekend",
    }
    await add_contract(manager, a)
    duplicate = await manager.post(
        "/api/v1/billing/contracts",
        json={"tenantId": str(a), "effectiveFrom": "2026-01-01", "terms": {"defaultHourlyRate": "1"}},
    )
    assert duplicate.status_code == 409
    assert (await manager.post("/api/v1/billing/invoices/runs", json={"tenantId": str(a)})).status_code == 422
    future = await _run(manager, a, "2030-01")
    assert future.status_code == 422
    provider = await _run(manager, world.provider.id)
    assert provider.status_code == 404
    for who in ("a_admin", "a_member", "operator", "supervisor"):
        client = await world.sign_in(who)
        assert (await _run(client, a)).status_code == 403, who
    for who in ("a_member", "operator", "supervisor"):
        client = await world.sign_in(who)
        assert (await client.get("/api/v1/billing/invoices")).status_code == 403, who
    no_scope = await world.api_key_client("a_admin", ["tasks:read"])
    assert (await no_scope.get("/api/v1/billing/invoices")).status_code == 403
    with_scope = await world.api_key_client("a_admin", ["billing:read"])
    assert (await with_scope.get("/api/v1/billing/invoices")).status_code == 200


async def test_foreign_tenant_is_404_everywhere_and_clients_see_only_their_invoices(
    world: World, floor: Floor
) -> None:
    admin = await world.sign_in("admin")
    a, b = world.client_a.id, world.client_b.id
    await add_contract(admin, a)
    b_contract = await add_contract(admin, b)
    await add_work(floor, a, at(date(2026, 10, 6), 10), 3600)
    await add_work(floor, b, at(date(2026, 10, 6), 10), 3600)
    invoice_a = (await _run(admin, a)).json()
    invoice_b = (await _run(admin, b)).json()
    assert invoice_b["currency"] == "EUR"
    # The client admin does not see the draft; once finalized, it does.
    a_admin = await world.sign_in("a_admin")
    assert (await a_admin.get(f"/api/v1/billing/invoices/{invoice_a['id']}")).status_code == 404
    await admin.post(f"/api/v1/billing/invoices/{invoice_a['id']}/finalize")
    await admin.post(f"/api/v1/billing/invoices/{invoice_b['id']}/finalize")
    listed = (await a_admin.get("/api/v1/billing/invoices")).json()["items"]
    assert [i["id"] for i in listed] == [invoice_a["id"]]
    assert (await a_admin.get(f"/api/v1/billing/invoices/{invoice_a['id']}")).status_code == 200
    line_b = invoice_b["lines"][0]["id"]
    b_id = invoice_b["id"]
    manager = await world.sign_in("account_manager")  # owns client A only
    for client in (a_admin, manager):
        for method, path, body in [
            ("GET", f"/api/v1/billing/invoices/{b_id}", None),
            ("GET", f"/api/v1/billing/invoices/{b_id}/html", None),
            ("GET", f"/api/v1/billing/invoices/{b_id}/lines/{line_b}/entries", None),
            ("GET", f"/api/v1/billing/contracts/{b_contract['id']}", None),
            ("GET", f"/api/v1/billing/consumption?tenantId={b}", None),
        ]:
            response = await client.request(method, path, json=body)
            assert response.status_code in {404}, (path, response.status_code)
        assert (await client.get(f"/api/v1/billing/invoices?tenantId={b}")).json()["items"] == []
        assert (await client.get(f"/api/v1/billing/contracts?tenantId={b}")).json()["items"] == []
    for method, path, body in [
        ("POST", f"/api/v1/billing/invoices/{b_id}/finalize", None),
        ("POST", f"/api/v1/billing/invoices/{b_id}/void", {"reason": "x"}),
        ("POST", f"/api/v1/billing/invoices/{b_id}/adjustments", {"amount": "1.00", "reason": "x"}),
        ("DELETE", f"/api/v1/billing/invoices/{b_id}/adjustments/{uuid4()}", None),
        ("POST", "/api/v1/billing/invoices/runs", {"tenantId": str(b), "month": "2026-10"}),
        (
            "POST",
            "/api/v1/billing/contracts",
            {"tenantId": str(b), "effectiveFrom": "2027-01-01", "terms": {"defaultHourlyRate": "1"}},
        ),
    ]:
        response = await manager.request(method, path, json=body)
        assert response.status_code == 404, (path, response.status_code, response.text)


async def test_html_invoice_in_the_client_locale(world: World, floor: Floor) -> None:
    manager = await _setup(world, floor, {"tax": {"ratePercent": "5"}})
    a = world.client_a.id
    await add_work(floor, a, at(date(2026, 10, 6), 10), 12 * 3600)
    invoice = (await _run(manager, a)).json()
    page = await manager.get(f"/api/v1/billing/invoices/{invoice['id']}/html")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text.replace("\u00a0", " ")
    assert 'lang="pt-BR"' in html
    assert "R$ 1.200,00" in html and "R$ 1.260,00" in html
    english = await manager.get(f"/api/v1/billing/invoices/{invoice['id']}/html?locale=en")
    assert "R$1,260.00" in english.text


async def test_consumption_against_the_retainer(world: World, floor: Floor) -> None:
    manager = await _setup(
        world, floor, {"retainer": {"fee": "1000.00", "includedHours": "10", "overageRate": "150.00"}}
    )
    a = world.client_a.id
    from datetime import UTC, datetime, timedelta

    today = datetime.now(UTC)
    await add_work(floor, a, today - timedelta(hours=3), 3 * 3600)
    a_admin = await world.sign_in("a_admin")
    response = await a_admin.get("/api/v1/billing/consumption")
    assert response.status_code == 200, response.text
    body = response.json()
    if body["periodStart"] == today.astimezone().date().replace(day=1).isoformat():
        assert body["billedHours"] == "3"
        assert body["remainingHours"] == "7"
    assert body["includedHours"] == "10" and body["currency"] == "BRL"
    assert (await manager.get("/api/v1/billing/consumption")).status_code == 422
