"""What the foundation costs per request: principal resolution (API key), the unit of work, the scoping
helper and msgspec serialisation, against the bare Piccolo query that fetches the same row, in one run.

Runs on the embedded default (a temporary SQLite file) or on Postgres when DATABASE_URL is set (the database
is dropped and recreated: point it at a scratch database). Prints one JSON line last:
{"bench":"request_overhead","engine":…,"requests":…,"api_per_s":…,"raw_per_s":…,"ratio":…,"p50_ms":…,"p99_ms":…}
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SECRET_KEY", "bench")
os.environ.setdefault("LOG_LEVEL", "ERROR")
if not os.environ.get("DATABASE_URL"):
    os.environ["SQLITE_PATH"] = str(Path(tempfile.mkdtemp()) / "bench.sqlite3")
os.environ.pop("REDIS_URL", None)

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "2000"))


async def main() -> dict[str, object]:
    import httpx

    from retaguarda.app import create_app, running_services
    from retaguarda.auth import hash_token, new_api_key, token_prefix
    from retaguarda.settings import get_settings
    from tenants.tables import ApiKey, Tenant
    from tests.support.database import migrate, recreate_postgres_database
    from tests.support.world import build_world

    settings = get_settings()
    if settings.db.is_postgres:
        await recreate_postgres_database(settings.db.url)
    await migrate()
    app = create_app()
    async with running_services(settings):
        world = await build_world(app)
        secret = new_api_key()
        await ApiKey(
            tenant_id=world.client_a.id,
            name="bench",
            prefix=token_prefix(secret),
            key_hash=hash_token(secret),
            scopes=["tenants:read"],
        ).save()
        tenant_id = world.client_a.id
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://bench",
            headers={"Authorization": f"Bearer {secret}"},
        )
        path = f"/api/v1/tenants/{tenant_id}"
        for _ in range(50):  # warm up both paths
            assert (await client.get(path)).status_code == 200
            await Tenant.select().where(Tenant.id == tenant_id).first()

        latencies = []
        started = time.perf_counter()
        for _ in range(REQUESTS):
            t0 = time.perf_counter()
            response = await client.get(path)
            latencies.append(time.perf_counter() - t0)
            assert response.status_code == 200
        api_s = time.perf_counter() - started

        started = time.perf_counter()
        for _ in range(REQUESTS):
            row = await Tenant.select().where(Tenant.id == tenant_id).first()
            assert row is not None
        raw_s = time.perf_counter() - started
        await client.aclose()

    latencies.sort()
    return {
        "bench": "request_overhead",
        "engine": "postgres" if settings.db.is_postgres else "sqlite",
        "requests": REQUESTS,
        "api_per_s": round(REQUESTS / api_s, 1),
        "raw_per_s": round(REQUESTS / raw_s, 1),
        "ratio": round(raw_s / api_s, 3),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2),
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
