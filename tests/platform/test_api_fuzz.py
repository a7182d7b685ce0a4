"""The API fuzzed against its own OpenAPI document with schemathesis: every role of the test world sends
generated requests, valid and invalid, to every operation, and no answer may be a 5xx, differ from what the
document promises (status, media type, body schema, headers), or be an error that is not problem+json.

Runs in the full pass (PostgreSQL, Redis), bounded: FUZZ_EXAMPLES requests per operation, and at most
FUZZ_BUDGET_S seconds of sending in all (each operation gets an equal share; on a loaded machine it sends
fewer). Failures are collected over the whole run, one per operation and kind, and reported together with
the counts (operations, requests, statuses). The seed is fixed so a CI failure replays; set FUZZ_SEED to
explore further.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from piccolo.table import Table
from schemathesis import GenerationMode
from schemathesis.checks import CheckContext
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.transport import Response
from schemathesis.generation.case import Case
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from billing.tables import Contract, Invoice, InvoiceLine
from retaguarda.work.imports.tables import CsvImport
from retaguarda.work.sla.tables import SlaPolicy
from retaguarda.work.tables import Notification, Queue, Task, TaskType
from retaguarda.work.webhooks.tables import WebhookDelivery, WebhookEndpoint
from staffing.planning.tables import ForecastOverride, ForecastRun, ScalingPlan, SeasonalEvent
from staffing.tables import Operator, Pool, PoolMembership, Shift, Skill
from tenants.tables import AccountAssignment, ApiKey, BusinessCalendar, Membership, Tenant
from tests.support.work import Floor
from tests.support.world import World

pytestmark = pytest.mark.postgres

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
# The whole run's wall-clock budget, shared evenly by the operations: on a busy machine an operation stops
# early rather than the run growing past a few minutes.
BUDGET_S = float(os.environ.get("FUZZ_BUDGET_S", "150"))
SEED = int(os.environ.get("FUZZ_SEED", "20261203"))
ROLES = ["anonymous", "admin", "account_manager", "supervisor", "operator", "a_admin", "a_member", "b_admin"]
# Path parameters that name rows of the world: half the time a generated id is swapped for a real one, so the
# fuzzer reaches past the 404 into the handlers.
ROWS_BY_PARAMETER: dict[str, list[type[Table]]] = {
    "tenant_id": [Tenant],
    "membership_id": [Membership, PoolMembership],
    "assignment_id": [AccountAssignment],
    "key_id": [ApiKey],
    "calendar_id": [BusinessCalendar],
    "skill_id": [Skill],
    "operator_id": [Operator],
    "pool_id": [Pool],
    "shift_id": [Shift],
    "queue_id": [Queue],
    "plan_id": [ScalingPlan],
    "type_id": [TaskType],
    "task_id": [Task],
    "endpoint_id": [WebhookEndpoint],
    "delivery_id": [WebhookDelivery],
    "contract_id": [Contract],
    "invoice_id": [Invoice],
    "line_id": [InvoiceLine],
    "policy_id": [SlaPolicy],
    "import_id": [CsvImport],
    "run_id": [ForecastRun],
    "event_id": [SeasonalEvent],
    "override_id": [ForecastOverride],
    "notification_id": [Notification],
}


def problem_json(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Every error answer is RFC 9457 problem+json carrying our stable ``code``."""
    if response.status_code < 400:
        return None
    media_type = response.headers.get("content-type", [""])[0].split(";")[0].strip()
    if media_type != "application/problem+json":
        raise AssertionError(f"{response.status_code} answered as {media_type!r}, not problem+json")
    body = response.json()
    if not (
        isinstance(body, dict)
        and isinstance(body.get("code"), str)
        and body.get("status") == response.status_code
    ):
        raise AssertionError(f"problem body without a code or with another status: {body!r}")
    return True


def not_a_server_error(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    if response.status_code >= 500:
        raise AssertionError(f"server error {response.status_code}: {response.content[:300]!r}")
    return True


CHECKS = [
    not_a_server_error,
    problem_json,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@dataclass
class FuzzReport:
    operations: int = 0
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: dict[tuple[str, str], str] = field(default_factory=dict)

    def record(self, label: str, kind: str, message: str) -> None:
        self.failures.setdefault((label, kind), message)

    def summary(self) -> str:
        return (
            f"fuzz: {self.operations} operations, {self.requests} requests, {len(self.failures)} failures; "
            f"statuses {dict(sorted(self.statuses.items()))}"
        )


async def known_rows(world: World) -> dict[str, list[str]]:
    """Ids of the world's rows by the path parameter that names them. The signed-in people's memberships
    are left out: a fuzzed delete of one would sign that role out for the rest of the run."""
    signed_in = [person.user_id for person in world.people.values()]
    known: dict[str, list[str]] = {}
    for name, tables in ROWS_BY_PARAMETER.items():
        ids: list[str] = []
        for table in tables:
            query = table.select(table._meta.primary_key)
            if table is Membership:
                query = query.where(Membership.user_id.not_in(signed_in))
            ids += [str(row["id"]) for row in await query.limit(20)]
        known[name] = ids
    return known


def refer_to_known_rows(body: dict[str, Any], known: dict[str, list[str]], pick: random.Random) -> None:
    """Body fields naming rows (``poolId``, ``tenantId`` …) get a real id now and then, as path parameters."""
    for key, value in body.items():
        name = re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()
        if isinstance(value, str) and known.get(name) and pick.random() < 0.6:
            body[key] = pick.choice(known[name])


def item_parameter(schema: Any, collection: str) -> str | None:
    """The path parameter of a collection's item (``/skills`` → ``skill_id``): ids the run creates."""
    for path in schema.raw_schema["paths"]:
        head, _, tail = path.rpartition("/")
        if head == collection and tail.startswith("{") and tail.endswith("}"):
            return tail[1:-1]
    return None


def request_of(case: Case, headers: dict[str, str]) -> dict[str, Any]:
    """The generated request as httpx arguments (schemathesis serialises for requests)."""
    sent = case.as_transport_kwargs(base_url="http://testserver", headers=headers)
    request: dict[str, Any] = {
        "method": sent["method"],
        "url": sent["url"],
        "params": sent.get("params"),
        "headers": {key: str(value) for key, value in (sent.get("headers") or {}).items()},
    }
    if sent.get("cookies"):
        cookie = "; ".join(f"{key}={value}" for key, value in sent["cookies"].items())
        request["headers"]["Cookie"] = "; ".join(filter(None, [request["headers"].get("Cookie"), cookie]))
    if sent.get("files"):
        # Encoded by requests, as schemathesis meant (httpx reads generated parts differently).
        prepared = requests.PreparedRequest()
        prepared.prepare_headers(None)
        prepared.prepare_body(sent.get("data"), sent["files"])
        request["content"] = prepared.body
        request["headers"]["Content-Type"] = prepared.headers["Content-Type"]
    elif "json" in sent:
        request["json"] = sent["json"]
    elif isinstance(sent.get("data"), bytes | str):
        request["content"] = sent["data"]
    elif sent.get("data") is not None:
        request["data"] = sent["data"]
    return request


class OutOfTime(Exception):
    """An operation's share of the budget is spent: its remaining examples are not generated."""


@dataclass
class Fuzzer:
    schema: Any
    send: Callable[[dict[str, Any]], httpx.Response]
    credentials: dict[str, dict[str, str]]
    known: dict[str, list[str]]
    report: FuzzReport = field(default_factory=FuzzReport)

    def run(self) -> FuzzReport:
        operations = [result.ok() for result in self.schema.get_all_operations()]
        for operation in operations:
            self.fuzz_operation(operation, time.monotonic() + BUDGET_S / len(operations))
        return self.report

    def fuzz_operation(self, operation: Any, deadline: float) -> None:
        self.report.operations += 1
        strategy = st.one_of(
            operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
            operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
        )
        collection = (
            item_parameter(self.schema, operation.path) if operation.method.upper() == "POST" else None
        )

        @seed(SEED)
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        # One drawn number seeds the example's own choices: drawing them one by one, as many as the rows
        # known so far, would make hypothesis see a strategy that draws differently on a replay.
        @given(case=strategy, choices=st.integers(min_value=0, max_value=2**32))
        def example(case: Case, choices: int) -> None:
            if time.monotonic() > deadline:
                raise OutOfTime
            self.try_case(operation.label, collection, case, random.Random(choices))

        with contextlib.suppress(OutOfTime):
            example()

    def try_case(self, label: str, collection: str | None, case: Case, pick: random.Random) -> None:
        # Roles in turn: drawn by hypothesis, the first (anonymous) would get most of the examples.
        role = ROLES[self.report.requests % len(ROLES)]
        if role != "anonymous":
            # The generated credentials (random bearer tokens, session cookies) would replace the role's.
            (case.headers or {}).pop("Authorization", None)
            (case.cookies or {}).pop("rg_session", None)
        for name in case.path_parameters or {}:
            if self.known.get(name) and pick.random() < 0.6:
                case.path_parameters[name] = pick.choice(self.known[name])
        if isinstance(case.body, dict):
            refer_to_known_rows(case.body, self.known, pick)
        response = self.send(request_of(case, self.credentials[role]))
        self.report.requests += 1
        self.report.statuses[response.status_code] += 1
        if collection and response.status_code < 300 and "json" in response.headers.get("content-type", ""):
            created = response.json()
            if isinstance(created, dict) and isinstance(created.get("id"), str):
                self.known.setdefault(collection, []).append(created["id"])
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:
            for failure in group.exceptions:
                self.report.record(label, _kind(failure), f"{role}: {_describe(failure, case, response)}")


def _kind(failure: Failure) -> str:
    return type(failure).__name__ + (f" {failure.title}" if getattr(failure, "title", "") else "")


def _describe(failure: Failure, case: Case, response: httpx.Response) -> str:
    return (
        f"{failure.message[:400]} | {case.method} {case.formatted_path} query={case.query!r} "
        f"body={str(case.body)[:200]!r} -> {response.status_code} {response.text[:300]!r}"
    )


async def credentials_of(world: World) -> dict[str, dict[str, str]]:
    credentials: dict[str, dict[str, str]] = {"anonymous": {}}
    for role in ROLES[1:]:
        client = await world.sign_in(role)
        cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
        credentials[role] = {"Cookie": cookie, "X-CSRF-Token": client.headers["X-CSRF-Token"]}
    return credentials


async def test_every_generated_request_is_answered_as_the_openapi_document_says(floor: Floor) -> None:
    world = floor.world
    client = world.anonymous()
    document = (await client.get("/schema/openapi.json")).json()
    schema = schemathesis.openapi.from_dict(document)
    credentials = await credentials_of(world)
    known = await known_rows(world)
    loop = asyncio.get_running_loop()
    transport = httpx.ASGITransport(app=world.app)

    async def deliver(request: dict[str, Any]) -> httpx.Response:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as one_off:
            built = one_off.build_request(**request)
            await built.aread()  # a multipart body is a stream: read it, so the checks can show what was sent
            response = await one_off.send(built)
            await response.aread()
            return response

    def send(request: dict[str, Any]) -> httpx.Response:
        return asyncio.run_coroutine_threadsafe(deliver(request), loop).result(timeout=60)

    started = time.monotonic()
    report = await asyncio.to_thread(Fuzzer(schema, send, credentials, known).run)
    print(f"{report.summary()} in {time.monotonic() - started:.0f} s")
    failures = "\n".join(
        f"- {label} [{kind}] {message}" for (label, kind), message in report.failures.items()
    )
    assert not report.failures, f"{report.summary()}\n{failures}"
