"""Controllers for CSV task imports (filled in with the import job)."""

from __future__ import annotations

from typing import Any

ROUTES: list[Any] = []
