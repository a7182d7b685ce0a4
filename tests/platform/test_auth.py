"""Sign-in, sessions, CSRF, rate limiting and API keys, through the HTTP interface."""

from __future__ import annotations

import re
import time
from dataclasses import replace

import pytest

from retaguarda.kernel.tables import WebSession
from retaguarda.settings import get_settings
from tenants.service.sessions import account_delay_s
from tenants.tables import ApiKey
from tests.support.world import PASSWORD, World, sign_in


async def test_sign_in_sets_a_session_cookie_that_scripts_cannot_read(world: World) -> None:
    client = world.anonymous()
    response = await sign_in(client, world.people["a_admin"].email, PASSWORD)
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "rg_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie
    me = await client.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["role"] == "client_admin"
    assert me.json()["tenant"]["id"] == str(world.client_a.id)


async def test_wrong_password_and_unknown_email_answer_alike(world: World) -> None:
    wrong = await sign_in(world.anonymous(), world.people["a_admin"].email, "not the password")
    unknown = await sign_in(world.anonymous(), "nobody@example.test", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    strip = re.compile(r'(value|content)="[^"]*"')
    assert strip.sub("", wrong.text).replace("a_admin@example.test", "") == strip.sub(
        "", unknown.text
    ).replace("nobody@example.test", "")
    assert "rg_session" not in wrong.headers.get("set-cookie", "")


async def test_brute_force_from_one_address_is_stopped_even_with_the_right_password(world: World) -> None:
    email = world.people["a_member"].email
    for _ in range(5):
        assert (await sign_in(world.anonymous("198.51.100.7"), email, "wrong password!")).status_code == 401
    limited = await sign_in(world.anonymous("198.51.100.7"), email, PASSWORD)
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "900"
    # Another account is not affected.
    assert (await sign_in(world.anonymous(), world.people["b_member"].email, PASSWORD)).status_code == 303


async def test_an_address_guessing_at_many_accounts_is_stopped(world: World) -> None:
    guesser = "198.51.100.8"
    emails = [f"guess{n}@example.test" for n in range(20)]
    for email in emails:
        assert (await sign_in(world.anonymous(guesser), email, "wrong password!")).status_code == 401
    refused = await sign_in(world.anonymous(guesser), world.people["a_admin"].email, PASSWORD)
    assert refused.status_code == 429


async def test_failures_from_elsewhere_slow_the_owner_down_but_never_lock_them_out(world: World) -> None:
    """The lock-out attack: whoever knows an email fails on purpose, from as many addresses as they like."""
    email = world.people["a_member"].email
    for attacker in ("203.0.113.1", "203.0.113.2", "203.0.113.3"):
        for _ in range(5):
            assert (await sign_in(world.anonymous(attacker), email, "wrong password!")).status_code == 401
        assert (await sign_in(world.anonymous(attacker), email, PASSWORD)).status_code == 429
    started = time.monotonic()
    owner = await sign_in(world.anonymous("192.0.2.10"), email, PASSWORD)
    assert owner.status_code == 303
    # Fifteen failures on the account: the attempt waited its slow-down (ten steps at most).
    assert time.monotonic() - started >= account_delay_s(get_settings().security, 15)
    # The owner's success forgives nobody else: the attackers stay refused.
    assert (await sign_in(world.anonymous("203.0.113.1"), email, PASSWORD)).status_code == 429


def test_the_slow_down_grows_with_the_accounts_failures_up_to_a_cap() -> None:
    settings = replace(get_settings().security, login_max_failures=5, login_slowdown_s=1.0)
    assert [account_delay_s(settings, n) for n in (0, 4, 5, 6, 14, 15, 100)] == [0, 0, 1, 2, 10, 10, 10]


async def test_login_form_without_its_csrf_token_is_refused(world: World) -> None:
    client = world.anonymous()
    await client.get("/login")
    response = await client.post(
        "/login", data={"email": world.people["a_admin"].email, "password": PASSWORD, "csrf_token": "forged"}
    )
    assert response.status_code == 403
    assert "rg_session" not in response.headers.get("set-cookie", "")


async def test_session_writes_need_the_csrf_token(world: World) -> None:
    client = await world.sign_in("a_admin")
    token = client.headers.pop("X-CSRF-Token")
    body = {"name": "ci", "scopes": ["tasks:read"]}
    refused = await client.post("/api/v1/api-keys", json=body)
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert await ApiKey.count() == 0
    accepted = await client.post("/api/v1/api-keys", json=body, headers={"X-CSRF-Token": token})
    assert accepted.status_code == 201


async def test_sign_out_ends_the_session(world: World) -> None:
    client = await world.sign_in("a_member")
    assert (await client.get("/api/v1/me")).status_code == 200
    out = await client.post("/logout", data={"csrf_token": client.headers["X-CSRF-Token"]})
    assert out.status_code == 303
    assert await WebSession.count() == 0
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_anonymous_api_calls_get_401_problem(world: World) -> None:
    response = await world.anonymous().get("/api/v1/tenants")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    home = await world.anonymous().get("/")
    assert home.status_code in (302, 303, 307)
    assert home.headers["location"].endswith("/login")


async def test_api_key_is_shown_once_hashed_and_scoped(world: World) -> None:
    owner = await world.sign_in("a_admin")
    created = await owner.post("/api/v1/api-keys", json={"name": "erp", "scopes": ["tenants:read"]})
    assert created.status_code == 201
    secret = created.json()["key"]
    stored = await ApiKey.objects().first()
    assert stored is not None
    assert (
        secret not in (stored.key_hash, stored.prefix) and stored.prefix and secret.startswith(stored.prefix)
    )
    listed = (await owner.get("/api/v1/api-keys")).json()["items"]
    assert "key" not in listed[0]

    integration = world.anonymous()
    integration.headers["Authorization"] = f"Bearer {secret}"
    me = await integration.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["via"] == "api_key"
    assert me.json()["scopes"] == ["tenants:read"]
    # Outside its scopes the key is refused.
    assert (await integration.get("/api/v1/calendars")).status_code == 403
    assert (await ApiKey.objects().first()).last_used_at is not None  # type: ignore[union-attr]

    revoked = await owner.delete(f"/api/v1/api-keys/{created.json()['id']}")
    assert revoked.status_code == 200
    assert revoked.json()["revokedAt"] is not None
    assert (await integration.get("/api/v1/me")).status_code == 401


@pytest.mark.parametrize("header", ["Bearer", "Bearer nonsense", "Basic dXNlcjpwYXNz", "Token abc"])
async def test_bad_authorization_headers_get_401(world: World, header: str) -> None:
    response = await world.anonymous().get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


async def test_an_api_key_cannot_carry_more_than_its_creator_holds(world: World) -> None:
    member = await world.sign_in("a_member")
    # client members may not manage keys at all
    assert (
        await member.post("/api/v1/api-keys", json={"name": "x", "scopes": ["tasks:read"]})
    ).status_code == 403
    admin = await world.sign_in("account_manager")
    refused = await admin.post("/api/v1/api-keys", json={"name": "x", "scopes": ["tasks:read"]})
    assert refused.status_code == 403  # account managers do not hold api_keys:write
