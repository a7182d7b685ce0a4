"""Reading invoices: lists, one invoice with its lines, and the entries behind a line. Clients see their
finalized invoices only: a draft is the provider's working copy."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from billing.labels import describe_line
from billing.schemas import (
    CoveredEntry,
    CreditNoteLineRead,
    CreditNoteRead,
    CreditReason,
    InvoiceDetail,
    InvoiceLineRead,
    InvoiceRead,
    PaymentStatus,
)
from billing.tables import CreditNote, CreditNoteLine, Invoice, InvoiceLine, InvoiceStatus
from retaguarda.errors import NotFound
from retaguarda.listing import keyset_page
from retaguarda.tenancy import TenantContext


def payment_status(row: dict[str, Any], today: date) -> PaymentStatus | None:  # noqa: PLR0911
    status = row["status"]
    if status == "draft":
        return None
    if status == "void":
        return PaymentStatus.VOID
    if status == "uncollectible":
        return PaymentStatus.UNCOLLECTIBLE
    if status == "paid":
        if row["refunded_minor"] and row["refunded_minor"] >= row["total_minor"]:
            return PaymentStatus.REFUNDED
        return PaymentStatus.PARTIALLY_REFUNDED if row["refunded_minor"] else PaymentStatus.PAID
    if row["payment_failed_at"] is not None:
        return PaymentStatus.FAILED
    if row["due_date"] is not None and row["due_date"] < today:
        return PaymentStatus.OVERDUE
    return PaymentStatus.DUE


def invoice_read(row: dict[str, Any], today: date | None = None) -> InvoiceRead:
    return InvoiceRead(**_invoice_fields(row, today))


def _invoice_fields(row: dict[str, Any], today: date | None) -> dict[str, Any]:
    return {
        "id": row["id"],
        "tenant_id": row["tenant_id"],
        "number": row["number"],
        "status": InvoiceStatus(row["status"]),
        "payment_status": payment_status(row, today or date.today()),
        "period_start": row["period_start"],
        "period_end": row["period_end"],
        "currency": row["currency"],
        "subtotal_minor": row["subtotal_minor"],
        "tax_minor": row["tax_minor"],
        "total_minor": row["total_minor"],
        "tax_inclusive": row["tax_inclusive"],
        "sla_attainment": Decimal(row["sla_attainment"]) if row["sla_attainment"] else None,
        "due_date": row["due_date"],
        "finalized_at": row["finalized_at"],
        "paid_at": row["paid_at"],
        "voided_at": row["voided_at"],
        "void_reason": row["void_reason"],
        "refunded_minor": row["refunded_minor"],
        "credited_minor": row["credited_minor"],
        "replaces_id": row["replaces_id"],
        "stripe_invoice_id": row["stripe_invoice_id"],
        "created_at": row["created_at"],
    }


def line_read(row: dict[str, Any]) -> InvoiceLineRead:
    return InvoiceLineRead(
        id=row["id"],
        position=row["position"],
        kind=row["kind"],
        description=row["description"],
        quantity=Decimal(row["quantity"]),
        unit=row["unit"],
        unit_price=Decimal(row["unit_price"]),
        amount_minor=row["amount_minor"],
        included=row["included"],
        contract_id=row["contract_id"],
        task_type_id=row["task_type_id"],
        skill_level=row["skill_level"],
        category=row["category"],
        multiplier=Decimal(row["multiplier"]) if row["multiplier"] else None,
        raw_seconds=row["raw_seconds"],
        billed_seconds=row["billed_seconds"],
        entries=row["entries"],
        reason=row["reason"],
        detail=row["detail"] or {},
    )


def _visible(ctx: TenantContext, query: Any) -> Any:
    if not ctx.principal.is_provider:
        query = query.where(Invoice.status != InvoiceStatus.DRAFT)
    return query


async def invoice_row(ctx: TenantContext, invoice_id: UUID) -> dict[str, Any]:
    row = await _visible(ctx, ctx.select(Invoice).where(Invoice.id == invoice_id)).first()
    if row is None:
        raise NotFound()
    return dict(row)


async def get_invoice(ctx: TenantContext, invoice_id: UUID) -> InvoiceDetail:
    row = await invoice_row(ctx, invoice_id)
    lines = (
        await ctx.select(InvoiceLine)
        .where(InvoiceLine.invoice_id == invoice_id)
        .order_by(InvoiceLine.position)
    )
    return InvoiceDetail(
        **_invoice_fields(row, None),
        lines=[line_read(line) for line in lines],
        credit_notes=await credit_notes_of(ctx, invoice_id),
    )


async def list_invoices(
    ctx: TenantContext,
    *,
    tenant_id: UUID | None = None,
    status: InvoiceStatus | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[InvoiceRead], str | None]:
    query = _visible(ctx, ctx.select(Invoice))
    if tenant_id is not None:
        query = query.where(Invoice.tenant_id == tenant_id)
    if status is not None:
        query = query.where(Invoice.status == status.value)
    return await keyset_page(query, Invoice, cursor, limit, invoice_read)


__all__ = ["CoveredEntry", "get_invoice", "invoice_read", "invoice_row", "line_read", "list_invoices"]


async def credit_notes_of(
    ctx: TenantContext, invoice_id: UUID, only: list[UUID] | None = None, locale: str = "en"
) -> list[CreditNoteRead]:
    """An invoice's credit notes, oldest first, each with its lines described in ``locale``."""
    query = ctx.select(CreditNote).where(CreditNote.invoice_id == invoice_id)
    if only is not None:
        query = query.where(CreditNote.id.is_in(only))
    notes = await query.order_by(CreditNote.created_at)
    if not notes:
        return []
    lines = (
        await ctx.select(CreditNoteLine)
        .where(CreditNoteLine.credit_note_id.is_in([n["id"] for n in notes]))
        .order_by(CreditNoteLine.position)
    )
    invoice_lines = {
        row["id"]: row for row in await ctx.select(InvoiceLine).where(InvoiceLine.invoice_id == invoice_id)
    }
    return [
        CreditNoteRead(
            id=note["id"],
            invoice_id=invoice_id,
            number=note["number"],
            currency=note["currency"],
            reason=CreditReason(note["reason"]),
            memo=note["memo"],
            total_minor=note["total_minor"],
            created_at=note["created_at"],
            stripe_credit_note_id=note["stripe_credit_note_id"],
            lines=[
                CreditNoteLineRead(
                    invoice_line_id=line["invoice_line_id"],
                    description=_line_text(invoice_lines.get(line["invoice_line_id"]), locale),
                    amount_minor=line["amount_minor"],
                )
                for line in lines
                if line["credit_note_id"] == note["id"]
            ],
        )
        for note in notes
    ]


def _line_text(line: dict[str, Any] | None, locale: str) -> str:
    if line is None:
        return ""
    return describe_line(
        line["kind"],
        locale=locale,
        detail=line["detail"] or {},
        skill_level=line["skill_level"],
        category=line["category"],
        quantity=None,
        description=(line["detail"] or {}).get("description", ""),
    )
