"""The database's aggregation and the streaming path give the same rating groups, for every rounding scope."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from billing.rating.calendar_segments import build_segments
from billing.service.clients import client_calendar, load_client
from billing.service.collect import _aggregate_in_database, _aggregate_streaming
from billing.service.contracts import contract_versions
from billing.terms import RoundingScope
from retaguarda.tenancy import system_context
from tests.billing.builders import add_contract, add_work, at
from tests.support.work import Floor
from tests.support.world import World


@pytest.mark.postgres
@pytest.mark.parametrize("scope", list(RoundingScope))
async def test_sql_aggregation_matches_streaming(world: World, floor: Floor, scope: RoundingScope) -> None:
    admin = await world.sign_in("admin")
    a = world.client_a.id
    rounding = {"rounding": {"incrementMinutes": 6, "mode": "nearest", "scope": scope.value}}
    await add_contract(admin, a, rounding)
    await add_contract(admin, a, rounding, "2026-10-15")
    rng = random.Random(7)
    for _ in range(60):
        day = date(2026, 10, 1) + timedelta(days=rng.randrange(31))
        seconds = rng.choice([60, 420, 900, 3700])
        await add_work(floor, a, at(day, rng.randrange(24), rng.randrange(60)), seconds)
    ctx = system_context(a)
    client = await load_client(ctx, a)
    versions = await contract_versions(ctx, client)
    start, end = client.instant(date(2026, 10, 1)), client.instant(date(2026, 11, 1))
    segments = build_segments(await client_calendar(ctx, client), versions.versions, start, end)
    in_sql = await _aggregate_in_database(a, start, end, None, segments, versions, scope, finalizing=False)
    streamed = await _aggregate_streaming(a, start, end, None, segments, versions, finalizing=False)
    assert sorted(in_sql, key=str) == sorted(streamed, key=str)
    rule = versions.terms[versions.versions[0].contract_id].rounding
    rounded_in_sql = await _aggregate_in_database(
        a, start, end, None, segments, versions, scope, finalizing=False, rule=rule
    )
    assert sorted(rounded_in_sql, key=str) == sorted(streamed, key=str)
    assert sum(g.entries for g in in_sql) == 60
