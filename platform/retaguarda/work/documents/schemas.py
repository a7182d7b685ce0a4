"""Wire shapes of task files (camelCase, unknown fields rejected)."""

from __future__ import annotations

from datetime import datetime
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


class FileLink(WireStruct):
    """Where the file can be fetched without other credentials, until ``expiresAt``."""

    url: str
    expires_at: datetime
