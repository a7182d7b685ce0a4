"""Wire shapes of task files (camelCase, unknown fields rejected)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from retaguarda.wire import WireStruct


class FileRead(WireStruct):
    """A file as the API and the webhooks describe it: ``contentType`` is what its content proved it is,
    ``sha256`` the hex digest of its bytes as stored."""

    id: UUID
    task_id: UUID | None
    comment_id: UUID | None
    purpose: str  # input | deliverable | comment
    side: str  # client | provider
    name: str
    content_type: str
    size: int
    sha256: str
    created_at: datetime
    has_preview: bool = False
    # Kept whatever the retention period says, until the provider releases it.
    legal_hold: bool = False


class LegalHold(WireStruct):
    hold: bool


class FileLink(WireStruct):
    """Where the file can be fetched without other credentials, until ``expiresAt``."""

    url: str
    expires_at: datetime


def file_read(row: dict[str, Any]) -> FileRead:
    return FileRead(
        id=row["id"],
        task_id=row["task_id"],
        comment_id=row["comment_id"],
        purpose=row["purpose"],
        side=row["side"],
        name=row["filename"],
        content_type=row["content_type"],
        size=int(row["size_bytes"]),
        sha256=row["sha256"],
        created_at=row["created_at"],
        has_preview=bool(row.get("preview_key")),
        legal_hold=bool(row.get("legal_hold")),
    )
