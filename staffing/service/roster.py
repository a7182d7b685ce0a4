"""What the work layer asks the roster: who a user is as an operator, and which pools they serve now."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from retaguarda.tenancy import TenantContext
from staffing.schemas import OperatorRead
from staffing.service.operators import find_operator
from staffing.service.periods import covering
from staffing.tables import Operator, PoolMembership


async def operator_for_user(ctx: TenantContext, user_id: UUID) -> OperatorRead | None:
    """The operator record of a provider user, with skills, or None when they are not an operator."""
    return await find_operator(ctx, Operator.user_id == user_id)


async def active_pool_ids(ctx: TenantContext, operator_id: UUID, at: datetime) -> list[UUID]:
    """The pools the operator is a member of at ``at`` (``valid_from <= at < valid_until``, a null
    ``valid_until`` being open-ended), permanent or seasonal alike."""
    rows = await (
        ctx.select(PoolMembership, PoolMembership.pool_id)
        .where(
            (PoolMembership.operator_id == operator_id)
            & covering(PoolMembership.valid_from, PoolMembership.valid_until, at)
        )
        .order_by(PoolMembership.pool_id)
    )
    return [row["pool_id"] for row in rows]
