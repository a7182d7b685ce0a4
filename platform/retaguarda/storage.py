"""Object storage: one interface, two backends, both through obstore.

Embedded mode keeps objects as files under the data folder (``STORAGE_DIR``, by default ``var/files``); full
mode keeps them in an S3-compatible bucket (AWS S3, MinIO, R2, GCS's S3 interface) named by the ``S3_*``
settings. obstore (Rust's ``object_store`` behind a small Python API) was chosen over aioboto3 because it
streams both ways without buffering, does multipart uploads itself, signs presigned URLs, and serves the local
folder through the same calls, so the two backends differ only in how a download link is made.

Keys are made by the caller from ids only (never from a file name a person typed), so a key cannot climb out
of its folder or collide. Downloads from S3 go through short-lived presigned URLs; the local backend cannot
presign, so :func:`sign_link` / :func:`read_link` make the app's own expiring, HMAC-signed link instead.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterable, AsyncIterator
from datetime import timedelta
from functools import lru_cache
from typing import Any

import obstore
from obstore.store import LocalStore, S3Store

from retaguarda.settings import StorageSettings, get_settings

# Uploads below one part go up in a single PUT (one request instead of a multipart upload's three); larger
# ones are cut in parts of this size, at most PART_CONCURRENCY in flight, which bounds the memory one upload
# holds to about (1 + PART_CONCURRENCY) parts whatever the file's size.
PART_BYTES = 5 * 1024 * 1024
PART_CONCURRENCY = 2
READ_CHUNK_BYTES = 256 * 1024


class ObjectStorage:
    """Put, stream, delete and link objects by key, on whichever backend the settings name."""

    def __init__(self, settings: StorageSettings) -> None:
        self.settings = settings
        self.store: Any
        self.signer: Any = None
        if settings.is_s3:
            self.store = _s3_store(settings, settings.s3_endpoint)
            public = settings.s3_public_endpoint
            # Signing makes no request: a second client names the endpoint browsers are sent to.
            self.signer = (
                _s3_store(settings, public) if public and public != settings.s3_endpoint else self.store
            )
        else:
            settings.local_dir.mkdir(parents=True, exist_ok=True)
            self.store = LocalStore(settings.local_dir)

    @property
    def backend(self) -> str:
        return "s3" if self.settings.is_s3 else "local"

    @property
    def presigns(self) -> bool:
        return self.settings.is_s3

    async def put(
        self, key: str, chunks: AsyncIterable[bytes], *, content_type: str, disposition: str
    ) -> None:
        """Write the stream under ``key``. The headers are kept with the object on S3, which sends them back
        on every download: ``attachment`` there keeps a browser from rendering the file in our origin's
        neighbourhood even through a presigned URL."""
        attributes = None
        if self.settings.is_s3:
            attributes = {"Content-Type": content_type, "Content-Disposition": disposition}
        iterator = aiter(chunks)
        head = bytearray()
        async for chunk in iterator:
            head += chunk
            if len(head) >= PART_BYTES:
                break
        else:
            await obstore.put_async(self.store, key, bytes(head), attributes=attributes)
            return
        await obstore.put_async(
            self.store,
            key,
            _prepend(bytes(head), iterator),
            attributes=attributes,
            use_multipart=True,
            chunk_size=PART_BYTES,
            max_concurrency=PART_CONCURRENCY,
        )

    async def read(self, key: str) -> AsyncIterator[bytes]:
        """The object's bytes, chunk by chunk."""
        result = await obstore.get_async(self.store, key)
        async for chunk in result.stream(min_chunk_size=READ_CHUNK_BYTES):
            yield bytes(chunk)

    async def delete(self, key: str) -> None:
        """Remove the object; one that is already gone is not an error (deletions may run twice)."""
        try:
            await obstore.delete_async(self.store, key)
        except FileNotFoundError:
            return

    async def exists(self, key: str) -> bool:
        try:
            await obstore.head_async(self.store, key)
        except FileNotFoundError:
            return False
        return True

    async def presigned_url(self, key: str, ttl_s: int) -> str:
        """A GET URL for S3 that works for ``ttl_s`` seconds without any other credential."""
        return str(await obstore.sign_async(self.signer, "GET", key, timedelta(seconds=ttl_s)))


def _s3_store(settings: StorageSettings, endpoint: str) -> S3Store:
    return S3Store(
        settings.s3_bucket,
        endpoint=endpoint or None,
        region=settings.s3_region,
        access_key_id=settings.s3_access_key_id or None,
        secret_access_key=settings.s3_secret_access_key or None,
        # MinIO and test stand-ins answer on plain HTTP and on a path, not a bucket subdomain.
        virtual_hosted_style_request=False,
        client_options={"allow_http": endpoint.startswith("http://")},
    )


async def _prepend(head: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    yield head
    async for chunk in rest:
        yield chunk


@lru_cache(maxsize=4)
def _storage_for(settings: StorageSettings) -> ObjectStorage:
    return ObjectStorage(settings)


def get_storage() -> ObjectStorage:
    """The storage the current settings name (one client per configuration, so connections are reused)."""
    return _storage_for(get_settings().storage)


def _link_signature(subject: str, expires_at: int) -> str:
    key = get_settings().security.secret_key.encode()
    return hmac.new(key, f"file-link:{subject}:{expires_at}".encode(), hashlib.sha256).hexdigest()


def sign_link(subject: str, expires_at: int) -> str:
    """A token naming ``subject`` (ids joined by dots) until ``expires_at`` (Unix seconds), unforgeable
    without SECRET_KEY."""
    return f"{subject}.{expires_at}.{_link_signature(subject, expires_at)}"


def read_link(token: str, now_s: int) -> str | None:
    """The subject of a valid, unexpired token; None for anything else (tampered, expired, malformed)."""
    signed, _, signature = token.rpartition(".")
    subject, _, expires = signed.rpartition(".")
    if not subject or not expires.isdigit():
        return None
    if not hmac.compare_digest(signature, _link_signature(subject, int(expires))):
        return None
    return subject if int(expires) > now_s else None
