"""Billing: a client admin's consumption against the retainer and its invoices; the account staff's invoices
to review (drafts), a period's draft on request, manual adjustments with a reason, finalize and void, and the
contracts. Every figure comes from billing's own services; the invoice document is billing's rendering."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from babel import numbers as babel_numbers
from babel.numbers import NumberFormatError
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from billing import service as billing
from billing.schemas import (
    AdjustmentCreate,
    Consumption,
    ContractCreate,
    ContractRead,
    CreditNoteCreate,
    CreditReason,
    InvoiceDetail,
    InvoiceRun,
)
from billing.service.credit_notes import CREDITABLE, issue_credit_note
from billing.service.pdf import PDF_MEDIA_TYPE, invoice_pdf, pdf_headers
from billing.tables import Invoice, InvoiceStatus
from retaguarda.audit.actions import ACTION_LABELS, AuditAction
from retaguarda.audit.tables import AuditEntry
from retaguarda.auth import TenantKind, authenticated, requires_role
from retaguarda.controller_kit import CONTEXT, Ctx
from retaguarda.errors import Conflict, DomainError, FieldError, InvalidInput, NotFound
from retaguarda.i18n import N_, gettext_for
from retaguarda.portal.forms import FormSpec, Page, decode, read_form, see_other, submit_form, text, within
from retaguarda.portal.navigation import BILLING_READERS, BILLING_WRITERS
from retaguarda.portal.pages.contract_form import (
    COLLECTIONS,
    CREDIT_ROWS,
    INCREMENTS,
    MODES,
    PRICE_ROWS,
    RATE_ROWS,
    SCOPES,
    ContractForm,
    field_names,
    initial_values,
    skill_rates_dropped,
)
from retaguarda.portal.people import SYSTEM, user_names
from retaguarda.portal.rendering import page, viewer_locale, viewer_timezone
from retaguarda.tenancy import TenantContext
from retaguarda.work.service import catalog
from tenants.schemas import TenantRead
from tenants.service.directory import list_tenants

LIMIT = 200
ADJUSTMENT_FORM = FormSpec(
    ("amount", "reason", "description"),
    {
        "amount": N_("Enter an amount, negative for a credit."),
        "reason": N_("Say why the invoice is adjusted; the client reads it on the invoice."),
    },
)
VOID_FORM = FormSpec(("void_reason",), {"void_reason": N_("Say why the invoice is void.")})
FINALIZE_FORM = FormSpec(())
CREDIT_FORM = FormSpec(
    ("credit_reason", "credit_amount", "credit_memo"),
    {
        "credit_reason": N_("Choose why the invoice is credited."),
        "credit_amount": N_(
            "Enter a positive amount, at most what is left of the invoice, or leave it empty."
        ),
    },
)
CREDIT_REASONS = {
    CreditReason.DUPLICATE: N_("Billed twice"),
    CreditReason.BILLING_ERROR: N_("Billing error"),
    CreditReason.SERVICE_ISSUE: N_("Service below what was agreed"),
    CreditReason.GOODWILL: N_("Goodwill"),
    CreditReason.OTHER: N_("Other"),
}
NOTICES = {"drafted", "adjusted", "finalized", "voided", "credited", "contract"}


def _uuid(value: str) -> UUID | None:
    try:
        return UUID(value) if value else None
    except ValueError:
        return None


async def client_consumption(ctx: TenantContext, tenant_id: UUID | None = None) -> Consumption | None:
    """The current period against the retainer, or None when the client has no contract to rate it."""
    try:
        return await billing.consumption(ctx, tenant_id)
    except (InvalidInput, Conflict):
        return None


async def _clients(ctx: TenantContext) -> list[TenantRead]:
    if ctx.principal.tenant_kind is not TenantKind.PROVIDER:
        return []
    clients, _ = await list_tenants(ctx, kind=TenantKind.CLIENT, status=None, cursor=None, limit=LIMIT)
    return clients


def _credit_errors(exc: DomainError, locale: str) -> dict[str, str]:
    """The credit note API's fields (amount, reason, memo) are the form's ``credit_…`` inputs."""
    renamed = [
        FieldError("credit" + e.field[:1].upper() + e.field[1:], e.code, e.message)
        if e.field in {"amount", "reason", "memo", "lines"}
        else e
        for e in exc.errors
    ]
    return CREDIT_FORM.errors(type(exc)(exc.detail, errors=renamed), locale)


def _amount(raw: str, locale: str) -> str:
    """An amount as typed in the viewer's locale (``-1.234,56``), as the plain decimal the API reads."""
    try:
        return format(babel_numbers.parse_decimal(raw, locale=locale, strict=True), "f")
    except NumberFormatError:
        return raw


class BillingPages(Controller):
    path = "/billing"
    include_in_schema = False
    guards = [authenticated, requires_role(*BILLING_READERS)]
    dependencies = CONTEXT

    @get("/", operation_id="portalBilling")
    async def overview(self, request: Request[Any, Any, Any], ctx: Ctx) -> Template:
        clients = await _clients(ctx)
        client = next((c for c in clients if str(c.id) == request.query_params.get("client", "")), None)
        status_raw = request.query_params.get("status", "draft" if clients else "")
        status = InvoiceStatus(status_raw) if status_raw in set(InvoiceStatus) else None
        invoices, _ = await billing.list_invoices(
            ctx, tenant_id=client.id if client else None, status=status, cursor=None, limit=LIMIT
        )
        consumption = None
        if not clients or client is not None:
            consumption = await client_consumption(ctx, client.id if client else None)
        today = datetime.now(ZoneInfo(viewer_timezone(request))).date()
        notice = request.query_params.get("notice")
        return page(
            request,
            "billing/overview.html",
            clients=clients,
            client=client,
            client_names={c.id: c.name for c in clients},
            status=status_raw,
            statuses=[s.value for s in InvoiceStatus],
            invoices=sorted(invoices, key=lambda i: i.period_start, reverse=True),
            consumption=consumption,
            can_bill=ctx.principal.role in BILLING_WRITERS,
            month=today.strftime("%Y-%m"),
            notice=notice if notice in NOTICES else None,
            run_refused=request.query_params.get("error") == "run",
        )

    @post("/runs", operation_id="portalRunInvoice", status_code=303, guards=[requires_role(*BILLING_WRITERS)])
    async def run(self, request: Request[Any, Any, Any]) -> Redirect:
        form = await read_form(request)
        client_id = text(form, "client")
        body = {"tenantId": client_id or None, "month": text(form, "month")}
        try:
            draft = await within(request, lambda ctx: billing.run_period(ctx, decode(body, InvoiceRun)))
        except (InvalidInput, Conflict):
            return see_other("/billing", client=client_id, notice="", error="run")
        return see_other(f"/billing/invoices/{draft.id}", notice="drafted")

    @get("/invoices/{invoice_id:uuid}", operation_id="portalInvoice")
    async def invoice(
        self, request: Request[Any, Any, Any], ctx: Ctx, invoice_id: FromPath[UUID]
    ) -> Template:
        return await _invoice_page(request, ctx, invoice_id, {}, {})

    @get("/invoices/{invoice_id:uuid}/document", operation_id="portalInvoiceDocument")
    async def document(
        self, request: Request[Any, Any, Any], ctx: Ctx, invoice_id: FromPath[UUID]
    ) -> Response[str]:
        html = await billing.render_invoice_html(ctx, invoice_id, viewer_locale(request))
        return Response(html, media_type="text/html; charset=utf-8", headers=billing.DOCUMENT_HEADERS)

    @get("/invoices/{invoice_id:uuid}/pdf", operation_id="portalInvoicePdf")
    async def pdf(self, ctx: Ctx, invoice_id: FromPath[UUID]) -> Response[bytes]:
        data, name = await invoice_pdf(ctx, invoice_id)
        return Response(data, media_type=PDF_MEDIA_TYPE, headers=pdf_headers(name))

    @post(
        "/invoices/{invoice_id:uuid}/adjustments",
        operation_id="portalAdjustInvoice",
        status_code=303,
        guards=[requires_role(*BILLING_WRITERS)],
    )
    async def adjust(
        self, request: Request[Any, Any, Any], invoice_id: FromPath[UUID]
    ) -> Template | Redirect:
        locale = viewer_locale(request)

        async def adjust(ctx: TenantContext, values: dict[str, str]) -> None:
            amount = _amount(values["amount"], locale)
            try:
                Decimal(amount)
            except ArithmeticError:
                code = "required" if not values["amount"] else "invalid"
                raise InvalidInput(
                    errors=[FieldError("amount", code, "Enter an amount, negative for a credit.")]
                ) from None
            body = {"amount": amount, "reason": values["reason"], "description": values["description"]}
            await billing.add_adjustment(ctx, invoice_id, decode(body, AdjustmentCreate))

        return await submit_form(
            request,
            ADJUSTMENT_FORM,
            adjust,
            _invoice_again(request, invoice_id),
            lambda _: see_other(f"/billing/invoices/{invoice_id}", notice="adjusted"),
        )

    @post(
        "/invoices/{invoice_id:uuid}/finalize",
        operation_id="portalFinalizeInvoice",
        status_code=303,
        guards=[requires_role(*BILLING_WRITERS)],
    )
    async def finalize(
        self, request: Request[Any, Any, Any], invoice_id: FromPath[UUID]
    ) -> Template | Redirect:
        async def finalize(ctx: TenantContext, values: dict[str, str]) -> None:
            await billing.finalize_invoice(ctx, invoice_id)

        return await submit_form(
            request,
            FINALIZE_FORM,
            finalize,
            _invoice_again(request, invoice_id),
            lambda _: see_other(f"/billing/invoices/{invoice_id}", notice="finalized"),
        )

    @post(
        "/invoices/{invoice_id:uuid}/void",
        operation_id="portalVoidInvoice",
        status_code=303,
        guards=[requires_role(*BILLING_WRITERS)],
    )
    async def void(self, request: Request[Any, Any, Any], invoice_id: FromPath[UUID]) -> Template | Redirect:
        async def void(ctx: TenantContext, values: dict[str, str]) -> None:
            if not values["void_reason"]:
                raise InvalidInput(
                    errors=[FieldError("voidReason", "required", "Say why the invoice is void.")]
                )
            await billing.void_invoice(ctx, invoice_id, values["void_reason"][:500])

        return await submit_form(
            request,
            VOID_FORM,
            void,
            _invoice_again(request, invoice_id),
            lambda _: see_other(f"/billing/invoices/{invoice_id}", notice="voided"),
        )

    @post(
        "/invoices/{invoice_id:uuid}/credit-notes",
        operation_id="portalCreditInvoice",
        status_code=303,
        guards=[requires_role(*BILLING_WRITERS)],
    )
    async def credit(
        self, request: Request[Any, Any, Any], invoice_id: FromPath[UUID]
    ) -> Template | Redirect:
        locale = viewer_locale(request)

        async def credit(ctx: TenantContext, values: dict[str, str]) -> None:
            if values["credit_reason"] not in set(CreditReason):
                raise InvalidInput(errors=[FieldError("creditReason", "required", "Choose a reason.")])
            amount = values["credit_amount"]
            await issue_credit_note(
                ctx,
                invoice_id,
                decode(
                    {
                        "reason": values["credit_reason"],
                        "memo": values["credit_memo"][:500],
                        **({"amount": _amount(amount, locale)} if amount else {}),
                    },
                    CreditNoteCreate,
                ),
            )

        return await submit_form(
            request,
            CREDIT_FORM,
            credit,
            _invoice_again(request, invoice_id),
            lambda _: see_other(f"/billing/invoices/{invoice_id}", notice="credited"),
            errors_of=_credit_errors,
        )

    @get("/contracts", operation_id="portalContracts")
    async def contracts(self, request: Request[Any, Any, Any], ctx: Ctx) -> Template:
        clients = await _clients(ctx)
        client = next((c for c in clients if str(c.id) == request.query_params.get("client", "")), None)
        items, _ = await billing.list_contracts(
            ctx, tenant_id=client.id if client else None, cursor=None, limit=LIMIT
        )
        return page(
            request,
            "billing/contracts.html",
            clients=clients,
            client=client,
            client_names={c.id: c.name for c in clients},
            items=sorted(items, key=lambda c: (str(c.tenant_id), c.effective_from), reverse=True),
            can_bill=ctx.principal.role in BILLING_WRITERS,
            notice=request.query_params.get("notice") == "contract",
        )

    @get("/contracts/new", operation_id="portalNewContract", guards=[requires_role(*BILLING_WRITERS)])
    async def new_contract(self, request: Request[Any, Any, Any], ctx: Ctx) -> Template:
        client_id = _uuid(request.query_params.get("client", ""))
        if client_id is None:
            raise NotFound()
        return await _contract_form(request, ctx, client_id, None, {})

    @post(
        "/contracts",
        operation_id="portalCreateContract",
        status_code=303,
        guards=[requires_role(*BILLING_WRITERS)],
    )
    async def create_contract(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        form = await read_form(request)
        values = {name: text(form, name) for name in field_names()}
        client_id = _uuid(values["client"])
        if client_id is None:
            raise NotFound()
        contract_form = ContractForm(values, viewer_locale(request))

        async def create(ctx: TenantContext, values: dict[str, str]) -> ContractRead:
            body = contract_form.body()
            latest = await _latest_contract(ctx, client_id)
            if latest is not None:  # rates by skill level are not on the form: the new version keeps them
                body["terms"]["hourlyRates"] += [
                    {"rate": format(r.rate, "f"), "skillLevel": r.skill_level}
                    | ({"taskTypeId": str(r.task_type_id)} if r.task_type_id else {})
                    for r in latest.terms.hourly_rates
                    if r.skill_level is not None
                ]
            return await billing.create_contract(ctx, decode(body, ContractCreate))

        async def again(ctx: TenantContext, values: dict[str, str], errors: dict[str, str]) -> Template:
            return await _contract_form(request, ctx, client_id, values, errors)

        return await submit_form(
            request,
            FormSpec(tuple(values)),
            create,
            again,
            lambda _: see_other("/billing/contracts", client=str(client_id), notice="contract"),
            values=values,
            errors_of=lambda exc, locale: contract_form.error_map(exc),
        )


async def _latest_contract(ctx: TenantContext, client_id: UUID) -> ContractRead | None:
    items, _ = await billing.list_contracts(ctx, tenant_id=client_id, cursor=None, limit=LIMIT)
    return max(items, key=lambda c: c.effective_from, default=None)


async def _contract_form(
    request: Request[Any, Any, Any],
    ctx: TenantContext,
    client_id: UUID,
    values: dict[str, str] | None,
    errors: dict[str, str],
    status_code: int = 200,
) -> Template:
    client = next((c for c in await _clients(ctx) if c.id == client_id), None)
    if client is None:
        raise NotFound()
    latest = await _latest_contract(ctx, client.id)
    locale = viewer_locale(request)
    types, _ = await catalog.list_task_types(ctx, tenant_id=client.id, active=None, cursor=None, limit=LIMIT)
    return page(
        request,
        "billing/new_contract.html",
        status_code=status_code,
        client=client,
        latest=latest,
        keeps_skill_rates=skill_rates_dropped(latest.terms if latest else None),
        values=values
        or initial_values(
            latest.terms if latest else None, latest.currency if latest else client.currency, locale
        ),
        errors=errors,
        task_types=types,
        rate_rows=range(RATE_ROWS),
        price_rows=range(PRICE_ROWS),
        credit_rows=range(CREDIT_ROWS),
        increments=INCREMENTS,
        modes=MODES,
        scopes=SCOPES,
        collections=COLLECTIONS,
    )


def _invoice_again(request: Request[Any, Any, Any], invoice_id: UUID) -> Page:
    async def again(ctx: TenantContext, values: dict[str, str], errors: dict[str, str]) -> Template:
        return await _invoice_page(request, ctx, invoice_id, values, errors)

    return again


async def _invoice_page(
    request: Request[Any, Any, Any],
    ctx: TenantContext,
    invoice_id: UUID,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Template:
    invoice: InvoiceDetail = await billing.get_invoice(ctx, invoice_id)
    clients = await _clients(ctx)
    notice = request.query_params.get("notice")
    return page(
        request,
        "billing/invoice.html",
        status_code=status_code,
        invoice=invoice,
        history=await invoice_history(ctx, invoice, gettext_for(viewer_locale(request))),
        client_name=next((c.name for c in clients if c.id == invoice.tenant_id), ""),
        can_bill=ctx.principal.role in BILLING_WRITERS,
        can_credit=invoice.status in CREDITABLE and invoice.credited_minor < invoice.total_minor,
        # A draft of a month still running leaves out the work still to come: say so before finalizing.
        period_open=invoice.status == InvoiceStatus.DRAFT
        and invoice.period_end > datetime.now(ZoneInfo(viewer_timezone(request))).date(),
        period_last_day=invoice.period_end - timedelta(days=1),
        credit_reasons=CREDIT_REASONS,
        values=values,
        errors=errors,
        notice=notice if notice in NOTICES else None,
    )


@dataclass(frozen=True, slots=True)
class InvoiceStep:
    at: datetime
    what: str
    who: str


async def invoice_history(
    ctx: TenantContext, invoice: InvoiceDetail, translate: Callable[[str], str]
) -> list[InvoiceStep]:
    """What happened to an invoice and who did it: drafted (by the person who ran it, or the monthly
    job), then each finalization, void and adjustment from the audit log, then payment (Stripe's report)."""
    row = await ctx.select(Invoice, Invoice.created_by).where(Invoice.id == invoice.id).first()
    created_by = row["created_by"] if row else None
    entries = await (
        ctx.select(AuditEntry)
        .where((AuditEntry.target_type == "invoice") & (AuditEntry.target_id == str(invoice.id)))
        .order_by(AuditEntry.occurred_at)
    )
    names = await user_names([created_by, *(e["actor_user_id"] for e in entries)])
    system = translate(SYSTEM)
    drafted_by = names.get(created_by, system) if created_by is not None else system
    steps = [InvoiceStep(invoice.created_at, translate(N_("Drafted")), drafted_by)]
    for entry in entries:
        try:
            what = translate(ACTION_LABELS[AuditAction(entry["action"])])
        except (KeyError, ValueError):
            what = entry["action"]
        # The audit log labels work no person did "system": the reader reads it in their language.
        label = entry["actor_label"] if entry["actor_label"] != "system" else ""
        who = names.get(entry["actor_user_id"]) or label or system
        steps.append(InvoiceStep(entry["occurred_at"], what, who))
    if invoice.paid_at is not None:
        steps.append(InvoiceStep(invoice.paid_at, translate(N_("Paid")), system))
    return sorted(steps, key=lambda step: step.at)
