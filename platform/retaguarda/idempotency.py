"""``Idempotency-Key``: a repeated request with the same key and body gets the first response again.

The key is stored in the same transaction as the work it guards, so a response is remembered if and only if
its effects committed. The same key with a different body is a client bug and answers 422. Keys are kept for
``IDEMPOTENCY_TTL`` (at least 24 hours) and purged afterwards.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from retaguarda.errors import FieldError, InvalidInput
from retaguarda.kernel.tables import IdempotencyKey

IDEMPOTENCY_TTL = timedelta(hours=48)
MAX_KEY_LENGTH = 255


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status_code: int
    body: bytes


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"\n".join([method.encode(), path.encode(), body])).hexdigest()


def check_key(key: str) -> None:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidInput(
            errors=[
                FieldError("Idempotency-Key", "invalid", f"Use 1 to {MAX_KEY_LENGTH} printable characters.")
            ]
        )


class KeyReusedWithOtherBody(InvalidInput):
    code = "idempotency_key_reused"


async def replay(tenant_id: UUID, key: str, fingerprint: str) -> StoredResponse | None:
    """The stored first response for this key, or None when the key is new (or expired)."""
    row = (
        await IdempotencyKey.select()
        .where(
            (IdempotencyKey.tenant_id == tenant_id)
            & (IdempotencyKey.key == key)
            & (IdempotencyKey.expires_at > datetime.now(UTC))
        )
        .first()
    )
    if row is None:
        return None
    if row["request_hash"] != fingerprint:
        raise KeyReusedWithOtherBody(
            "This Idempotency-Key was used with a different request body.",
            errors=[FieldError("Idempotency-Key", "reused", "The key was first used with another body.")],
        )
    return StoredResponse(row["status_code"], row["response_body"].encode())


async def remember(tenant_id: UUID, key: str, fingerprint: str, response: StoredResponse) -> None:
    """Store the response inside the current transaction. A concurrent twin that committed first makes this
    insert fail on the unique index, rolling back the twin's duplicate work."""
    now = datetime.now(UTC)
    # An expired key may still sit there until the purge: replace it.
    await IdempotencyKey.delete().where(
        (IdempotencyKey.tenant_id == tenant_id)
        & (IdempotencyKey.key == key)
        & (IdempotencyKey.expires_at <= now)
    )
    await IdempotencyKey.insert(
        IdempotencyKey(
            id=uuid4(),
            tenant_id=tenant_id,
            key=key,
            request_hash=fingerprint,
            status_code=response.status_code,
            response_body=response.body.decode(),
            expires_at=now + IDEMPOTENCY_TTL,
        )
    )


async def purge_expired() -> None:
    await IdempotencyKey.delete().where(IdempotencyKey.expires_at <= datetime.now(UTC))
