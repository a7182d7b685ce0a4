"""Wire shapes of the billing API (camelCase, unknown fields rejected). Money totals are integer minor units
with their currency; rates, prices and quantities are exact decimal strings."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from msgspec import Meta

from billing.tables import InvoiceStatus
from billing.terms import ContractTerms
from retaguarda.wire import WireStruct

Currency = Annotated[str, Meta(pattern=r"^[A-Z]{3}$")]
Month = Annotated[str, Meta(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]
Reason = Annotated[str, Meta(min_length=1, max_length=500)]


class PaymentStatus(StrEnum):
    """What the client needs to know about paying: derived from the invoice and Stripe's events."""

    NOT_DUE = "not_due"
    DUE = "due"
    OVERDUE = "overdue"
    FAILED = "failed"
    PAID = "paid"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    VOID = "void"
    UNCOLLECTIBLE = "uncollectible"


# ---- contracts -----------------------------------------------------------------------------------------


class ContractCreate(WireStruct):
    effective_from: date
    terms: ContractTerms
    currency: Currency | None = None
    note: Annotated[str, Meta(max_length=2000)] = ""
    tenant_id: UUID | None = None


class ContractRead(WireStruct):
    id: UUID
    tenant_id: UUID
    effective_from: date
    currency: str
    terms: ContractTerms
    note: str
    created_at: datetime


class ContractPage(WireStruct):
    items: list[ContractRead]
    next_cursor: str | None = None


# ---- invoices ------------------------------------------------------------------------------------------


class InvoiceRun(WireStruct):
    """Build (or rebuild) the draft of a period: a calendar ``month``, or ``periodStart`` .. ``periodEnd``
    (exclusive) dates on the client's clock."""

    tenant_id: UUID | None = None
    month: Month | None = None
    period_start: date | None = None
    period_end: date | None = None


class AdjustmentCreate(WireStruct):
    amount: Decimal
    reason: Reason
    description: Annotated[str, Meta(max_length=200)] = ""


class VoidRequest(WireStruct):
    reason: Reason


class InvoiceLineRead(WireStruct):
    id: UUID
    position: int
    kind: str
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount_minor: int
    included: bool
    contract_id: UUID | None
    task_type_id: UUID | None
    skill_level: int | None
    category: str | None
    multiplier: Decimal | None
    raw_seconds: int
    billed_seconds: int
    entries: int
    reason: str
    detail: dict[str, Any]


class InvoiceRead(WireStruct):
    id: UUID
    tenant_id: UUID
    number: str | None
    status: InvoiceStatus
    payment_status: PaymentStatus | None
    period_start: date
    period_end: date
    currency: str
    subtotal_minor: int
    tax_minor: int
    total_minor: int
    tax_inclusive: bool
    sla_attainment: Decimal | None
    due_date: date | None
    finalized_at: datetime | None
    paid_at: datetime | None
    voided_at: datetime | None
    void_reason: str
    refunded_minor: int
    credited_minor: int
    replaces_id: UUID | None
    stripe_invoice_id: str | None
    created_at: datetime


class CreditReason(StrEnum):
    DUPLICATE = "duplicate"
    BILLING_ERROR = "billing_error"
    SERVICE_ISSUE = "service_issue"
    GOODWILL = "goodwill"
    OTHER = "other"


class CreditNoteLineCreate(WireStruct):
    invoice_line_id: UUID
    amount: Decimal


class CreditNoteCreate(WireStruct):
    """A credit against a finalized invoice: ``lines`` credit parts of its charges; else ``amount`` credits
    part of the invoice as a whole; with neither, all that is left of the invoice is credited."""

    reason: CreditReason
    memo: Annotated[str, Meta(max_length=500)] = ""
    lines: Annotated[list[CreditNoteLineCreate], Meta(max_length=200)] = []
    amount: Decimal | None = None


class CreditNoteLineRead(WireStruct):
    invoice_line_id: UUID | None
    description: str
    amount_minor: int


class CreditNoteRead(WireStruct):
    id: UUID
    invoice_id: UUID
    number: str
    currency: str
    reason: CreditReason
    memo: str
    total_minor: int
    created_at: datetime
    stripe_credit_note_id: str | None
    lines: list[CreditNoteLineRead]


class InvoiceDetail(InvoiceRead):
    lines: list[InvoiceLineRead]
    credit_notes: list[CreditNoteRead] = []


class InvoicePage(WireStruct):
    items: list[InvoiceRead]
    next_cursor: str | None = None


class CoveredEntry(WireStruct):
    """A time entry (or, on an items line, a task) that a line charges for."""

    entry_id: UUID | None
    task_id: UUID
    operator_id: UUID | None
    started_at: datetime
    raw_seconds: int
    billed_seconds: int | None
    category: str | None


class CoveredEntryPage(WireStruct):
    items: list[CoveredEntry]
    next_cursor: str | None = None


class Consumption(WireStruct):
    """The current period so far: time against the retainer and what it would cost if invoiced now."""

    tenant_id: UUID
    period_start: date
    period_end: date
    currency: str
    raw_hours: Decimal
    billed_hours: Decimal
    included_hours: Decimal | None
    remaining_hours: Decimal | None
    overage_hours: Decimal
    items: int
    estimated_total_minor: int
    as_of: datetime
    # Set once the period's invoice is issued: the figures are then that invoice's, so the two always agree
    # (time recorded after it goes to the next invoice, as prior-period time).
    invoice_id: UUID | None = None
    invoice_number: str | None = None


class StripeWebhookAck(WireStruct):
    received: bool
    duplicate: bool
