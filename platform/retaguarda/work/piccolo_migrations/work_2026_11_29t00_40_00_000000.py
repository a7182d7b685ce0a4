"""PostgreSQL: the claim as one function, work_claim_next(). It locks the caller's operator row, then claims
and records in a second statement; in a PL/pgSQL function each statement takes a fresh snapshot, so the claim
counts the holds of every claim committed before the lock was granted, as two statements in one transaction
did. Called on its own, the whole claim is one round trip and one implicit transaction, and the operator and
task locks are released when it returns, not a network round trip later at COMMIT.

The claim statement is a snapshot of work.service.claims.CLAIM_SQL at this migration (a test compares them):
a change to the claim order is a new migration that replaces the function. SQLite has no such function; its
single writer makes the claim's statements one unit as they are."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import PostgresEngine, engine_finder

ID = "2026-11-29T00:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "claim function"

CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION work_claim_next(
    p_user uuid, p_lease timestamptz, p_now timestamptz, p_entry uuid, p_event uuid, p_job uuid
) RETURNS SETOF task
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
    v_op uuid;
BEGIN
    -- The caller's operator record, locked: one operator's own parallel claims queue here.
    SELECT id INTO v_op FROM operator WHERE user_id = p_user LIMIT 1 FOR UPDATE;
    IF v_op IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY
    WITH claimed AS (
UPDATE task SET
    status = 'claimed', assignee_id = v_op, lease_expires_at = p_lease, heartbeat_at = p_now,
    fencing_token = fencing_token + 1, first_claimed_at = COALESCE(first_claimed_at, p_now),
    preferred_operator_id = NULL, preferred_until = NULL, updated_at = p_now,
    -- Claimed, the task's first response is given: it now races its resolution clock (work.sla).
    due_at = CASE WHEN sla_version_id IS NULL THEN due_at ELSE resolution_due_at END
WHERE id = (
    SELECT t.id FROM task t
    WHERE t.status = 'queued'
      AND t.queue_id IN (
          SELECT qp.queue_id FROM queue_pool qp
          JOIN pool_membership pm ON pm.pool_id = qp.pool_id
          WHERE pm.operator_id = v_op AND pm.valid_from <= p_now
            AND (pm.valid_until IS NULL OR pm.valid_until > p_now))
      AND (t.required_skill_id IS NULL
           OR t.required_skill_id IN (SELECT os.skill_id FROM operator_skill os WHERE os.operator_id = v_op))
      AND (t.preferred_until IS NULL OR t.preferred_until <= p_now OR t.preferred_operator_id = v_op)
      AND EXISTS (
          SELECT 1 FROM operator o
          WHERE o.id = v_op AND o.status = 'available'
            AND o.capacity > (
                SELECT count(*) FROM task h WHERE h.assignee_id = v_op AND h.status = 'claimed'))
    ORDER BY t.due_at ASC NULLS LAST, t.priority DESC, t.created_at ASC, t.id ASC
    LIMIT 1
    FOR UPDATE SKIP LOCKED
)
RETURNING *
    ), entry AS (
        INSERT INTO time_entry (id, tenant_id, task_id, operator_id, started_at)
        SELECT p_entry, c.tenant_id, c.id, v_op, p_now FROM claimed c
    ), event AS (
        INSERT INTO task_event (id, tenant_id, task_id, kind, at, actor_user_id, operator_id, fencing_token)
        SELECT p_event, c.tenant_id, c.id, 'claimed', p_now, p_user, v_op, c.fencing_token FROM claimed c
    ), outbox AS (
        INSERT INTO kernel_outbox (id, tenant_id, job, args, available_at)
        SELECT p_job, c.tenant_id, 'work.task_event',
               json_build_object('task_id', c.id::text, 'event', 'task.claimed', 'event_id', p_event::text),
               p_now
        FROM claimed c
    )
    SELECT * FROM claimed;
END
$fn$
"""


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="work", description=DESCRIPTION)

    async def create_function() -> None:
        engine = engine_finder()
        if isinstance(engine, PostgresEngine):
            await engine.run_ddl(CREATE_FUNCTION)

    manager.add_raw(create_function)
    return manager
