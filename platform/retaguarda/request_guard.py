"""The one check of what every request carries, before any handler or query sees it.

What it refuses would otherwise reach a handler and end as a 500 on one engine or the other: a NUL character
(PostgreSQL stores no ``\\x00`` in text or jsonb, and SQLite keeps it, so the same request would fail only in
full mode), bytes that are not UTF-8 (where the query or the body must be text), and JSON nested deeper than
any of our documents is (msgspec decodes it recursively and stops with a RecursionError thousands of levels
down). Each answer is a 4xx problem+json with a stable code, as any other refused input.

Integer bounds and date-time formats are the parameters' own types (``retaguarda.endpoints``,
``retaguarda.wire.DateTimeParam``), documented in the OpenAPI document and checked by Litestar.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

import msgspec
from litestar import Request
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from retaguarda.errors import DomainError, FieldError, InvalidInput
from retaguarda.i18n import N_

# No request body or filter of ours nests half as deep; a legitimate client never meets this limit.
MAX_JSON_DEPTH = 32
# A JSON ``\u0000`` escape, not preceded by an escaped backslash (``\\u0000`` is the six characters).
_NUL_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")
_FORM = "application/x-www-form-urlencoded"


class MalformedText(DomainError):
    status = 400
    code = "malformed_text"
    title = N_("The request is not valid UTF-8 text.")


class TooDeep(DomainError):
    status = 400
    code = "too_deeply_nested"
    title = N_("The request body is nested too deeply.")


def nul_character(field: str) -> FieldError:
    return FieldError(field, "nul_character", "Text may not contain the NUL character.")


def check_pairs(raw: bytes, where: str) -> None:
    """A query string or form: UTF-8 once percent-decoded, and no NUL in a name or a value."""
    try:
        pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise MalformedText(f"The {where} is not valid UTF-8 once percent-decoded.") from exc
    errors = [nul_character(name.replace("\x00", "")) for name, value in pairs if "\x00" in name + value]
    if errors:
        raise InvalidInput(errors=errors)


def json_depth(text: str) -> int:
    """How deep a JSON text nests arrays and objects (brackets inside strings do not count)."""
    depth = deepest = 0
    for bracket in _BRACKET.finditer(_JSON_STRING.sub("", text)):
        depth += 1 if bracket.group() in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _path_of_nul(value: Any, path: str = "") -> str | None:
    """Where in a decoded document the first NUL is, as a dotted field path."""
    if isinstance(value, str):
        return path or "body" if "\x00" in value else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if isinstance(key, str) and "\x00" in key:
            return path or "body"
        found = _path_of_nul(item, f"{path}.{key}" if path else str(key))
        if found:
            return found
    return None


def check_json(body: bytes) -> None:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedText("The JSON body is not valid UTF-8.") from exc
    # Cheap first: a body with fewer brackets than the limit cannot nest deeper than it.
    if text.count("[") + text.count("{") > MAX_JSON_DEPTH and json_depth(text) > MAX_JSON_DEPTH:
        raise TooDeep(f"Nest arrays and objects at most {MAX_JSON_DEPTH} levels deep.")
    if _NUL_ESCAPE.search(text):
        try:
            field = _path_of_nul(msgspec.json.decode(body)) or "body"
        except msgspec.DecodeError:
            return  # malformed JSON: the body's own decoding answers 400
        raise InvalidInput(errors=[nul_character(field)])


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")


async def check_request(request: Request[Any, Any, Any]) -> None:
    check_pairs(request.scope.get("query_string", b""), "query string")
    if request.method in {"GET", "HEAD", "OPTIONS", "DELETE"} and not request.headers.get("content-length"):
        return
    media_type = request.content_type[0]
    if _is_json(media_type):
        check_json(await request.body())  # kept by Litestar for the handler: the body is read once
    elif media_type == _FORM:
        check_pairs(await request.body(), "form")


class RequestGuard(ASGIMiddleware):
    """Runs :func:`check_request` on every HTTP request (a refusal goes through the app's one error map)."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        await check_request(Request(scope, receive))
        await next_app(scope, receive, send)
