"""Credit notes: what an accountant issues against an invoice that was finalized (sent, or paid) instead of
voiding it. A credit note refers to its invoice and never changes it: the invoice keeps its lines and total,
and records how much has been credited. Credits are full (what is left of the invoice) or partial (amounts
against its lines, each at most what is left of that line); together they never exceed the invoice's total.
Numbered in their own gap-free sequence; issued in Stripe too, by a job, when the invoice is there."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from piccolo.query import WhereRaw

from billing.rating.currency import collection_step
from billing.schemas import CreditNoteCreate, CreditNoteRead
from billing.service.numbering import Series, next_number
from billing.service.reads import credit_notes_of, invoice_row
from billing.tables import CreditNote, CreditNoteLine, Invoice, InvoiceLine, InvoiceStatus
from retaguarda import audit
from retaguarda.audit import AuditAction, Target
from retaguarda.clock import now
from retaguarda.errors import Conflict, FieldError, InvalidInput
from retaguarda.i18n import minor_unit_digits, to_minor_units
from retaguarda.jobs import enqueue
from retaguarda.settings import get_settings
from retaguarda.tenancy import TenantContext

CREDITABLE = frozenset({InvoiceStatus.OPEN, InvoiceStatus.PAID, InvoiceStatus.UNCOLLECTIBLE})


def _minor(amount: Decimal, currency: str, field: str) -> int:
    digits = minor_unit_digits(currency)
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal(1).scaleb(-digits)):
        raise InvalidInput(
            errors=[FieldError(field, "invalid_amount", f"Use a positive amount with {digits} decimals.")]
        )
    minor = to_minor_units(amount, currency)
    step = collection_step(currency)
    if minor % step:
        raise InvalidInput(
            errors=[FieldError(field, "collection_step", f"{currency} is credited in steps of {step}.")]
        )
    return minor


async def _credited_by_line(ctx: TenantContext, invoice_id: UUID) -> dict[UUID | None, int]:
    rows = await ctx.select(
        CreditNoteLine, CreditNoteLine.invoice_line_id, CreditNoteLine.amount_minor
    ).where(
        CreditNoteLine.credit_note_id.is_in(
            ctx.select(CreditNote, CreditNote.id).where(CreditNote.invoice_id == invoice_id)
        )
    )
    credited: dict[UUID | None, int] = {}
    for row in rows:
        credited[row["invoice_line_id"]] = credited.get(row["invoice_line_id"], 0) + row["amount_minor"]
    return credited


async def _requested_lines(
    ctx: TenantContext, invoice: dict[str, Any], data: CreditNoteCreate, left: int
) -> list[tuple[UUID | None, int]]:
    """(invoice line, amount) of the credit asked for, checked against what is left."""
    currency = invoice["currency"]
    if not data.lines:
        amount = left if data.amount is None else _minor(data.amount, currency, "amount")
        if amount > left:
            raise InvalidInput(
                errors=[FieldError("amount", "exceeds_invoice", "More than is left of the invoice.")]
            )
        return [(None, amount)]
    lines = {
        row["id"]: row for row in await ctx.select(InvoiceLine).where(InvoiceLine.invoice_id == invoice["id"])
    }
    credited = await _credited_by_line(ctx, invoice["id"])
    wanted: list[tuple[UUID | None, int]] = []
    for index, asked in enumerate(data.lines):
        field = f"lines[{index}].amount"
        line = lines.get(asked.invoice_line_id)
        if line is None or line["included"] or line["amount_minor"] <= 0:
            raise InvalidInput(
                errors=[
                    FieldError(
                        f"lines[{index}].invoiceLineId", "not_creditable", "Not a charge of this invoice."
                    )
                ]
            )
        amount = _minor(asked.amount, currency, field)
        if amount > line["amount_minor"] - credited.get(line["id"], 0):
            raise InvalidInput(errors=[FieldError(field, "exceeds_line", "More than is left of this line.")])
        wanted.append((line["id"], amount))
    if sum(amount for _, amount in wanted) > left:
        raise InvalidInput(
            errors=[FieldError("lines", "exceeds_invoice", "More than is left of the invoice.")]
        )
    return wanted


async def issue_credit_note(ctx: TenantContext, invoice_id: UUID, data: CreditNoteCreate) -> CreditNoteRead:
    invoice = await invoice_row(ctx, invoice_id)
    if invoice["status"] not in CREDITABLE:
        raise Conflict(
            "Only a finalized invoice is credited; a draft is changed, and a void one owes nothing.",
            errors=[FieldError("invoice", "not_creditable", "This invoice cannot be credited.")],
        )
    left = invoice["total_minor"] - invoice["credited_minor"]
    if left <= 0:
        raise Conflict(
            "This invoice has been credited in full.",
            errors=[FieldError("invoice", "fully_credited", "Nothing is left to credit.")],
        )
    wanted = await _requested_lines(ctx, invoice, data, left)
    total = sum(amount for _, amount in wanted)
    issued = now()
    note_id = uuid4()
    ctx.require(invoice["tenant_id"])
    await CreditNote.insert(  # scope: the invoice was read through ctx (ctx.require above)
        CreditNote(
            id=note_id,
            tenant_id=invoice["tenant_id"],
            invoice_id=invoice_id,
            number=await next_number(Series.CREDIT_NOTE, issued.year),
            currency=invoice["currency"],
            reason=data.reason.value,
            memo=data.memo,
            total_minor=total,
            created_by=ctx.principal.user_id,
            created_at=issued,
        )
    )
    await CreditNoteLine.insert(  # scope: the invoice was read through ctx (ctx.require above)
        *(
            CreditNoteLine(
                id=uuid4(),
                tenant_id=invoice["tenant_id"],
                credit_note_id=note_id,
                invoice_line_id=line_id,
                position=position,
                amount_minor=amount,
            )
            for position, (line_id, amount) in enumerate(wanted)
        )
    )
    # Guarded by the total: two credit notes at once cannot both take what is left.
    updated = (
        await ctx.update(Invoice, {Invoice.credited_minor: Invoice.credited_minor + total})
        .where((Invoice.id == invoice_id) & WhereRaw("credited_minor + {} <= total_minor", total))
        .returning(Invoice.id)
    )
    if not updated:
        raise Conflict(errors=[FieldError("lines", "exceeds_invoice", "More than is left of the invoice.")])
    await audit.record(
        ctx,
        AuditAction.INVOICE_CREDITED,
        tenant_id=invoice["tenant_id"],
        target=Target("invoice", invoice_id, invoice["number"] or ""),
        details={
            "creditNoteId": str(note_id),
            "totalMinor": total,
            "currency": invoice["currency"],
            "reason": data.reason.value,
            "memo": data.memo,
        },
    )
    if invoice["stripe_invoice_id"] and get_settings().stripe.enabled:
        await enqueue("billing.push_credit_note", tenant_id=invoice["tenant_id"], credit_note_id=str(note_id))
    return (await credit_notes_of(ctx, invoice_id, [note_id]))[0]
