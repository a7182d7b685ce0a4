"""A demo client as loaded (what the later steps of the load need), and the scope the loader writes in."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from uuid import UUID
from zoneinfo import ZoneInfo

from retaguarda.demo.scripts import ClientScript
from retaguarda.demo.setup import Staffed
from retaguarda.tenancy import TenantContext, system_context
from retaguarda.work.schemas import TaskTypeRead


@dataclass(frozen=True, slots=True)
class DemoClient:
    """One client of the demo, as loaded: what the later steps need."""

    script: ClientScript
    provider_id: UUID
    tenant_id: UUID
    locale: str
    currency: str
    zone: ZoneInfo
    pool_id: UUID
    staff: list[Staffed]
    temps: list[Staffed]
    queue_ids: dict[str, UUID]
    types: dict[str, TaskTypeRead]
    first_day: date
    policy_id: UUID


def as_provider(provider_id: UUID, user_id: UUID | None = None) -> TenantContext:
    """The system's scope, writing as the provider (the roster's owner) and, when given, as a person."""
    principal = system_context().principal
    return TenantContext(dataclasses.replace(principal, tenant_id=provider_id, user_id=user_id))
