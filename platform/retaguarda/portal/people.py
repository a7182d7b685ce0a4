"""Who did it: the names a history shows beside each event (a task's, a staffing plan's, an invoice's).

A history row keeps ids (the acting user, the operator); people read names. A row without either was written
by the platform itself (the SLA sweep, the lease reaper, the billing run) and says "system".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any
from uuid import UUID

from retaguarda.i18n import N_
from staffing.tables import Operator
from tenants.tables import User

SYSTEM = N_("system")


async def user_names(user_ids: Iterable[UUID | None]) -> dict[UUID, str]:
    wanted = list({user_id for user_id in user_ids if user_id is not None})
    if not wanted:
        return {}
    # scope: display names of the people who acted on a record the caller already reads
    rows = await User.select(User.id, User.display_name).where(User.id.is_in(wanted))
    return {row["id"]: row["display_name"] for row in rows}


async def operator_names(operator_ids: Iterable[UUID | None]) -> dict[UUID, str]:
    wanted = list({operator_id for operator_id in operator_ids if operator_id is not None})
    if not wanted:
        return {}
    # scope: display names of the operators who worked a task the caller already reads
    rows = await Operator.select(Operator.id, Operator.user_id.display_name).where(Operator.id.is_in(wanted))
    return {row["id"]: row["user_id.display_name"] for row in rows}


async def actor_namer(events: Iterable[Any], translate: Callable[[str], str]) -> Callable[[Any], str]:
    """A function naming who did each of ``events`` (objects or mappings with ``actor_user_id`` and,
    optionally, ``operator_id``): the acting user, else the operator, else "system"."""
    rows = list(events)
    users = await user_names(_field(row, "actor_user_id") for row in rows)
    operators = await operator_names(_field(row, "operator_id") for row in rows)

    def name(event: Any) -> str:
        user_id, operator_id = _field(event, "actor_user_id"), _field(event, "operator_id")
        if user_id is not None and user_id in users:
            return users[user_id]
        if operator_id is not None and operator_id in operators:
            return operators[operator_id]
        return translate(SYSTEM)

    return name


def _field(row: Any, name: str) -> Any:
    return row.get(name) if isinstance(row, Mapping) else getattr(row, name, None)
