"""Controllers for clients' webhook endpoints and their delivery log (filled in with the delivery service)."""

from __future__ import annotations

from typing import Any

ROUTES: list[Any] = []
