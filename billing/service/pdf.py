"""Invoices as PDF: the same HTML document the portal shows, rendered by WeasyPrint (Pango from Debian).

A finalized invoice's PDF is the document of record: rendered once in the client's language, archived in
object storage with its SHA-256 by a job right after the finalizing commit, and served from there ever after,
so a later change of the contract, the client's name or a translation never changes a document that was
issued. A draft is rendered afresh each time and says it is a draft. Rendering takes a few hundred
milliseconds of CPU: it runs in a worker thread, never inside a transaction.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from uuid import UUID

from billing.service.reads import invoice_row
from billing.service.rendering import render_invoice_html
from billing.tables import Invoice
from retaguarda.db import transaction
from retaguarda.storage import get_storage
from retaguarda.tenancy import TenantContext

PDF_MEDIA_TYPE = "application/pdf"


def html_to_pdf(html: str) -> bytes:
    """WeasyPrint's rendering (imported here: it loads Pango, which only PDF work needs)."""
    import weasyprint

    return bytes(weasyprint.HTML(string=html).write_pdf())


def pdf_key(tenant_id: UUID, invoice_id: UUID) -> str:
    return f"billing/{tenant_id}/invoices/{invoice_id}.pdf"


async def _render(ctx: TenantContext, invoice_id: UUID) -> bytes:
    html = await render_invoice_html(ctx, invoice_id)
    return await asyncio.to_thread(html_to_pdf, html)


async def _one_chunk(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def archive_invoice_pdf(ctx: TenantContext, invoice_id: UUID) -> str | None:
    """Render and keep a finalized invoice's PDF once; returns its key (None for a draft). Safe to run twice
    or at once: the key is the invoice's, and only the first to record it keeps its hash."""
    row = await invoice_row(ctx, invoice_id)
    if row["number"] is None:  # never finalized: nothing was issued
        return None
    if row["pdf_key"]:
        return str(row["pdf_key"])
    data = await _render(ctx, invoice_id)
    key = pdf_key(row["tenant_id"], invoice_id)
    await get_storage().put(
        key,
        _one_chunk(data),
        content_type=PDF_MEDIA_TYPE,
        disposition=f'attachment; filename="{download_name(row)}"',
    )
    async with transaction():
        await ctx.update(
            Invoice, {Invoice.pdf_key: key, Invoice.pdf_sha256: hashlib.sha256(data).hexdigest()}
        ).where((Invoice.id == invoice_id) & Invoice.pdf_key.is_null())
    return key


def pdf_headers(name: str) -> dict[str, str]:
    """Always a download, never rendered in our origin; the name is made of the number, never of free text."""
    return {"Content-Disposition": f'attachment; filename="{name}"', "X-Content-Type-Options": "nosniff"}


def download_name(row: dict[str, object]) -> str:
    number = str(row["number"] or "draft").replace("/", "-")
    return f"invoice-{number}.pdf"


async def invoice_pdf(ctx: TenantContext, invoice_id: UUID) -> tuple[bytes, str]:
    """The invoice's PDF and its download name: the archived document once the job has kept it, else a fresh
    rendering (a draft, or the seconds between finalization and the archiving job). Reading never writes:
    the archive is the job's alone, so a download cannot race it for the database."""
    row = await invoice_row(ctx, invoice_id)
    if row["pdf_key"]:
        chunks = [chunk async for chunk in get_storage().read(str(row["pdf_key"]))]
        return b"".join(chunks), download_name(row)
    return await _render(ctx, invoice_id), download_name(row)
