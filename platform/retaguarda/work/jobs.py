"""Jobs of the core task loop: the lease reaper and the purge of idempotency keys. Each is harmless to run
twice."""

from __future__ import annotations

from retaguarda.db import transaction
from retaguarda.idempotency import purge_expired as purge_idempotency_keys
from retaguarda.jobs import every
from retaguarda.work.service.claims import reap_expired_leases


@every(5, "work.reap_expired_leases")
async def reap() -> None:
    async with transaction():
        await reap_expired_leases()


@every(3600, "work.purge_idempotency_keys")
async def purge_keys() -> None:
    await purge_idempotency_keys()
