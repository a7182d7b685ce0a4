"""A new contract version from the portal: account staff only, a client they reach, billing's own checks shown
next to the inputs, nothing written on refusal, and the version on the contracts page once saved."""

from __future__ import annotations

import json

import httpx

from billing.tables import Contract
from tests.billing.builders import add_contract
from tests.platform.portal.support import csrf_of, field_error, text_of
from tests.support.work import Floor


def _form(session: httpx.AsyncClient, /, **values: str) -> dict[str, str]:
    return {"csrf_token": csrf_of(session), **values}


def contract_form(client_id: object, **overrides: str) -> dict[str, str]:
    return {
        "client": str(client_id),
        "effective_from": "2027-02-01",
        "currency": "BRL",
        "default_hourly_rate": "1,234.50",
        "increment": "6",
        "rounding_mode": "nearest",
        "rounding_scope": "task",
        "weekend": "1.5",
        "holiday": "2",
        "out_of_hours": "1.25",
        "retainer_fee": "5,000.00",
        "included_hours": "40",
        "overage_rate": "150",
        "monthly_minimum": "1000",
        "below_0": "95",
        "credit_0": "5",
        "below_1": "90",
        "credit_1": "10",
        "tax_rate": "7.5",
        "tax_inclusive": "on",
        "payment_days": "15",
        "collection": "send_invoice",
        "note": "Year two",
        **overrides,
    }


async def test_form_is_for_account_staff_of_reachable_clients(floor: Floor) -> None:
    world = floor.world
    manager = await world.sign_in("account_manager")
    await add_contract(manager, world.client_a.id, {"defaultHourlyRate": "85.00"})
    page = await manager.get(f"/billing/contracts/new?client={world.client_a.id}")
    assert page.status_code == 200, page.text
    assert 'name="default_hourly_rate" type="text" value="85"' in page.text  # the latest version's terms
    listing = await manager.get(f"/billing/contracts?client={world.client_a.id}")
    assert f'href="/billing/contracts/new?client={world.client_a.id}"' in listing.text
    admin = await world.sign_in("admin")
    assert (await admin.get(f"/billing/contracts/new?client={world.client_a.id}")).status_code == 200
    # A client admin reads contracts but adds none; the floor's roles see no billing at all.
    a_admin = await world.sign_in("a_admin")
    assert "New contract version" not in (await a_admin.get("/billing/contracts")).text
    for who in ("a_admin", "supervisor", "operator"):
        person = await world.sign_in(who)
        assert (await person.get(f"/billing/contracts/new?client={world.client_a.id}")).status_code == 403
        posted = await person.post(
            "/billing/contracts", data=_form(person, **contract_form(world.client_a.id))
        )
        assert posted.status_code == 403, who
    # Client B is beyond the account manager's reach: as if it did not exist.
    assert (await manager.get(f"/billing/contracts/new?client={world.client_b.id}")).status_code == 404
    other = await manager.post("/billing/contracts", data=_form(manager, **contract_form(world.client_b.id)))
    assert other.status_code == 404
    assert await Contract.count().where(Contract.tenant_id == world.client_b.id) == 0  # scope: test


async def test_refusals_show_inline_and_write_nothing(floor: Floor) -> None:
    world = floor.world
    manager = await world.sign_in("account_manager")
    url = "/billing/contracts"
    unreadable = await manager.post(
        url, data=_form(manager, **contract_form(world.client_a.id, default_hourly_rate="", rate_0="abc"))
    )
    assert unreadable.status_code == 422
    assert field_error(unreadable.text, "default_hourly_rate") == "This field is required."
    assert field_error(unreadable.text, "rate_type_0") == "Choose a task type."
    assert field_error(unreadable.text, "rate_0") == "Enter a number."
    refused = await manager.post(
        url,
        data=_form(
            manager, **contract_form(world.client_a.id, tax_rate="150", weekend="0.5", credit_1="120")
        ),
    )
    assert refused.status_code == 422
    assert field_error(refused.text, "tax_rate") == "Use 0 to 100."
    assert field_error(refused.text, "weekend") == "Use a multiplier of 1 to 10."
    assert field_error(refused.text, "credit_1") == "Use 0 to 100."
    assert 'value="1,234.50"' in refused.text  # what was typed stays typed
    retainer = await manager.post(
        url, data=_form(manager, **contract_form(world.client_a.id, included_hours=""))
    )
    assert field_error(retainer.text, "included_hours") == "This field is required."
    token = csrf_of(manager)
    manager.headers.pop("X-CSRF-Token")
    assert (await manager.post(url, data=contract_form(world.client_a.id))).status_code == 403
    manager.headers["X-CSRF-Token"] = token
    assert await Contract.count() == 0  # scope: test


async def test_a_saved_version_shows_on_the_contracts_page(floor: Floor) -> None:
    world = floor.world
    manager = await world.sign_in("account_manager")
    form = contract_form(world.client_a.id, rate_type_0=str(floor.type_a), rate_0="99.90")
    saved = await manager.post("/billing/contracts", data=_form(manager, **form))
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == f"/billing/contracts?client={world.client_a.id}&notice=contract"
    page = text_of((await manager.get(saved.headers["location"])).text)
    assert "The new contract version was saved." in page
    assert "1,234.50" in page and "Hours included: 40.0" in page and "Year two" in page
    row = await Contract.select().where(Contract.tenant_id == world.client_a.id).first()  # scope: test
    assert row is not None
    terms = row["terms"] if isinstance(row["terms"], dict) else json.loads(row["terms"])
    assert terms["rounding"] == {"incrementMinutes": 6, "mode": "nearest", "scope": "task"}
    assert terms["hourlyRates"] == [{"rate": "99.90", "taskTypeId": str(floor.type_a), "skillLevel": None}]
    assert terms["tax"] == {"ratePercent": "7.5", "inclusive": True}
    assert terms["retainer"]["fee"] == "5000.00"
    # The same date twice is refused next to the date.
    again = await manager.post("/billing/contracts", data=_form(manager, **form))
    assert again.status_code == 422
    assert field_error(again.text, "effective_from") == "A version starts on this date already."


async def test_amounts_are_typed_the_viewers_way(floor: Floor) -> None:
    world = floor.world
    manager = await world.sign_in("account_manager")
    switched = await manager.post("/profile/language", data=_form(manager, locale="pt_BR", next="/billing"))
    assert switched.status_code == 303
    form = contract_form(
        world.client_a.id,
        default_hourly_rate="1.234,56",
        retainer_fee="5.000,00",
        included_hours="40,5",
        tax_rate="7,5",
        weekend="1,5",
        credit_1="120",
    )
    refused = await manager.post("/billing/contracts", data=_form(manager, **form))
    assert field_error(refused.text, "credit_1") == "Este valor está fora do intervalo permitido."
    saved = await manager.post("/billing/contracts", data=_form(manager, **{**form, "credit_1": "10"}))
    assert saved.status_code == 303, saved.text
    row = await Contract.select().first()  # scope: test
    assert row is not None
    terms = row["terms"] if isinstance(row["terms"], dict) else json.loads(row["terms"])
    assert terms["defaultHourlyRate"] == "1234.56" and terms["retainer"]["includedHours"] == "40.5"
    assert terms["surcharges"]["weekend"] == "1.5" and terms["tax"]["ratePercent"] == "7.5"
    page = text_of((await manager.get(saved.headers["location"])).text)
    assert "A nova versão do contrato foi salva." in page and "1.234,56" in page
    # The next version starts from these terms, shown the same way.
    again = await manager.get(f"/billing/contracts/new?client={world.client_a.id}")
    assert 'value="1234,56"' in again.text and 'value="40,5"' in again.text
