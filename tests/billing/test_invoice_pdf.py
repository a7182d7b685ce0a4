"""Invoice PDFs: the document's text in the client's language and formats, archived at finalization and never
changed afterwards, served only to those who may read the invoice."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from pypdf import PdfReader

from billing.tables import Invoice
from tenants.tables import Tenant
from tests.billing.builders import add_contract, add_work, at
from tests.support.work import Floor
from tests.support.world import World


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


async def _finalized(world: World, floor: Floor, tenant_id: UUID) -> dict[str, Any]:
    admin = await world.sign_in("admin")
    await add_contract(admin, tenant_id, {"defaultHourlyRate": "1234.50", "tax": {"ratePercent": "10"}})
    await add_work(floor, tenant_id, at(date(2026, 10, 6), 10), 5400)
    run = await admin.post(
        "/api/v1/billing/invoices/runs", json={"tenantId": str(tenant_id), "month": "2026-10"}
    )
    finalized = await admin.post(f"/api/v1/billing/invoices/{run.json()['id']}/finalize")
    assert finalized.status_code == 200, finalized.text
    return finalized.json()  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("locale", "words", "total"),
    [
        ("pt_BR", ["Fatura", "Período", "Total"], r"R\$\s?2\.036,93"),
        ("es", ["Factura", "Periodo", "Total"], r"2\.036,93\s?(R\$|BRL)"),
        ("en", ["Invoice", "Period", "Total"], r"R\$2,036\.93"),
    ],
)
async def test_the_pdf_carries_the_total_and_lines_in_the_clients_language(
    world: World, floor: Floor, locale: str, words: list[str], total: str
) -> None:
    await Tenant.update({Tenant.locale: locale}).where(Tenant.id == world.client_a.id)
    invoice = await _finalized(world, floor, world.client_a.id)
    assert (
        invoice["totalMinor"] == 203693
    )  # 1.5 h x 1234.50 = 1851.75, + 10 % tax 185.18 (185.175, half to even)
    reader = await world.sign_in("a_admin")
    response = await reader.get(f"/api/v1/billing/invoices/{invoice['id']}/pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert (
        response.headers["content-disposition"] == f'attachment; filename="invoice-{invoice["number"]}.pdf"'
    )
    assert response.headers["x-content-type-options"] == "nosniff"
    text = pdf_text(response.content)
    for word in words:
        assert word in text, (word, text)
    assert re.search(total, text.replace("\xa0", " ")), text
    assert invoice["number"] in text


async def test_a_finalized_pdf_never_changes(world: World, floor: Floor) -> None:
    invoice = await _finalized(world, floor, world.client_a.id)
    await world.settle_jobs()  # the archiving job, after the commit
    row = await Invoice.select(Invoice.pdf_key, Invoice.pdf_sha256).where(Invoice.id == invoice["id"]).first()
    assert row is not None and row["pdf_key"] and row["pdf_sha256"]
    admin = await world.sign_in("admin")
    first = (await admin.get(f"/api/v1/billing/invoices/{invoice['id']}/pdf")).content
    assert hashlib.sha256(first).hexdigest() == row["pdf_sha256"]
    # The client renames itself and reads in another language: the issued document stays as it was.
    await Tenant.update({Tenant.name: "Renamed Co.", Tenant.locale: "en"}).where(
        Tenant.id == world.client_a.id
    )
    again = (await admin.get(f"/api/v1/billing/invoices/{invoice['id']}/pdf")).content
    assert again == first
    assert "Cliente A Ltda." in pdf_text(again) and "Renamed" not in pdf_text(again)


async def test_drafts_render_fresh_and_other_tenants_get_404(world: World, floor: Floor) -> None:
    admin = await world.sign_in("admin")
    await add_contract(admin, world.client_a.id)
    await add_work(floor, world.client_a.id, at(date(2026, 10, 6), 10), 3600)
    run = await admin.post(
        "/api/v1/billing/invoices/runs", json={"tenantId": str(world.client_a.id), "month": "2026-10"}
    )
    draft = await admin.get(f"/api/v1/billing/invoices/{run.json()['id']}/pdf")
    assert draft.status_code == 200 and "(rascunho)" in pdf_text(draft.content)
    other = await world.sign_in("b_admin")
    assert (await other.get(f"/api/v1/billing/invoices/{run.json()['id']}/pdf")).status_code == 404
