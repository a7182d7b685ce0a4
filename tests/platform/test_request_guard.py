"""Input no handler should see answers a 4xx problem+json with a stable code, on SQLite and PostgreSQL alike
(each of these was a 500 on one engine or both): NUL characters, text that is not UTF-8, JSON nested
thousands of levels deep, integers out of a filter's range, date-times that are not RFC 3339."""

from __future__ import annotations

import httpx
import pytest

from retaguarda.request_guard import MAX_JSON_DEPTH, json_depth
from tests.support.world import World

JSON = {"content-type": "application/json"}


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, object] = response.json()
    assert body["code"] == code, body
    return body


@pytest.mark.parametrize(
    "params",
    [{"q": "pay\x00ment"}, {"q\x00": "x"}, {"status": "queued\x00"}],
    ids=["value", "name", "enum"],
)
async def test_a_nul_character_in_the_query_is_invalid_input(world: World, params: dict[str, str]) -> None:
    client = await world.sign_in("a_admin")
    body = assert_problem(await client.get("/api/v1/tasks", params=params), 422, "invalid_input")
    assert body["errors"] == [
        {
            "field": next(iter(params)).replace("\x00", ""),
            "code": "nul_character",
            "message": "Text may not contain the NUL character.",
        }
    ]


async def test_a_nul_character_in_a_json_body_names_its_field(world: World) -> None:
    admin = await world.sign_in("admin")
    sent = await admin.post(
        "/api/v1/skills", content=b'{"code": "audit", "name": "Au\\u0000dit"}', headers=JSON
    )
    body = assert_problem(sent, 422, "invalid_input")
    assert body["errors"][0]["field"] == "name"  # type: ignore[index]
    # An escaped backslash followed by "u0000" is six characters of text, not a NUL.
    kept = await admin.post(
        "/api/v1/skills", content=b'{"code": "audit", "name": "C:\\\\u0000"}', headers=JSON
    )
    assert kept.status_code == 201, kept.text
    assert kept.json()["name"] == "C:\\u0000"


async def test_a_nul_character_deep_in_a_task_payload_is_refused_before_storage(world: World) -> None:
    client = await world.sign_in("a_admin")
    sent = await client.post(
        "/api/v1/tasks",
        content=b'{"taskType": "payable", "payload": {"supplier": "AC\\u0000ME", "amount": "1.00"}}',
        headers=JSON,
    )
    body = assert_problem(sent, 422, "invalid_input")
    assert body["errors"][0]["field"] == "payload.supplier"  # type: ignore[index]


async def test_a_nul_character_in_a_form_is_refused(world: World) -> None:
    client = world.anonymous()
    sent = await client.post(
        "/login", content=b"email=a%00b%40example.test&password=x", headers={"content-type": _FORM}
    )
    assert sent.status_code == 422


_FORM = "application/x-www-form-urlencoded"


async def test_text_that_is_not_utf8_is_malformed(world: World) -> None:
    admin = await world.sign_in("admin")
    body_sent = await admin.post("/api/v1/skills", content=b'{"code": "x", "name": "\xff\xfe"}', headers=JSON)
    assert_problem(body_sent, 400, "malformed_text")
    query_sent = await admin.get("/api/v1/tasks?q=%ff%fe")
    assert_problem(query_sent, 400, "malformed_text")


async def test_json_nested_thousands_of_levels_deep_is_refused(world: World) -> None:
    admin = await world.sign_in("admin")
    deep = b'{"code": "x", "name": "y", "extra": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    assert_problem(await admin.post("/api/v1/skills", content=deep, headers=JSON), 400, "too_deeply_nested")
    # Brackets inside strings are text, not nesting.
    flat = {"code": "brackets", "name": "[" * 200}
    assert (await admin.post("/api/v1/skills", json=flat)).status_code == 201


def test_json_depth_counts_nesting_not_brackets() -> None:
    assert json_depth('{"a": [1, {"b": "[[[[["}], "c": []}') == 3
    assert json_depth("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1)) == MAX_JSON_DEPTH + 1
    assert json_depth('"\\"[[["') == 0


@pytest.mark.parametrize("priority", ["0", "5", "7490558148", "9" * 30])
async def test_a_filter_integer_out_of_its_range_is_invalid_input(world: World, priority: str) -> None:
    client = await world.sign_in("a_admin")
    body = assert_problem(
        await client.get("/api/v1/tasks", params={"priority": priority}), 422, "invalid_input"
    )
    assert body["errors"][0]["field"] == "priority"  # type: ignore[index]


@pytest.mark.parametrize("value", ["0.5", "1700000000", "2026-03-02T09:00:00", "yesterday"])
@pytest.mark.parametrize(
    ("path", "name"),
    [("/api/v1/tasks", "created_from"), ("/api/v1/time-entries", "started_to"), ("/api/v1/shifts", "from")],
)
async def test_a_date_time_parameter_takes_rfc3339_with_an_offset_only(
    world: World, path: str, name: str, value: str
) -> None:
    client = await world.sign_in("admin")
    body = assert_problem(await client.get(path, params={name: value}), 422, "invalid_input")
    assert body["errors"][0]["field"] == name  # type: ignore[index]
    assert (await client.get(path, params={name: "2026-03-02T09:00:00-03:00"})).status_code == 200


async def test_a_405_says_which_methods_are_allowed(world: World) -> None:
    admin = await world.sign_in("admin")
    response = await admin.put("/api/v1/skills")
    assert_problem(response, 405, "method_not_allowed")
    assert set(response.headers["allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


async def test_every_integer_parameter_and_date_time_is_bounded_in_the_openapi_document(world: World) -> None:
    """The filters' bounds are the parameters' own: what the document shows is what Litestar enforces, so
    an integer filter without bounds (the way a 64-bit number reached a 32-bit column) cannot come back."""
    document = (await world.anonymous().get("/schema/openapi.json")).json()
    unbounded = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                schema = parameter["schema"]
                for variant in schema.get("oneOf", [schema]):
                    bounds = {**schema, **variant}  # an optional one carries them beside its oneOf
                    integer = variant.get("type") == "integer" and "enum" not in variant
                    if integer and ("minimum" not in bounds or "maximum" not in bounds):
                        unbounded.append(f"{method.upper()} {path} {parameter['name']}")
                    if variant == {}:
                        unbounded.append(f"{method.upper()} {path} {parameter['name']} (no type)")
    assert not unbounded, unbounded
