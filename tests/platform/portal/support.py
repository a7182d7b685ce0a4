"""Portal test helpers: a task type with every kind of field, and reading pages."""

from __future__ import annotations

import re
from html import unescape
from typing import Any
from uuid import UUID, uuid4

import httpx

from retaguarda.db import transaction
from retaguarda.work.tables import TaskType
from tests.support.work import Floor

# One field of every kind the portal's submit form generates inputs for.
ALL_KINDS: list[dict[str, Any]] = [
    {
        "key": "supplier",
        "kind": "text",
        "labels": {"en": "Supplier", "pt_BR": "Fornecedor"},
        "required": True,
    },
    {"key": "notes", "kind": "long_text", "labels": {"en": "Notes", "pt_BR": "Observações"}},
    {"key": "copies", "kind": "integer", "labels": {"en": "Copies", "pt_BR": "Cópias"}, "min": 1},
    {"key": "rate", "kind": "decimal", "labels": {"en": "Rate", "pt_BR": "Taxa"}, "places": 2},
    {"key": "amount", "kind": "money", "labels": {"en": "Amount", "pt_BR": "Valor"}, "required": True},
    {"key": "due", "kind": "date", "labels": {"en": "Due date", "pt_BR": "Vencimento"}},
    {"key": "call_at", "kind": "datetime", "labels": {"en": "Call at", "pt_BR": "Ligar em"}},
    {"key": "urgent", "kind": "boolean", "labels": {"en": "Urgent", "pt_BR": "Urgente"}},
    {
        "key": "method",
        "kind": "choice",
        "labels": {"en": "Method", "pt_BR": "Forma"},
        "choices": [
            {"value": "pix", "labels": {"en": "PIX"}},
            {"value": "boleto", "labels": {"en": "Bank slip", "pt_BR": "Boleto"}},
        ],
    },
    {"key": "contact", "kind": "email", "labels": {"en": "Contact", "pt_BR": "Contato"}},
    {"key": "cpf", "kind": "cpf", "labels": {"en": "CPF"}},
    {"key": "cnpj", "kind": "cnpj", "labels": {"en": "CNPJ"}},
]


async def add_all_kinds_type(floor: Floor, tenant_id: UUID | None = None) -> UUID:
    """A task type `invoice` on client A (by default) with every field kind, served by the floor's pool."""
    async with transaction():
        row = TaskType(
            id=uuid4(),
            tenant_id=tenant_id or floor.world.client_a.id,
            code="invoice",
            names={"en": "Pay an invoice", "pt_BR": "Pagar uma fatura"},
            fields=ALL_KINDS,
            required_skill_id=floor.skill_id,
            expected_handle_s=300,
        )
        await row.save()
    return row.id


def csrf_of(client: httpx.AsyncClient) -> str:
    return str(client.headers["X-CSRF-Token"])


def form_post_client(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """The same session without the CSRF header: forms must carry the token as a field."""
    client.headers.pop("X-CSRF-Token", None)
    return client


def text_of(html: str) -> str:
    """A page's visible text, roughly: tags dropped, entities decoded, spaces (CLDR's NBSPs too) squeezed."""
    without = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    plain = unescape(re.sub(r"<[^>]+>", " ", without)).replace("\u00a0", " ").replace("\u202f", " ")
    return re.sub(r"\s+", " ", plain)


def field_error(html: str, name: str) -> str | None:
    found = re.search(rf'id="{re.escape(name)}-error">([^<]*)<', html)
    return unescape(found.group(1)) if found else None
