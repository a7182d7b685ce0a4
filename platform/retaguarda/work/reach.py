"""Which tasks an operator may see: the condition every task read adds for an operator. It sits beside the
sub-packages rather than in ``work.service`` so that task reads, the boards and SLA's risk lists share it
without ``work.sla`` importing ``work.service``."""

from __future__ import annotations

from piccolo.columns.combination import WhereRaw
from piccolo.custom_types import Combinable

from retaguarda.auth import Role
from retaguarda.clock import now
from retaguarda.tenancy import TenantContext

# An operator reaches the tasks of queues its pools serve now, and the tasks it holds. One condition with
# subqueries, so a list or a detail costs no extra round trips (it was three lookups per request).
OPERATOR_REACH_SQL = """(
    task.queue_id IN (
        SELECT qp.queue_id FROM queue_pool qp
        JOIN pool_membership pm ON pm.pool_id = qp.pool_id
        JOIN operator o ON o.id = pm.operator_id
        WHERE o.user_id = {} AND pm.valid_from <= {} AND (pm.valid_until IS NULL OR pm.valid_until > {}))
    OR task.assignee_id IN (SELECT o2.id FROM operator o2 WHERE o2.user_id = {})
)"""


def operator_reach(ctx: TenantContext) -> Combinable | None:
    """For an operator, the condition fencing tasks to its reach (nothing when it has no operator record);
    None for everyone else."""
    principal = ctx.principal
    if principal.role is not Role.OPERATOR or principal.user_id is None:
        return None
    at = now()
    return WhereRaw(OPERATOR_REACH_SQL, principal.user_id, at, at, principal.user_id)
