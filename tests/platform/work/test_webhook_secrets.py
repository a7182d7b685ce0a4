"""Webhook signing secrets are stored encrypted, opened only to sign, and survive a key rotation."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator
from typing import Any
from uuid import UUID

import pytest
from cryptography.fernet import Fernet, InvalidToken

from retaguarda.settings import get_settings
from retaguarda.work.webhooks.service import reseal_secrets, signing
from retaguarda.work.webhooks.tables import WebhookEndpoint
from tests.platform.work.test_webhooks import Receiver, create_endpoint, settle, verified
from tests.support.work import Floor

OLD_KEY, NEW_KEY = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    running = Receiver()
    await running.start()
    yield running
    await running.close()


@pytest.fixture
def sealing_keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Set WEBHOOK_SECRET_KEYS as the running processes would read it."""
    settings = get_settings()

    def use(*keys: str) -> None:
        security = dataclasses.replace(settings.security, webhook_secret_keys=keys)
        monkeypatch.setattr(signing, "get_settings", lambda: dataclasses.replace(settings, security=security))
        signing._sealing_keys.cache_clear()

    yield use
    signing._sealing_keys.cache_clear()


async def stored_secret(endpoint_id: str) -> str:
    row = await WebhookEndpoint.select(WebhookEndpoint.secret).where(WebhookEndpoint.id == UUID(endpoint_id))
    secret: str = row[0]["secret"]
    return secret


async def test_the_secret_is_stored_encrypted_and_opened_only_to_sign(
    floor: Floor, receiver: Receiver, sealing_keys: Any
) -> None:
    sealing_keys(OLD_KEY)
    admin = await floor.world.sign_in("a_admin")
    endpoint = await create_endpoint(admin, receiver.url, ["task.created"])
    stored = await stored_secret(endpoint["id"])
    assert endpoint["secret"] not in stored and not stored.startswith("whsec_")
    assert Fernet(OLD_KEY.encode()).decrypt(stored.encode()).decode() == endpoint["secret"]

    await floor.submit(admin, externalRef="INV-S1")
    await settle(floor.world)
    assert verified(endpoint["secret"], receiver.requests[0])["type"] == "task.created"


async def test_a_key_rotation_keeps_every_endpoint_signing(
    floor: Floor, receiver: Receiver, sealing_keys: Any
) -> None:
    sealing_keys(OLD_KEY)
    admin = await floor.world.sign_in("a_admin")
    endpoint = await create_endpoint(admin, receiver.url, ["task.created"])
    # 1. The new key first, the old one still listed: what was sealed under the old key still opens.
    sealing_keys(NEW_KEY, OLD_KEY)
    await floor.submit(admin, externalRef="INV-R1")
    await settle(floor.world)
    # 2. `retaguarda webhooks reseal`: every secret sealed again under the new key.
    assert await reseal_secrets() == 1
    stored = await stored_secret(endpoint["id"])
    assert Fernet(NEW_KEY.encode()).decrypt(stored.encode()).decode() == endpoint["secret"]
    with pytest.raises(InvalidToken):
        Fernet(OLD_KEY.encode()).decrypt(stored.encode())
    # 3. The old key dropped: deliveries still signed with the endpoint's unchanged secret.
    sealing_keys(NEW_KEY)
    await floor.submit(admin, externalRef="INV-R2")
    await settle(floor.world)
    assert [verified(endpoint["secret"], r)["type"] for r in receiver.requests] == ["task.created"] * 2


async def test_a_secret_stored_in_clear_before_sealing_still_signs_and_gets_sealed(
    floor: Floor, receiver: Receiver, sealing_keys: Any
) -> None:
    sealing_keys(NEW_KEY)
    admin = await floor.world.sign_in("a_admin")
    endpoint = await create_endpoint(admin, receiver.url, ["task.created"])
    legacy = signing.new_secret()
    await WebhookEndpoint.update({WebhookEndpoint.secret: legacy}).where(
        WebhookEndpoint.id == UUID(endpoint["id"])
    )
    await floor.submit(admin, externalRef="INV-L1")
    await settle(floor.world)
    assert verified(legacy, receiver.requests[0])["type"] == "task.created"
    await reseal_secrets()
    assert signing.open_secret(await stored_secret(endpoint["id"])) == legacy
    assert not (await stored_secret(endpoint["id"])).startswith("whsec_")
