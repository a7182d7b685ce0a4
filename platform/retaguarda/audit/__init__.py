"""The append-only audit log: domains record security-relevant actions into it, and nothing reads it but the
face (``retaguarda.audit.reading``, used by the portal's audit pages).

An entry is written with :func:`record` inside the transaction of the action it describes, so it exists if
and only if the action committed. Who acted comes from the caller's :class:`Principal`; where from (client
address, user agent) from the request being served (``retaguarda.auth.origin``, which
``PrincipalMiddleware`` publishes for the duration of each request).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from retaguarda.audit.actions import ACTION_LABELS, ACTOR_LABELS, TARGET_LABELS, ActorKind, AuditAction
from retaguarda.audit.tables import AuditEntry
from retaguarda.auth.origin import current_origin
from retaguarda.auth.principal import Principal
from retaguarda.tenancy import TenantContext

__all__ = [
    "ACTION_LABELS",
    "ACTOR_LABELS",
    "TARGET_LABELS",
    "ActorKind",
    "AuditAction",
    "Target",
    "record",
]


@dataclass(frozen=True, slots=True)
class Target:
    """What the action was done to: a kind (``invoice``, ``api_key`` …), its id and a name a person knows
    it by, as it was at the time."""

    kind: str
    id: object = ""
    label: str = ""


def _actor(principal: Principal) -> dict[str, Any]:
    if principal.via == "api_key":
        return {
            "actor_kind": ActorKind.API_KEY.value,
            "actor_api_key_id": principal.api_key_id,
            "actor_label": str(principal.api_key_id or ""),
        }
    if principal.via == "system" or principal.user_id is None:
        return {"actor_kind": ActorKind.SYSTEM.value, "actor_label": principal.display_name}
    return {
        "actor_kind": ActorKind.USER.value,
        "actor_user_id": principal.user_id,
        "actor_label": principal.email or principal.display_name,
    }


async def record(
    by: TenantContext | Principal | None,
    action: AuditAction,
    *,
    tenant_id: UUID | None,
    target: Target | None = None,
    details: Mapping[str, Any] | None = None,
    user_id: UUID | None = None,
    label: str = "",
) -> None:
    """Write one entry, in the transaction open now (the action's own). ``by`` is who acted; without
    one (a sign-in, before there is a principal) ``user_id`` and ``label`` say who it was (or claimed)."""
    principal = by.principal if isinstance(by, TenantContext) else by
    if principal is not None:
        actor = _actor(principal)
    else:
        kind = ActorKind.USER if user_id is not None else ActorKind.ANONYMOUS
        actor = {"actor_kind": kind.value, "actor_user_id": user_id, "actor_label": label[:320]}
    origin = current_origin()
    target = target or Target("")
    # Written directly, not through the scoping helper: an entry is the log's own, recorded by the action
    # that was itself scoped; a failed sign-in has no scope at all.
    await AuditEntry.insert(
        AuditEntry(
            id=uuid4(),
            tenant_id=tenant_id,
            ip=origin.ip,
            user_agent=origin.user_agent,
            action=action.value,
            target_type=target.kind,
            target_id=str(target.id)[:64] if target.id else "",
            target_label=target.label[:300],
            details=dict(details or {}),
            **actor,
        )
    )
