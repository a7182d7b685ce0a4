"""Billing tables. Every row but Stripe's event log is owned by a client tenant (``tenant_id``, first in every
composite index). Money is integer minor units of the row's currency; quantities, rates and prices that are
not money totals are exact decimals kept as text; instants are ``Timestamptz`` (UTC)."""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import (
    JSON,
    UUID,
    BigInt,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from tenants.tables import Tenant


class InvoiceStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    PAID = "paid"
    VOID = "void"
    UNCOLLECTIBLE = "uncollectible"


class Contract(Table, tablename="billing_contract"):
    """One dated version of a client's contract: in force from ``effective_from`` (a date on the client's
    clock) until the next version. ``terms`` is a :class:`billing.terms.ContractTerms` document."""

    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, index=True, null=False)
    effective_from = Date()
    currency = Varchar(length=3)
    terms = JSON(default="{}")
    note = Text(default="")
    created_by = UUID(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    # Unique (tenant_id, effective_from).


class Invoice(Table, tablename="billing_invoice"):
    """A client's invoice for ``[period_start, period_end)`` (local dates; ``starts_at`` / ``ends_at`` are the
    same bounds as instants). ``draft`` → ``open`` (finalized, locked) → ``paid`` / ``uncollectible``;
    ``void`` from any but paid. At most one invoice that is not void per client and period start."""

    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, index=True, null=False)
    number = Varchar(length=40, null=True, default=None)
    status = Varchar(length=16, choices=InvoiceStatus, default=InvoiceStatus.DRAFT.value)
    period_start = Date()
    period_end = Date()
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    currency = Varchar(length=3)
    contract_id = UUID(null=True, default=None)
    subtotal_minor = BigInt(default=0)
    tax_minor = BigInt(default=0)
    total_minor = BigInt(default=0)
    tax_inclusive = Boolean(default=False)
    sla_attainment = Varchar(length=40, null=True, default=None)
    payment_terms_days = Integer(default=30)
    collection = Varchar(length=24, default="send_invoice")
    due_date = Date(null=True, default=None)
    replaces_id = UUID(null=True, default=None)
    created_by = UUID(null=True, default=None)
    finalized_by = UUID(null=True, default=None)
    finalized_at = Timestamptz(null=True, default=None)
    paid_at = Timestamptz(null=True, default=None)
    payment_failed_at = Timestamptz(null=True, default=None)
    refunded_minor = BigInt(default=0)
    voided_at = Timestamptz(null=True, default=None)
    void_reason = Text(default="")
    stripe_invoice_id = Varchar(length=100, null=True, default=None)
    stripe_status = Varchar(length=24, null=True, default=None)
    stripe_payment_intent_id = Varchar(length=100, null=True, default=None)
    # What credit notes took off the total (they never change the invoice's own lines or total).
    credited_minor = BigInt(default=0)
    # The PDF archived when the invoice was finalized: its storage key and SHA-256; it never changes.
    pdf_key = Varchar(length=200, null=True, default=None)
    pdf_sha256 = Varchar(length=64, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class InvoiceLine(Table, tablename="billing_invoice_line"):
    """One line: what it charges for (its rating dimension), how much, and how it was computed. A line of
    time names the contract version, task type, skill level and surcharge category of the entries it covers;
    with the invoice's period those find them again (the entries carry the invoice id once finalized)."""

    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, index=True, null=False)
    invoice_id = ForeignKey(references=Invoice, null=False, index=True, on_delete=OnDelete.cascade)
    position = Integer()
    kind = Varchar(length=20)
    quantity = Varchar(length=60)
    unit = Varchar(length=10, default="")
    unit_price = Varchar(length=60)
    amount_minor = BigInt()
    contract_id = UUID(null=True, default=None)
    task_type_id = UUID(null=True, default=None)
    skill_level = Integer(null=True, default=None)
    category = Varchar(length=20, null=True, default=None)
    multiplier = Varchar(length=40, null=True, default=None)
    raw_seconds = BigInt(default=0)
    billed_seconds = BigInt(default=0)
    entries = Integer(default=0)
    included = Boolean(default=False)
    description = Text(default="")
    reason = Text(default="")
    detail = JSON(default="{}")
    created_by = UUID(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class CreditNote(Table, tablename="billing_credit_note"):
    """A credit against a finalized invoice, full or partial, numbered in its own sequence. It refers to the
    invoice and never changes it; Stripe gets its own credit note when the invoice is in Stripe."""

    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, index=True, null=False)
    invoice_id = ForeignKey(references=Invoice, null=False, index=True)
    number = Varchar(length=40)
    currency = Varchar(length=3)
    reason = Varchar(length=40)
    memo = Text(default="")
    total_minor = BigInt()
    created_by = UUID(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    stripe_credit_note_id = Varchar(length=100, null=True, default=None)
    pdf_key = Varchar(length=200, null=True, default=None)
    pdf_sha256 = Varchar(length=64, null=True, default=None)
    # Unique (number).


class CreditNoteLine(Table, tablename="billing_credit_note_line"):
    """What a credit note credits: part of one line of its invoice, or of the whole (positive minor units)."""

    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, index=True, null=False)
    credit_note_id = ForeignKey(references=CreditNote, null=False, index=True, on_delete=OnDelete.cascade)
    # The invoice line credited, or none for a credit of the invoice as a whole.
    invoice_line_id = UUID(null=True, default=None)
    description = Text(default="")
    position = Integer()
    amount_minor = BigInt()


class DocumentSequence(Table, tablename="billing_document_sequence"):
    """The last number issued in a series (invoices, credit notes) in a year. The provider's numbering is
    gap-free: a number is taken in the transaction that issues the document, so a rollback gives it back,
    and the row's lock serialises concurrent issues. Machinery of the provider, not tenant data."""

    id = UUID(primary_key=True)
    series = Varchar(length=20)
    year = Integer()
    last = Integer(default=0)
    # Unique (series, year).


class InvoicedTask(Table, tablename="billing_invoiced_task"):
    """A per-item task billed by a finalized invoice: its lock (a task is billed once)."""

    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, index=True, null=False)
    invoice_id = ForeignKey(references=Invoice, null=False, index=True, on_delete=OnDelete.cascade)
    task_id = UUID()
    # Unique (tenant_id, task_id).


class BillingAccount(Table, tablename="billing_account"):
    """A client's Stripe customer."""

    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, index=True, null=False)
    stripe_customer_id = Varchar(length=100)
    created_at = Timestamptz(default=TimestamptzNow())
    # Unique (tenant_id).


class StripeEvent(Table, tablename="billing_stripe_event"):
    """Every Stripe event received, once (by Stripe's id), applied by a job: machinery, not tenant data."""

    id = UUID(primary_key=True)
    stripe_id = Varchar(length=100, unique=True)
    type = Varchar(length=100)
    payload = Text()
    received_at = Timestamptz(default=TimestamptzNow())
    processed_at = Timestamptz(null=True, default=None)
    outcome = Varchar(length=40, default="")
