"""What the database refuses reaches the client as a 4xx with a stable code, never a 500, on both engines:
a delete of a row that others still refer to is a 409 that says what refers to it; a write that refers to a
row that does not exist is a 422 naming the field; a value a column cannot hold is a 422."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import asyncpg
import pytest

from retaguarda.db import transaction
from retaguarda.errors import InvalidInput
from retaguarda.integrity import AlreadyExists, OutOfRange, StillReferenced, database_error
from staffing.planning.tables import ScalingPlan
from staffing.tables import OperatorSkill
from tests.support.work import Floor


async def test_an_operator_whose_work_is_on_record_is_not_deleted(floor: Floor) -> None:
    client = await floor.world.sign_in("a_member")
    task_id = (await floor.submit(client)).json()["id"]
    operator = await floor.operator_client("operator")
    lease = (await operator.post("/api/v1/work/next")).json()
    done = await operator.post(
        f"/api/v1/work/{task_id}/complete", json={"fencingToken": lease["fencingToken"]}
    )
    assert done.status_code == 204, done.text
    admin = await floor.world.sign_in("admin")
    refused = await admin.delete(f"/api/v1/operators/{floor.operators['operator']}")
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "still_referenced"
    assert "time_entry" in refused.json()["detail"]
    assert (await admin.get(f"/api/v1/operators/{floor.operators['operator']}")).status_code == 200


async def test_a_skill_a_task_type_requires_is_not_deleted(floor: Floor) -> None:
    async with transaction():
        await OperatorSkill.delete().where(OperatorSkill.skill_id == floor.skill_id)
    admin = await floor.world.sign_in("admin")
    refused = await admin.delete(f"/api/v1/skills/{floor.skill_id}")
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "still_referenced"
    assert "2 task_type" in refused.json()["detail"]


async def test_a_pool_with_a_plan_is_not_deleted(floor: Floor) -> None:
    admin = await floor.world.sign_in("admin")
    pool = (await admin.post("/api/v1/pools", json={"name": "Peak", "timezone": "UTC"})).json()
    starts = datetime.now(UTC)
    async with transaction():
        await ScalingPlan(
            id=uuid4(),
            tenant_id=floor.world.provider.id,
            pool_id=pool["id"],
            name="Year-end",
            starts_at=starts,
            ends_at=starts + timedelta(days=3),
        ).save()
    refused = await admin.delete(f"/api/v1/pools/{pool['id']}")
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "still_referenced"
    assert "scaling_plan" in refused.json()["detail"]


async def test_references_to_rows_that_do_not_exist_are_4xx(floor: Floor) -> None:
    admin = await floor.world.sign_in("admin")
    nowhere = str(uuid4())
    membership = await admin.post(
        f"/api/v1/pools/{nowhere}/memberships",
        json={"operatorId": str(floor.operators["operator"]), "validFrom": "2026-01-01T00:00:00Z"},
    )
    assert membership.status_code == 404
    plan = await admin.post(
        "/api/v1/planning/plans",
        json={
            "poolId": nowhere,
            "name": "x",
            "startsAt": "2026-01-01T00:00:00Z",
            "endsAt": "2026-01-02T00:00:00Z",
            "changes": [],
        },
    )
    assert plan.status_code in {404, 422}, plan.text
    assert plan.json()["code"] in {"not_found", "invalid_input"}
    client = await floor.world.sign_in("a_admin")
    task = await floor.submit(client, queue="nowhere")
    assert task.status_code == 422 and task.json()["errors"][0]["field"] == "queue"
    queue = await admin.post("/api/v1/queues", json={"tenantId": nowhere, "code": "x", "name": "X"})
    assert queue.status_code in {404, 422}, queue.text


# ---- the mapping itself, engine by engine ------------------------------------------------------------------


def _asyncpg_error(kind: type[asyncpg.PostgresError], detail: str) -> asyncpg.PostgresError:
    error = kind("refused")
    error.detail = detail  # type: ignore[attr-defined]
    return error


def test_postgres_foreign_keys_say_who_refers_and_which_field_is_missing() -> None:
    still = database_error(
        _asyncpg_error(
            asyncpg.ForeignKeyViolationError, 'Key (id)=(1f0c…) is still referenced from table "time_entry".'
        ),
        "DELETE",
    )
    assert isinstance(still, StillReferenced) and "time_entry" in (still.detail or "")
    missing = database_error(
        _asyncpg_error(
            asyncpg.ForeignKeyViolationError, 'Key (pool_id)=(1f0c…) is not present in table "pool".'
        ),
        "POST",
    )
    assert isinstance(missing, InvalidInput)
    assert [(e.field, e.code) for e in missing.errors] == [("poolId", "not_found")]


def test_postgres_duplicates_and_values_out_of_range() -> None:
    duplicate = database_error(
        _asyncpg_error(asyncpg.UniqueViolationError, "Key (tenant_id, code)=(…, x) already exists."), "POST"
    )
    assert isinstance(duplicate, AlreadyExists) and duplicate.status == 409
    assert "code" in (duplicate.detail or "") and "tenant" not in (duplicate.detail or "")
    for kind in (asyncpg.NumericValueOutOfRangeError, asyncpg.CharacterNotInRepertoireError):
        assert isinstance(database_error(kind("no"), "POST"), OutOfRange)


def test_sqlite_refusals_map_the_same_way() -> None:
    foreign = sqlite3.IntegrityError("FOREIGN KEY constraint failed")
    assert isinstance(database_error(foreign, "DELETE"), StillReferenced)
    assert isinstance(database_error(foreign, "POST"), InvalidInput)
    unique = sqlite3.IntegrityError("UNIQUE constraint failed: skill.tenant_id, skill.code")
    assert isinstance(database_error(unique, "POST"), AlreadyExists)
    assert isinstance(
        database_error(OverflowError("Python int too large to convert to SQLite INTEGER"), "GET"), OutOfRange
    )
    assert database_error(OverflowError("math range error"), "GET") is None
    assert database_error(RuntimeError("ours"), "GET") is None


@pytest.mark.parametrize("engine_errors", ["sqlite3", "asyncpg"])
def test_every_database_refusal_is_a_4xx(engine_errors: str) -> None:
    refusals = (
        [sqlite3.IntegrityError("NOT NULL constraint failed: skill.name")]
        if engine_errors == "sqlite3"
        else [asyncpg.NotNullViolationError("null"), asyncpg.CheckViolationError("check")]
    )
    for refusal in refusals:
        mapped = database_error(refusal, "POST")
        assert mapped is not None and 400 <= mapped.status < 500
