"""Tenants: who sees which, who may change what, and how bad input is answered."""

from __future__ import annotations

from typing import Any

import pytest

from tenants.tables import BusinessCalendar, Tenant
from tests.support.world import World

NEW_CLIENT: dict[str, Any] = {
    "slug": "novo-cliente",
    "name": "Novo Cliente S.A.",
    "locale": "pt_BR",
    "timezone": "America/Recife",
    "currency": "BRL",
    "holidayCountry": "BR",
    "holidaySubdivision": "PE",
}


def _ids(page: dict[str, Any]) -> set[str]:
    return {item["id"] for item in page["items"]}


async def test_each_role_lists_only_the_tenants_it_reaches(world: World) -> None:
    everyone = {str(world.provider.id), str(world.client_a.id), str(world.client_b.id)}
    for who in ("admin", "supervisor", "operator"):
        assert _ids((await (await world.sign_in(who)).get("/api/v1/tenants")).json()) == everyone
    manager = (await (await world.sign_in("account_manager")).get("/api/v1/tenants")).json()
    assert _ids(manager) == {str(world.provider.id), str(world.client_a.id)}
    for who, own in (("a_admin", world.client_a), ("a_member", world.client_a), ("b_member", world.client_b)):
        assert _ids((await (await world.sign_in(who)).get("/api/v1/tenants")).json()) == {str(own.id)}


async def test_foreign_tenant_ids_answer_404(world: World) -> None:
    client = await world.sign_in("a_admin")
    foreign = world.client_b.id
    for method, path, body in [
        ("GET", f"/api/v1/tenants/{foreign}", None),
        ("PATCH", f"/api/v1/tenants/{foreign}", {"name": "Mine now"}),
        ("GET", f"/api/v1/tenants/{foreign}/members", None),
        (
            "POST",
            f"/api/v1/tenants/{foreign}/members",
            {
                "email": "x@example.test",
                "displayName": "X",
                "role": "client_member",
                "password": "long enough pw",
            },
        ),
    ]:
        response = await client.request(method, path, json=body)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["code"] == "not_found"
    manager = await world.sign_in("account_manager")
    assert (await manager.get(f"/api/v1/tenants/{foreign}")).status_code == 404
    assert (await Tenant.objects().where(Tenant.id == foreign).first()).name == "Cliente B S.L."  # type: ignore[union-attr]


async def test_admin_creates_a_client_with_its_default_calendar(world: World) -> None:
    admin = await world.sign_in("admin")
    created = await admin.post("/api/v1/tenants", json=NEW_CLIENT)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["kind"] == "client"
    assert body["currency"] == "BRL"
    calendar = await BusinessCalendar.objects().where(BusinessCalendar.tenant_id == body["id"]).first()
    assert calendar is not None
    assert (
        calendar.is_default and calendar.timezone == "America/Recife" and calendar.holiday_subdivision == "PE"
    )
    again = await admin.post("/api/v1/tenants", json=NEW_CLIENT)
    assert again.status_code == 409
    assert again.json()["errors"][0]["field"] == "slug"


@pytest.mark.parametrize("who", ["account_manager", "supervisor", "operator", "a_admin", "a_member"])
async def test_only_admins_create_tenants(world: World, who: str) -> None:
    response = await (await world.sign_in(who)).post("/api/v1/tenants", json=NEW_CLIENT)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert await Tenant.count() == 3


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone", "unknown_timezone"),
        ({"locale": "fr_FR"}, "locale", "unsupported_locale"),
        ({"currency": "ZZZ"}, "currency", "unknown_currency"),
        ({"currency": "brl"}, "currency", "invalid"),
        ({"slug": "Not A Slug"}, "slug", "invalid"),
        ({"holidayCountry": "XX"}, "holidayCountry", "unknown_country"),
        ({"holidaySubdivision": "ZZ"}, "holidaySubdivision", "unknown_subdivision"),
        ({"color": "blue"}, "color", "unknown_field"),
        ({"name": ""}, "name", "invalid"),
    ],
)
async def test_invalid_tenant_input_gets_a_field_error(
    world: World, change: dict[str, Any], field: str, code: str
) -> None:
    response = await (await world.sign_in("admin")).post("/api/v1/tenants", json={**NEW_CLIENT, **change})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == "invalid_input"
    assert {"field": field, "code": code} in [
        {"field": e["field"], "code": e["code"]} for e in problem["errors"]
    ]
    assert await Tenant.count() == 3


async def test_missing_field_and_malformed_json(world: World) -> None:
    admin = await world.sign_in("admin")
    missing = await admin.post("/api/v1/tenants", json={"name": "No slug"})
    assert missing.status_code == 422
    assert missing.json()["errors"][0] == {
        "field": "slug",
        "code": "required",
        "message": missing.json()["errors"][0]["message"],
    }
    malformed = await admin.post(
        "/api/v1/tenants", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 400
    assert malformed.json()["code"] == "malformed_body"
    wrong_id = await admin.get("/api/v1/tenants/not-a-uuid")
    assert 400 <= wrong_id.status_code < 500
    assert wrong_id.headers["content-type"].startswith("application/problem+json")


async def test_a_client_admin_changes_its_locale_but_not_its_currency(world: World) -> None:
    client = await world.sign_in("a_admin")
    path = f"/api/v1/tenants/{world.client_a.id}"
    changed = await client.patch(path, json={"locale": "es", "timezone": "America/Manaus"})
    assert changed.status_code == 200
    assert changed.json()["locale"] == "es"
    refused = await client.patch(path, json={"currency": "USD"})
    assert refused.status_code == 403
    member = await world.sign_in("a_member")
    assert (await member.patch(path, json={"name": "x"})).status_code == 403
    tenant = await Tenant.objects().where(Tenant.id == world.client_a.id).first()
    assert tenant is not None and tenant.currency == "BRL" and tenant.name == "Cliente A Ltda."


async def test_errors_answer_in_the_callers_language(world: World) -> None:
    client = await world.sign_in("a_admin")  # client A speaks pt_BR
    response = await client.get(f"/api/v1/tenants/{world.client_b.id}")
    assert response.status_code == 404
    assert response.json()["title"] != "The resource was not found."
    anonymous = await world.anonymous().get("/api/v1/me", headers={"Accept-Language": "es-ES,es;q=0.9"})
    assert anonymous.json()["title"] != "Sign-in is required."
    english = await world.anonymous().get("/api/v1/me", headers={"Accept-Language": "en-GB"})
    assert english.json()["title"] == "Sign-in is required."


async def test_tenant_list_pages_with_a_cursor(world: World) -> None:
    admin = await world.sign_in("admin")
    for index in range(4):
        body = {**NEW_CLIENT, "slug": f"client-{index}", "holidaySubdivision": None, "holidayCountry": None}
        assert (await admin.post("/api/v1/tenants", json=body)).status_code == 201
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (await admin.get("/api/v1/tenants", params=params)).json()
        seen.extend(item["id"] for item in page["items"])
        cursor = page["nextCursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 7
    bad = await admin.get("/api/v1/tenants", params={"cursor": "!!!"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "cursor"
    too_big = await admin.get("/api/v1/tenants", params={"limit": 1000})
    assert too_big.status_code in (400, 422)
