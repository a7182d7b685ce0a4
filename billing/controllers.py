"""Thin controllers for billing: contracts, invoices (runs, adjustments, finalize, void, HTML), consumption,
and Stripe's webhook."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, delete, get, post
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from billing import service
from billing.schemas import (
    AdjustmentCreate,
    Consumption,
    ContractCreate,
    ContractPage,
    ContractRead,
    CoveredEntryPage,
    CreditNoteCreate,
    CreditNoteRead,
    InvoiceDetail,
    InvoicePage,
    InvoiceRun,
    StripeWebhookAck,
    VoidRequest,
)
from billing.service.credit_notes import issue_credit_note
from billing.service.invoices import delete_adjustment
from billing.service.pdf import PDF_MEDIA_TYPE, invoice_pdf, pdf_headers
from billing.service.stripe_events import receive_event
from billing.tables import InvoiceStatus
from retaguarda.auth import Role, Scope, authenticated, requires_role, requires_scope
from retaguarda.controller_kit import (
    CONTEXT,
    READ_ERRORS,
    STATEFUL_READ_ERRORS,
    WRITE_ERRORS,
    Ctx,
    Cursor,
    Limit,
    page,
)
from retaguarda.db import transaction
from retaguarda.problems import problem_responses
from retaguarda.tenancy import acting_for_system

TenantFilter = Annotated[UUID | None, QueryParameter(name="tenantId", description="Only this client's.")]
# The provider's admins and the client's account managers run billing; a client's admin reads its own.
WRITERS = (Role.ADMIN, Role.ACCOUNT_MANAGER)
READERS = (*WRITERS, Role.CLIENT_ADMIN)
WRITE_GUARDS = [requires_role(*WRITERS), requires_scope(Scope.BILLING_WRITE)]


class ContractController(Controller):
    path = "/api/v1/billing/contracts"
    tags = ["Billing"]
    guards = [authenticated, requires_role(*READERS), requires_scope(Scope.BILLING_READ)]
    dependencies = CONTEXT

    @get("/", operation_id="listContracts", responses=READ_ERRORS)
    async def list_contracts(
        self, ctx: Ctx, tenant_id: TenantFilter = None, cursor: Cursor = None, limit: Limit = 50
    ) -> ContractPage:
        return page(
            ContractPage, await service.list_contracts(ctx, tenant_id=tenant_id, cursor=cursor, limit=limit)
        )

    @post(
        "/",
        operation_id="createContractVersion",
        summary="Add a dated contract version (versions are never edited)",
        guards=WRITE_GUARDS,
        responses=WRITE_ERRORS,
    )
    async def create_contract(self, ctx: Ctx, data: JSONBody[ContractCreate]) -> ContractRead:
        return await service.create_contract(ctx, data)

    @get("/{contract_id:uuid}", operation_id="getContract", responses=READ_ERRORS)
    async def get_contract(self, ctx: Ctx, contract_id: FromPath[UUID]) -> ContractRead:
        return await service.get_contract(ctx, contract_id)


class InvoiceController(Controller):
    path = "/api/v1/billing/invoices"
    tags = ["Billing"]
    guards = [authenticated, requires_role(*READERS), requires_scope(Scope.BILLING_READ)]
    dependencies = CONTEXT

    @get("/", operation_id="listInvoices", responses=READ_ERRORS)
    async def list_invoices(
        self,
        ctx: Ctx,
        tenant_id: TenantFilter = None,
        status: FromQuery[InvoiceStatus | None] = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> InvoicePage:
        return page(
            InvoicePage,
            await service.list_invoices(ctx, tenant_id=tenant_id, status=status, cursor=cursor, limit=limit),
        )

    @post(
        "/runs",
        operation_id="runInvoicePeriod",
        summary="Build (or rebuild) the draft invoice of a period; never makes a second invoice",
        status_code=200,
        guards=WRITE_GUARDS,
        responses=WRITE_ERRORS,
    )
    async def run(self, ctx: Ctx, data: JSONBody[InvoiceRun]) -> InvoiceDetail:
        return await service.run_period(ctx, data)

    @get("/{invoice_id:uuid}", operation_id="getInvoice", responses=READ_ERRORS)
    async def get_invoice(self, ctx: Ctx, invoice_id: FromPath[UUID]) -> InvoiceDetail:
        return await service.get_invoice(ctx, invoice_id)

    @get(
        "/{invoice_id:uuid}/html",
        operation_id="getInvoiceHtml",
        summary="The invoice as a printable HTML document in the client's (or the given) language",
        media_type="text/html",
        responses=READ_ERRORS,
    )
    async def get_html(
        self, ctx: Ctx, invoice_id: FromPath[UUID], locale: FromQuery[str | None] = None
    ) -> Response[str]:
        html = await service.render_invoice_html(ctx, invoice_id, locale)
        return Response(html, media_type="text/html; charset=utf-8", headers=service.DOCUMENT_HEADERS)

    @get(
        "/{invoice_id:uuid}/pdf",
        operation_id="getInvoicePdf",
        summary="The invoice as PDF: the archived document once finalized (it never changes), else the draft",
        media_type=PDF_MEDIA_TYPE,
        responses=READ_ERRORS,
    )
    async def get_pdf(self, ctx: Ctx, invoice_id: FromPath[UUID]) -> Response[bytes]:
        data, name = await invoice_pdf(ctx, invoice_id)
        return Response(data, media_type=PDF_MEDIA_TYPE, headers=pdf_headers(name))

    @get(
        "/{invoice_id:uuid}/lines/{line_id:uuid}/entries",
        operation_id="listInvoiceLineEntries",
        summary="The time entries (or tasks) a line charges for",
        responses=READ_ERRORS,
    )
    async def line_entries(
        self,
        ctx: Ctx,
        invoice_id: FromPath[UUID],
        line_id: FromPath[UUID],
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> CoveredEntryPage:
        return page(
            CoveredEntryPage, await service.line_entries(ctx, invoice_id, line_id, cursor=cursor, limit=limit)
        )

    @post(
        "/{invoice_id:uuid}/adjustments",
        operation_id="addInvoiceAdjustment",
        summary="Add a manual adjustment (with its reason) to a draft",
        guards=WRITE_GUARDS,
        responses=WRITE_ERRORS,
    )
    async def add_adjustment(
        self, ctx: Ctx, invoice_id: FromPath[UUID], data: JSONBody[AdjustmentCreate]
    ) -> InvoiceDetail:
        return await service.add_adjustment(ctx, invoice_id, data)

    @delete(
        "/{invoice_id:uuid}/adjustments/{line_id:uuid}",
        operation_id="deleteInvoiceAdjustment",
        status_code=200,
        guards=WRITE_GUARDS,
        responses=WRITE_ERRORS,
    )
    async def delete_adjustment(
        self, ctx: Ctx, invoice_id: FromPath[UUID], line_id: FromPath[UUID]
    ) -> InvoiceDetail:
        return await delete_adjustment(ctx, invoice_id, line_id)

    @post(
        "/{invoice_id:uuid}/finalize",
        operation_id="finalizeInvoice",
        summary="Finalize a draft: number it, lock its time, issue it in Stripe",
        status_code=200,
        guards=WRITE_GUARDS,
        responses=WRITE_ERRORS,
    )
    async def finalize(self, ctx: Ctx, invoice_id: FromPath[UUID]) -> InvoiceDetail:
        return await service.finalize_invoice(ctx, invoice_id)

    @post(
        "/{invoice_id:uuid}/credit-notes",
        operation_id="issueCreditNote",
        summary="Credit a finalized invoice, in full or against some of its lines (numbered, sent to Stripe)",
        status_code=201,
        guards=WRITE_GUARDS,
        responses=WRITE_ERRORS,
    )
    async def credit(
        self, ctx: Ctx, invoice_id: FromPath[UUID], data: JSONBody[CreditNoteCreate]
    ) -> CreditNoteRead:
        return await issue_credit_note(ctx, invoice_id, data)

    @post(
        "/{invoice_id:uuid}/void",
        operation_id="voidInvoice",
        summary="Void an invoice and release its time for a re-issue",
        status_code=200,
        guards=WRITE_GUARDS,
        responses=WRITE_ERRORS,
    )
    async def void(self, ctx: Ctx, invoice_id: FromPath[UUID], data: JSONBody[VoidRequest]) -> InvoiceDetail:
        return await service.void_invoice(ctx, invoice_id, data.reason)


class ConsumptionController(Controller):
    path = "/api/v1/billing/consumption"
    tags = ["Billing"]
    guards = [authenticated, requires_role(*READERS), requires_scope(Scope.BILLING_READ)]
    dependencies = CONTEXT

    @get(
        "/",
        operation_id="getConsumption",
        summary="The current period against the retainer",
        responses=STATEFUL_READ_ERRORS,
    )
    async def consumption(self, ctx: Ctx, tenant_id: TenantFilter = None) -> Consumption:
        return await service.consumption(ctx, tenant_id)


@post(
    "/webhooks/stripe",
    operation_id="receiveStripeWebhook",
    tags=["Billing"],
    summary="Stripe's events: verified, stored once, applied by a job",
    status_code=200,
    # Stripe's signature is the authentication (an empty requirement: no API key or session is asked for).
    security=[{}],
    responses=problem_responses(400, 404),
)
async def stripe_webhook(request: Request[Any, Any, Any]) -> StripeWebhookAck:
    payload = await request.body()
    # Stripe is no tenant's person: a verified event is stored acting for the system, and the job that
    # applies it finds the invoice it names (retaguarda.tenancy.acting_for_system).
    async with acting_for_system(), transaction():
        new = await receive_event(payload, request.headers.get("stripe-signature"))
    return StripeWebhookAck(received=True, duplicate=not new)


ROUTES: list[type[Controller] | HTTPRouteHandler] = [
    ContractController,
    InvoiceController,
    ConsumptionController,
    stripe_webhook,
]
