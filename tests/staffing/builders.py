"""Roster rows made through the API, as an account manager or admin would."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.world import World

SAO_PAULO = {"name": "São Paulo back office", "site": "São Paulo", "timezone": "America/Sao_Paulo"}
MADRID = {"name": "Madrid soporte", "site": "Madrid", "timezone": "Europe/Madrid"}


def created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def make_skill(client: httpx.AsyncClient, code: str, name: str | None = None) -> dict[str, Any]:
    return created(await client.post("/api/v1/skills", json={"code": code, "name": name or code.title()}))


async def make_pool(client: httpx.AsyncClient, pool: dict[str, Any] | None = None) -> dict[str, Any]:
    return created(await client.post("/api/v1/pools", json=pool or SAO_PAULO))


async def make_operator(
    client: httpx.AsyncClient, world: World, who: str = "operator", **fields: Any
) -> dict[str, Any]:
    body = {"userId": str(world.people[who].user_id), **fields}
    return created(await client.post("/api/v1/operators", json=body))


async def join(client: httpx.AsyncClient, pool_id: str, operator_id: str, **fields: Any) -> httpx.Response:
    body = {"operatorId": operator_id, "validFrom": "2026-01-01T00:00:00Z", **fields}
    return await client.post(f"/api/v1/pools/{pool_id}/memberships", json=body)


async def schedule(
    client: httpx.AsyncClient, operator_id: str, starts: str, ends: str, **fields: Any
) -> httpx.Response:
    body = {"operatorId": operator_id, "startsAt": starts, "endsAt": ends, **fields}
    return await client.post("/api/v1/shifts", json=body)
