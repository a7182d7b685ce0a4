"""Billing jobs. Each takes ids, reloads, and is harmless to run twice."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from uuid import UUID

from billing.service.clients import load_client, next_month
from billing.service.file_retention import file_retention_by_client
from billing.service.invoice_lines import NoContract
from billing.service.invoices import draft_for_period
from billing.service.pdf import archive_invoice_pdf
from billing.service.stripe_events import apply_event
from billing.service.stripe_sync import push_credit_note, push_invoice, void_in_stripe
from billing.tables import Contract, CreditNote, Invoice, InvoiceStatus
from retaguarda import clock
from retaguarda.db import transaction
from retaguarda.jobs import enqueue, every, job
from retaguarda.tenancy import system_context
from retaguarda.work.documents.retention import expire_closed_task_files
from tenants.tables import Tenant

log = logging.getLogger("billing.jobs")


@job("billing.push_invoice")
async def push_invoice_job(invoice_id: str) -> None:
    """Issue a finalized invoice in Stripe (each step committed on its own: see stripe_sync)."""
    # scope: a job knows only the invoice id; the row names its tenant, and the work is fenced to it
    row = await Invoice.select(Invoice.tenant_id).where(Invoice.id == UUID(invoice_id)).first()
    if row is not None:
        await push_invoice(UUID(invoice_id), row["tenant_id"])


@job("billing.archive_invoice_pdf")
async def archive_invoice_pdf_job(invoice_id: str) -> None:
    """Keep the PDF of a just-finalized invoice (rendered after the commit, outside its transaction)."""
    # scope: a job knows only the invoice id; the row names its tenant, and the work is fenced to it
    row = await Invoice.select(Invoice.tenant_id).where(Invoice.id == UUID(invoice_id)).first()
    if row is not None:
        await archive_invoice_pdf(system_context(row["tenant_id"]), UUID(invoice_id))


@job("billing.push_credit_note")
async def push_credit_note_job(credit_note_id: str) -> None:
    """Issue a credit note in Stripe against its invoice there."""
    # scope: a job knows only the credit note's id; the row names its tenant, and the work is fenced to it
    row = await CreditNote.select(CreditNote.tenant_id).where(CreditNote.id == UUID(credit_note_id)).first()
    if row is not None:
        await push_credit_note(UUID(credit_note_id), row["tenant_id"])


@job("billing.void_stripe_invoice")
async def void_stripe_invoice(invoice_id: str) -> None:
    # scope: a job knows only the invoice id; the row names its tenant, and the work is fenced to it
    row = await Invoice.select(Invoice.tenant_id).where(Invoice.id == UUID(invoice_id)).first()
    if row is not None:
        await void_in_stripe(UUID(invoice_id), row["tenant_id"])


@job("billing.apply_stripe_event")
async def apply_stripe_event(stripe_event_id: str) -> None:
    async with transaction():
        await apply_event(stripe_event_id)


@job("billing.monthly_invoice")
async def monthly_invoice(client_id: str, period_start: str) -> None:
    """The draft of one client's month (a run for a period that has an invoice already changes nothing)."""
    start = date.fromisoformat(period_start)
    ctx = system_context(UUID(client_id))
    async with transaction():
        client = await load_client(ctx, UUID(client_id))
        try:
            await draft_for_period(ctx, client, start, next_month(start))
        except NoContract:
            log.info("no contract in force for %s in %s", client_id, period_start)


def previous_month(day: date) -> date:
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


@every(3600, "billing.monthly_run")
async def monthly_run() -> None:
    """Every hour: each client whose month has ended on its own clock, with a contract and no invoice for
    that month yet, gets its draft built by a job of its own."""
    ctx = system_context()
    async with transaction():
        clients = await ctx.select(Tenant, Tenant.id).where(
            (Tenant.kind == "client") & (Tenant.status == "active")
        )
        with_contract = {
            row["tenant_id"] for row in await ctx.select(Contract, Contract.tenant_id).distinct()
        }
        for row in clients:
            if row["id"] not in with_contract:
                continue
            client = await load_client(ctx, row["id"])
            month = previous_month(client.today())
            invoiced = await ctx.exists(Invoice).where(
                (Invoice.tenant_id == client.id)
                & (Invoice.period_start == month)
                & (Invoice.status != InvoiceStatus.VOID)
            )
            if not invoiced:
                await enqueue(
                    "billing.monthly_invoice",
                    tenant_id=client.id,
                    client_id=str(client.id),
                    period_start=month.isoformat(),
                )


@every(3600, "billing.apply_file_retention")
async def apply_file_retention() -> None:
    """Each hour, the files whose contract's retention period ran out since their task closed are deleted."""
    at = clock.now()
    expired = await expire_closed_task_files(await file_retention_by_client(at), at)
    if expired:
        log.info("retention: %d task files deleted", expired)
