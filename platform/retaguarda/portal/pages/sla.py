"""SLA: the attainment report (clients their own, provider staff any client they reach) with its CSV, and the
account staff's policies per client (create, change terms into a new version, versions history)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from retaguarda.auth import TenantKind, authenticated, requires_role
from retaguarda.controller_kit import CONTEXT, Ctx
from retaguarda.errors import DomainError, FieldError, InvalidInput
from retaguarda.i18n import N_, gettext_for, ngettext_for
from retaguarda.portal.forms import (
    FORM_LEVEL,
    VAGUE_CODES,
    FormSpec,
    decode,
    error_text,
    form_name,
    refusal,
    see_other,
    submit_form,
)
from retaguarda.portal.labels import GROUP_BY_LABELS, PRIORITY_LABELS
from retaguarda.portal.navigation import ACCOUNT_STAFF, SLA_READERS
from retaguarda.portal.rendering import page, viewer_locale, viewer_timezone
from retaguarda.spreadsheets import CSV_MEDIA_TYPE
from retaguarda.tenancy import TenantContext
from retaguarda.work.sla.controllers import MAX_REPORT_DAYS
from retaguarda.work.sla.schemas import AttainmentReport, SlaPolicyCreate, SlaPolicyRead, SlaPolicyUpdate
from retaguarda.work.sla.service import policies, reports
from retaguarda.work.sla.service.reports import GroupBy
from tenants.schemas import TenantRead
from tenants.service.calendars import list_calendars
from tenants.service.directory import list_tenants

LIMIT = 200
PRIORITIES = (1, 2, 3, 4)
PAUSE_STATUS = "waiting_on_client"
TARGET_PATH = re.compile(r"targets\[(\d+)\]\.(response|resolution)Minutes")
TARGET_TOO_SHORT = N_("The resolution target cannot be shorter than the first-response target.")
TARGET_MINUTES = N_("Enter whole business minutes, such as 240.")
PERIOD_BEFORE_FROM = N_("The period must end after it starts.")
POLICY_FIELDS = {
    "name",
    "tenant_id",
    "calendar_id",
    "warning_percent",
    *(f"{kind}_{p}" for kind in ("response", "resolution") for p in PRIORITIES),
}
POLICY_FORM = FormSpec(
    (*sorted(POLICY_FIELDS), "pause"),
    {
        "name": N_("Give the policy a name, such as Standard."),
        "tenant_id": N_("Choose the client the policy is for."),
        "calendar_id": N_("Choose a calendar, or the client's default one."),
        "warning_percent": N_("Enter the share of the target after which a task is at risk, such as 80."),
    },
)


def _uuid(value: str) -> UUID | None:
    try:
        return UUID(value) if value else None
    except ValueError:
        return None


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


async def _clients(ctx: TenantContext) -> list[TenantRead]:
    if not ctx.principal.is_provider:
        return []
    clients, _ = await list_tenants(ctx, kind=TenantKind.CLIENT, status=None, cursor=None, limit=LIMIT)
    return clients


# ---- the attainment report -------------------------------------------------------------------------------


class ReportQuery:
    """The report form's values as typed, and what they mean (or the field errors they carry)."""

    def __init__(self, request: Request[Any, Any, Any], clients: list[TenantRead]) -> None:
        params = request.query_params
        today = datetime.now(ZoneInfo(viewer_timezone(request))).date()
        self.values = {name: params.get(name, "").strip() for name in ("from", "to", "group_by", "client")}
        self.errors: dict[str, str] = {}
        locale = viewer_locale(request)
        _, ngettext = gettext_for(locale), ngettext_for(locale)
        self.date_from = _date(self.values["from"]) or today.replace(day=1)
        self.date_to = _date(self.values["to"]) or today  # inclusive, as people read a period
        for name in ("from", "to"):
            if self.values[name] and _date(self.values[name]) is None:
                self.errors[name] = _("Enter a valid date.")
        if self.date_to < self.date_from:
            self.errors["to"] = _(PERIOD_BEFORE_FROM)
        elif (self.date_to - self.date_from).days >= MAX_REPORT_DAYS:
            self.errors["to"] = ngettext(
                "A report spans at most %(num)d day.", "A report spans at most %(num)d days.", MAX_REPORT_DAYS
            ) % {"num": MAX_REPORT_DAYS}
        choices = self.group_choices(bool(clients))
        wanted = self.values["group_by"]
        self.group_by = GroupBy(wanted) if wanted in choices else GroupBy.PRIORITY
        client = next((c for c in clients if str(c.id) == self.values["client"]), None)
        self.tenant_id = client.id if client else None
        self.values.update(
            {"from": self.date_from.isoformat(), "to": self.date_to.isoformat(), "group_by": self.group_by}
        )

    @staticmethod
    def group_choices(provider: bool) -> list[str]:
        return [key for key in GROUP_BY_LABELS if provider or key != GroupBy.CLIENT.value]

    async def report(self, ctx: TenantContext, locale: str) -> AttainmentReport:
        return await reports.attainment_report(
            ctx,
            date_from=self.date_from,
            date_to=self.date_to + timedelta(days=1),
            group_by=self.group_by,
            tenant_id=self.tenant_id,
            locale=locale,
        )

    def query_string(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.values.items() if v}


class SlaReportPages(Controller):
    path = "/sla"
    include_in_schema = False
    guards = [authenticated, requires_role(*SLA_READERS)]
    dependencies = CONTEXT

    @get("/report", operation_id="portalSlaReport")
    async def report_page(self, request: Request[Any, Any, Any], ctx: Ctx) -> Template:
        clients = await _clients(ctx)
        query = ReportQuery(request, clients)
        report = None if query.errors else await query.report(ctx, viewer_locale(request))
        return page(
            request,
            "sla/report.html",
            status_code=422 if query.errors else 200,
            clients=clients,
            query=query,
            values=query.values,
            errors=query.errors,
            report=report,
            group_choices=query.group_choices(bool(clients)),
        )

    @get("/report.csv", operation_id="portalSlaReportCsv")
    async def report_csv(self, request: Request[Any, Any, Any], ctx: Ctx) -> Response[str]:
        query = ReportQuery(request, await _clients(ctx))
        if query.errors:
            raise InvalidInput(errors=[FieldError(k, "invalid", v) for k, v in query.errors.items()])
        locale = viewer_locale(request)
        report = await query.report(ctx, locale)
        filename = f"sla-attainment-{query.date_from.isoformat()}-{query.date_to.isoformat()}.csv"
        return Response(
            reports.report_csv(report, locale),
            media_type=CSV_MEDIA_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )


# ---- policies --------------------------------------------------------------------------------------------


def _policy_values(policy: SlaPolicyRead | None) -> dict[str, str]:
    if policy is None:
        values = {"warning_percent": "80", "pause": "on"}
        for p, (response, resolution) in zip(
            PRIORITIES, ((480, 2880), (240, 1440), (120, 480), (30, 240)), strict=True
        ):
            values |= {f"response_{p}": str(response), f"resolution_{p}": str(resolution)}
        return values
    terms = policy.terms
    values = {
        "name": policy.name,
        "tenant_id": str(policy.tenant_id),
        "calendar_id": str(terms.calendar_id or ""),
        "warning_percent": str(terms.warning_percent),
        "pause": "on" if PAUSE_STATUS in terms.pause_statuses else "",
    }
    for target in terms.targets:
        values[f"response_{target.priority}"] = str(target.response_minutes)
        values[f"resolution_{target.priority}"] = str(target.resolution_minutes)
    return values


def _policy_body(values: dict[str, str]) -> tuple[dict[str, Any], list[FieldError]]:
    """The form as the API's body (camelCase); minutes that are no whole number are field errors here."""
    errors: list[FieldError] = []
    targets = []
    for p in PRIORITIES:
        minutes = {}
        for kind in ("response", "resolution"):
            raw = values.get(f"{kind}_{p}", "")
            if not raw.isdigit():
                code = "required" if not raw else "invalid"
                errors.append(FieldError(f"targets[{p - 1}].{kind}Minutes", code, "Enter whole minutes."))
            minutes[f"{kind}Minutes"] = int(raw) if raw.isdigit() else 0
        targets.append({"priority": p, **minutes})
    percent = values.get("warning_percent", "")
    if not percent.isdigit():
        errors.append(FieldError("warningPercent", "invalid", "Enter a whole percentage."))
    body = {
        "name": values.get("name", ""),
        "targets": targets,
        "calendarId": values.get("calendar_id") or None,
        "pauseStatuses": [PAUSE_STATUS] if values.get("pause") == "on" else [],
        "warningPercent": int(percent) if percent.isdigit() else 80,
    }
    return body, errors


def _policy_errors(errors: list[FieldError], exc: DomainError | None, locale: str) -> dict[str, str]:
    """Field errors by input: a target's error goes to its priority's input."""
    _ = gettext_for(locale)
    found: dict[str, str] = {}
    for error in [*errors, *(exc.errors if exc else [])]:
        match = TARGET_PATH.fullmatch(error.field)
        if match:
            name = f"{match.group(2)}_{int(match.group(1)) + 1}"
            message = (
                _(TARGET_TOO_SHORT)
                if error.code == "too_short"
                else _(TARGET_MINUTES)
                if error.code in VAGUE_CODES
                else error_text(error, locale)
            )
        else:
            name = form_name(error.field)
            name = name if name in POLICY_FIELDS else FORM_LEVEL
            message = error_text(error, locale)
        if name == FORM_LEVEL and name in found:
            found[name] += " " + message
        else:
            found.setdefault(name, message)
    if exc is not None and not found:
        found = refusal(exc, locale, POLICY_FIELDS)
    return POLICY_FORM.specific([*errors, *(exc.errors if exc else [])], found, locale)


def _changed_terms(policy: SlaPolicyRead, body: dict[str, Any]) -> dict[str, Any]:
    """What the form changes: a new version only when the terms differ from the current ones."""
    terms = policy.terms
    current = {
        "name": policy.name,
        "targets": sorted(
            [
                {
                    "priority": t.priority,
                    "responseMinutes": t.response_minutes,
                    "resolutionMinutes": t.resolution_minutes,
                }
                for t in terms.targets
            ],
            key=lambda t: t["priority"],
        ),
        "calendarId": str(terms.calendar_id) if terms.calendar_id else None,
        "pauseStatuses": sorted(terms.pause_statuses),
        "warningPercent": terms.warning_percent,
    }
    return {key: value for key, value in body.items() if current.get(key) != value}


class SlaPolicyPages(Controller):
    path = "/sla/policies"
    include_in_schema = False
    guards = [authenticated, requires_role(*ACCOUNT_STAFF)]
    dependencies = CONTEXT

    @get("/", operation_id="portalSlaPolicies")
    async def list_page(self, request: Request[Any, Any, Any], ctx: Ctx) -> Template:
        chosen = request.query_params.get("client", "")
        values = _policy_values(None) | {"tenant_id": chosen}
        return await _policies_page(request, ctx, values, {})

    @post("/", operation_id="portalCreateSlaPolicy", status_code=303)
    async def create(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        async def create(ctx: TenantContext, values: dict[str, str]) -> SlaPolicyRead:
            body, errors = _policy_body(values)
            body["tenantId"] = values["tenant_id"] or None
            if not values["tenant_id"]:
                errors.append(FieldError("tenantId", "required", "Choose the client."))
            if errors:
                raise InvalidInput(errors=errors)
            return await policies.create_policy(ctx, decode(body, SlaPolicyCreate))

        async def again(ctx: TenantContext, values: dict[str, str], errors: dict[str, str]) -> Template:
            return await _policies_page(request, ctx, values, errors)

        return await submit_form(
            request,
            POLICY_FORM,
            create,
            again,
            lambda created: see_other(f"/sla/policies/{created.id}", notice="created"),
            errors_of=lambda exc, locale: _policy_errors([], exc, locale),
        )

    @get("/{policy_id:uuid}", operation_id="portalSlaPolicy")
    async def detail(self, request: Request[Any, Any, Any], ctx: Ctx, policy_id: FromPath[UUID]) -> Template:
        policy = await policies.get_policy(ctx, policy_id)
        return await _policy_page(request, ctx, policy, _policy_values(policy), {})

    @post("/{policy_id:uuid}", operation_id="portalUpdateSlaPolicy", status_code=303)
    async def update(self, request: Request[Any, Any, Any], policy_id: FromPath[UUID]) -> Template | Redirect:
        async def change(ctx: TenantContext, values: dict[str, str]) -> tuple[int, int]:
            """The version in force before and after the change."""
            policy = await policies.get_policy(ctx, policy_id)
            body, errors = _policy_body(values)
            if errors:
                raise InvalidInput(errors=errors)
            changes = _changed_terms(policy, body)
            if not changes:
                return policy.current_version, policy.current_version
            changed = await policies.update_policy(ctx, policy_id, decode(changes, SlaPolicyUpdate))
            return policy.current_version, changed.current_version

        async def again(ctx: TenantContext, values: dict[str, str], errors: dict[str, str]) -> Template:
            policy = await policies.get_policy(ctx, policy_id)
            return await _policy_page(request, ctx, policy, values, errors)

        return await submit_form(
            request,
            POLICY_FORM,
            change,
            again,
            lambda versions: see_other(
                f"/sla/policies/{policy_id}", notice="versioned" if versions[0] != versions[1] else "saved"
            ),
            errors_of=lambda exc, locale: _policy_errors([], exc, locale),
        )


async def _calendars(ctx: TenantContext, tenant_id: UUID | None) -> list[Any]:
    calendars, _ = await list_calendars(ctx, tenant_id=tenant_id, cursor=None, limit=LIMIT)
    return calendars


async def _policies_page(
    request: Request[Any, Any, Any],
    ctx: TenantContext,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Template:
    clients = await _clients(ctx)
    client = next((c for c in clients if str(c.id) == values.get("tenant_id")), None)
    items, _ = await policies.list_policies(
        ctx, tenant_id=client.id if client else None, cursor=None, limit=LIMIT
    )
    return page(
        request,
        "sla/policies.html",
        status_code=status_code,
        clients=clients,
        client=client,
        client_names={c.id: c.name for c in clients},
        items=items,
        calendars=await _calendars(ctx, client.id if client else None),
        values=values,
        errors=errors,
        priorities=PRIORITY_LABELS,
    )


async def _policy_page(
    request: Request[Any, Any, Any],
    ctx: TenantContext,
    policy: SlaPolicyRead,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Template:
    clients = await _clients(ctx)
    notice = request.query_params.get("notice")
    return page(
        request,
        "sla/policy.html",
        status_code=status_code,
        policy=policy,
        client_name=next((c.name for c in clients if c.id == policy.tenant_id), ""),
        versions=list(reversed(await policies.list_versions(ctx, policy.id))),
        calendars=await _calendars(ctx, policy.tenant_id),
        values=values,
        errors=errors,
        priorities=PRIORITY_LABELS,
        notice=notice if notice in {"created", "versioned", "saved"} else None,
    )
