"""API keys and business calendars."""

from __future__ import annotations

from typing import Any

import pytest

from tenants.tables import ApiKey, BusinessCalendar
from tests.support.world import World

CALENDAR: dict[str, Any] = {
    "name": "Back office SP",
    "timezone": "America/Sao_Paulo",
    "weeklyHours": [
        {"weekday": d, "start": s, "end": e}
        for d in range(5)
        for s, e in (("08:00", "12:00"), ("13:00", "18:00"))
    ]
    + [{"weekday": 5, "start": "22:00", "end": "06:00"}],
    "holidayCountry": "BR",
    "holidaySubdivision": "SP",
    "closedDates": ["2026-12-24", "2026-12-31"],
}


async def test_api_keys_are_listed_per_tenant_and_foreign_ones_are_404(world: World) -> None:
    a_admin = await world.sign_in("a_admin")
    b_admin = await world.sign_in("b_admin")
    a_key = (await a_admin.post("/api/v1/api-keys", json={"name": "erp", "scopes": ["tasks:write"]})).json()
    b_key = (await b_admin.post("/api/v1/api-keys", json={"name": "erp", "scopes": ["tasks:write"]})).json()
    assert a_key["tenantId"] == str(world.client_a.id) and b_key["tenantId"] == str(world.client_b.id)
    listed = (await a_admin.get("/api/v1/api-keys")).json()["items"]
    assert [k["id"] for k in listed] == [a_key["id"]]
    assert (await a_admin.delete(f"/api/v1/api-keys/{b_key['id']}")).status_code == 404
    stored = await ApiKey.objects().where(ApiKey.id == b_key["id"]).first()
    assert stored is not None and stored.revoked_at is None
    # A client admin cannot create a key for another tenant by naming it.
    sneaky = await a_admin.post(
        "/api/v1/api-keys",
        json={"name": "sneaky", "scopes": ["tasks:read"], "tenantId": str(world.client_b.id)},
    )
    assert sneaky.status_code == 201 and sneaky.json()["tenantId"] == str(world.client_a.id)
    duplicate = await a_admin.post("/api/v1/api-keys", json={"name": "erp", "scopes": ["tasks:read"]})
    assert duplicate.status_code == 409


async def test_provider_admin_creates_a_key_for_a_client(world: World) -> None:
    admin = await world.sign_in("admin")
    created = await admin.post(
        "/api/v1/api-keys",
        json={"name": "onboarding", "scopes": ["tasks:write"], "tenantId": str(world.client_b.id)},
    )
    assert created.status_code == 201
    key_client = world.anonymous()
    key_client.headers["Authorization"] = f"Bearer {created.json()['key']}"
    me = (await key_client.get("/api/v1/me")).json()
    assert me["tenant"]["id"] == str(world.client_b.id)
    assert me["role"] == "client_admin" and me["scopes"] == ["tasks:write"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "k", "scopes": []}, "scopes"),
        ({"name": "k", "scopes": ["rocket:launch"]}, "scopes[0]"),
        ({"name": "", "scopes": ["tasks:read"]}, "name"),
        ({"name": "k", "scopes": ["tasks:read"], "expiresAt": "2001-01-01T00:00:00Z"}, "expiresAt"),
    ],
)
async def test_bad_api_key_input(world: World, body: dict[str, Any], field: str) -> None:
    response = await (await world.sign_in("a_admin")).post("/api/v1/api-keys", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field
    assert await ApiKey.count() == 0


async def test_account_manager_keeps_calendars_of_its_clients(world: World) -> None:
    manager = await world.sign_in("account_manager")
    created = await manager.post("/api/v1/calendars", json={**CALENDAR, "tenantId": str(world.client_a.id)})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["tenantId"] == str(world.client_a.id)
    assert body["closedDates"] == ["2026-12-24", "2026-12-31"]
    assert {"weekday": 5, "start": "22:00", "end": "06:00"} in body["weeklyHours"]
    foreign = await manager.post("/api/v1/calendars", json={**CALENDAR, "tenantId": str(world.client_b.id)})
    assert foreign.status_code == 404
    made_default = await manager.patch(f"/api/v1/calendars/{body['id']}", json={"isDefault": True})
    assert made_default.status_code == 200 and made_default.json()["isDefault"] is True
    defaults = await BusinessCalendar.count().where(
        (BusinessCalendar.tenant_id == world.client_a.id) & (BusinessCalendar.is_default == True)  # noqa: E712
    )
    assert defaults == 1
    assert (
        await manager.delete(f"/api/v1/calendars/{body['id']}")
    ).status_code == 409  # it is the default now


async def test_clients_read_their_calendars_but_do_not_change_them(world: World) -> None:
    client = await world.sign_in("a_admin")
    listed = (await client.get("/api/v1/calendars")).json()["items"]
    assert {c["tenantId"] for c in listed} == {str(world.client_a.id)}
    calendar_id = listed[0]["id"]
    assert (await client.get(f"/api/v1/calendars/{calendar_id}")).status_code == 200
    assert (await client.patch(f"/api/v1/calendars/{calendar_id}", json={"name": "x"})).status_code == 403
    assert (await client.post("/api/v1/calendars", json=CALENDAR)).status_code == 403
    b_calendar = (
        await BusinessCalendar.objects().where(BusinessCalendar.tenant_id == world.client_b.id).first()
    )
    assert b_calendar is not None
    assert (await client.get(f"/api/v1/calendars/{b_calendar.id}")).status_code == 404
    admin = await world.sign_in("admin")
    assert (await admin.get(f"/api/v1/calendars/{b_calendar.id}")).status_code == 200


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"timezone": "Nowhere/City"}, "timezone", "unknown_timezone"),
        ({"holidayCountry": "QQ"}, "holidayCountry", "unknown_country"),
        ({"holidayCountry": None, "holidaySubdivision": "SP"}, "holidaySubdivision", "requires_country"),
        (
            {"weeklyHours": [{"weekday": 7, "start": "08:00", "end": "09:00"}]},
            "weeklyHours[0].weekday",
            "invalid",
        ),
        ({"weeklyHours": [{"weekday": 1, "start": "8h", "end": "09:00"}]}, "weeklyHours[0].start", "invalid"),
        (
            {"weeklyHours": [{"weekday": 1, "start": "09:00", "end": "09:00"}]},
            "weeklyHours[0]",
            "empty_interval",
        ),
        ({"closedDates": ["2026-02-30"]}, "closedDates[0]", "invalid"),
    ],
)
async def test_bad_calendar_input(world: World, change: dict[str, Any], field: str, code: str) -> None:
    admin = await world.sign_in("admin")
    response = await admin.post(
        "/api/v1/calendars", json={**CALENDAR, **change, "tenantId": str(world.client_a.id)}
    )
    assert response.status_code == 422, response.text
    assert {"field": field, "code": code} in [
        {"field": e["field"], "code": e["code"]} for e in response.json()["errors"]
    ]
    assert await BusinessCalendar.count() == 3
