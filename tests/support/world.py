"""A world of tenants and people for tests: the provider, two clients, and one user for each role."""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from uuid import UUID, uuid4

import httpx
from litestar import Litestar

from retaguarda.auth import Role, TenantKind, hash_password
from retaguarda.db import transaction
from retaguarda.jobs import InProcessRunner
from retaguarda.kernel.tables import OutboxJob
from retaguarda.settings import get_settings
from tenants.tables import AccountAssignment, BusinessCalendar, Membership, Tenant, User

PASSWORD = "correct horse battery"


@lru_cache(maxsize=1)
def password_hash() -> str:
    # One argon2 hash for the whole run: hashing per user per test would dominate the suite's time.
    return hash_password(PASSWORD)


@dataclass
class Person:
    email: str
    user_id: UUID
    tenant_id: UUID
    role: Role


@dataclass
class World:
    app: Litestar
    provider: Tenant
    client_a: Tenant
    client_b: Tenant
    people: dict[str, Person] = field(default_factory=dict)
    _clients: list[httpx.AsyncClient] = field(default_factory=list)

    def anonymous(self, address: str = "127.0.0.1") -> httpx.AsyncClient:
        """A client with no session; ``address`` is the client address the app sees."""
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app, client=(address, 50_000)),
            base_url="http://testserver",
            follow_redirects=False,
        )
        self._clients.append(client)
        return client

    async def sign_in(self, who: str) -> httpx.AsyncClient:
        """A client signed in through the portal form, sending the page's CSRF token on every request."""
        person = self.people[who]
        client = self.anonymous()
        response = await sign_in(client, person.email, PASSWORD)
        assert response.status_code == 303, response.text
        home = await client.get("/")
        match = re.search(r'name="csrf-token" content="([^"]+)"', home.text)
        assert match, home.text
        client.headers["X-CSRF-Token"] = match.group(1)
        return client

    async def api_key_client(
        self, who: str, scopes: list[str], tenant_id: UUID | None = None
    ) -> httpx.AsyncClient:
        owner = await self.sign_in(who)
        body: dict[str, Any] = {"name": f"key-{uuid4().hex[:8]}", "scopes": scopes}
        if tenant_id:
            body["tenantId"] = str(tenant_id)
        created = await owner.post("/api/v1/api-keys", json=body)
        assert created.status_code == 201, created.text
        client = self.anonymous()
        client.headers["Authorization"] = f"Bearer {created.json()['key']}"
        return client

    async def settle_jobs(self, timeout_s: float = 20.0) -> None:
        """Run every due job until the outbox is empty. In the embedded pass the app's runner may be running
        some in the background; in the full pass (arq) nothing runs them but this."""
        runner = self.app.state.job_runner or InProcessRunner(get_settings().jobs)
        deadline = time.monotonic() + timeout_s
        while True:
            await runner.drain()
            if await OutboxJob.count().where(OutboxJob.dead == False) == 0:  # noqa: E712
                return
            assert time.monotonic() < deadline, await OutboxJob.select()
            await asyncio.sleep(0.05)

    async def close(self) -> None:
        for client in self._clients:
            await client.aclose()


async def sign_in(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    page = await client.get("/login")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, page.text
    return await client.post(
        "/login", data={"email": email, "password": password, "csrf_token": match.group(1), "next": "/"}
    )


async def _tenant(kind: TenantKind, slug: str, name: str, locale: str, tz: str, currency: str) -> Tenant:
    tenant = Tenant(
        id=uuid4(), kind=kind.value, slug=slug, name=name, locale=locale, timezone=tz, currency=currency
    )
    await tenant.save()
    await BusinessCalendar(
        id=uuid4(),
        tenant_id=tenant.id,
        name="Default",
        timezone=tz,
        is_default=True,
        weekly_hours=[{"weekday": d, "start": "09:00", "end": "18:00"} for d in range(5)],
    ).save()
    return tenant


async def _person(world: World, key: str, tenant: Tenant, role: Role) -> None:
    user = User(
        id=uuid4(),
        email=f"{key}@example.test",
        display_name=key.replace("_", " ").title(),
        password_hash=password_hash(),
    )
    await user.save()
    await Membership(id=uuid4(), tenant_id=tenant.id, user_id=user.id, role=role.value).save()
    world.people[key] = Person(user.email, user.id, tenant.id, role)


async def build_world(app: Litestar) -> World:
    async with transaction():
        provider = await _tenant(
            TenantKind.PROVIDER, "provider", "Provider BPO", "en", "America/Sao_Paulo", "BRL"
        )
        client_a = await _tenant(
            TenantKind.CLIENT, "client-a", "Cliente A Ltda.", "pt_BR", "America/Sao_Paulo", "BRL"
        )
        client_b = await _tenant(
            TenantKind.CLIENT, "client-b", "Cliente B S.L.", "es", "Europe/Madrid", "EUR"
        )
        world = World(app=app, provider=provider, client_a=client_a, client_b=client_b)
        for role in (Role.ADMIN, Role.ACCOUNT_MANAGER, Role.SUPERVISOR, Role.OPERATOR):
            await _person(world, role.value, provider, role)
        await _person(world, "a_admin", client_a, Role.CLIENT_ADMIN)
        await _person(world, "a_member", client_a, Role.CLIENT_MEMBER)
        await _person(world, "b_admin", client_b, Role.CLIENT_ADMIN)
        await _person(world, "b_member", client_b, Role.CLIENT_MEMBER)
        # The account manager owns client A only.
        await AccountAssignment(
            id=uuid4(), tenant_id=client_a.id, manager_id=world.people["account_manager"].user_id
        ).save()
    return world
