"""The audit log: a provider admin reads every entry, a client admin its own company's; filtered by action,
actor, company and dates (days in the viewer's time zone), and downloaded as CSV."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get
from litestar.response import Template

from retaguarda.audit import ACTION_LABELS, ACTOR_LABELS, TARGET_LABELS, AuditAction
from retaguarda.audit.reading import AuditFilter, AuditRow, every_entry, list_entries
from retaguarda.auth import authenticated, requires_role
from retaguarda.controller_kit import CONTEXT, Ctx
from retaguarda.errors import FieldError, InvalidInput
from retaguarda.i18n import N_, format_decimal, gettext_for
from retaguarda.portal.navigation import AUDIT_READERS
from retaguarda.portal.rendering import page, viewer_locale, viewer_timezone
from retaguarda.tenancy import TenantContext
from tenants.schemas import TenantRead
from tenants.service.api_keys import key_names
from tenants.service.directory import get_tenant, list_tenants

PAGE_SIZE = 50
MAX_TENANTS = 200
FILTER_ERRORS = {
    "date": N_("Enter a date."),
    "before_from": N_("The period must end after it starts."),
}
CSV_HEADERS = (
    N_("When (%(zone)s)"),
    N_("Action"),
    N_("Action code"),
    N_("Actor type"),
    N_("Actor"),
    N_("Company"),
    N_("Object type"),
    N_("Object"),
    N_("Object id"),
    N_("Address"),
    N_("User agent"),
    N_("Details"),
)
# OWASP's rule for CSV injection: a cell a spreadsheet would read as a formula is prefixed with a quote.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def details_text(details: dict[str, Any]) -> str:
    return json.dumps(details, ensure_ascii=False, sort_keys=True, default=str) if details else ""


@dataclass
class AuditQuery:
    """The filter form's values as typed, and the filter they make (or the field errors they carry)."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    filters: AuditFilter = field(default_factory=AuditFilter)

    @classmethod
    def read(cls, request: Request[Any, Any, Any], tenants: list[TenantRead]) -> AuditQuery:
        params = request.query_params
        values = {k: (params.get(k) or "").strip() for k in ("action", "actor", "tenant", "from", "to")}
        _ = gettext_for(viewer_locale(request))
        zone = ZoneInfo(viewer_timezone(request))
        query = cls(values)
        day_from = query._day("from", _)
        day_to = query._day("to", _)
        if day_from and day_to and day_to < day_from:
            query.errors["to"] = _(FILTER_ERRORS["before_from"])
        action = values["action"] if values["action"] in {a.value for a in AuditAction} else ""
        tenant = next((t for t in tenants if str(t.id) == values["tenant"]), None)
        values.update(action=action, tenant=str(tenant.id) if tenant else "")
        query.filters = AuditFilter(
            action=AuditAction(action) if action else None,
            actor=values["actor"][:320],
            tenant_id=tenant.id if tenant else None,
            since=datetime.combine(day_from, time(), zone) if day_from else None,
            until=datetime.combine(day_to + timedelta(days=1), time(), zone) if day_to else None,
        )
        return query

    def _day(self, name: str, translate: Any) -> date | None:
        raw = self.values[name]
        if not raw:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            self.errors[name] = translate(FILTER_ERRORS["date"])
            return None

    def query_string(self) -> dict[str, str]:
        return {k: v for k, v in self.values.items() if v}


async def _tenants(ctx: TenantContext) -> list[TenantRead]:
    """The companies whose entries the viewer reads: every one for a provider admin (who filters by them),
    a client admin's own."""
    if not ctx.principal.is_provider:
        return [await get_tenant(ctx, ctx.principal.tenant_id)]
    tenants, _ = await list_tenants(ctx, kind=None, status=None, cursor=None, limit=MAX_TENANTS)
    return sorted(tenants, key=lambda t: (t.kind.value != "provider", t.name.lower()))


class AuditPages(Controller):
    path = "/audit"
    include_in_schema = False
    guards = [authenticated, requires_role(*AUDIT_READERS)]
    dependencies = CONTEXT

    @get("/", operation_id="portalAuditLog")
    async def log_page(self, request: Request[Any, Any, Any], ctx: Ctx) -> Template:
        tenants = await _tenants(ctx)
        query = AuditQuery.read(request, tenants)
        entries: list[AuditRow] = []
        next_cursor = None
        if not query.errors:
            entries, next_cursor = await list_entries(
                ctx, query.filters, cursor=request.query_params.get("cursor") or None, limit=PAGE_SIZE
            )
        keys = await _key_names(ctx, entries)
        return page(
            request,
            "audit/log.html",
            status_code=422 if query.errors else 200,
            values=query.values,
            errors=query.errors,
            query=query.query_string(),
            entries=entries,
            next_cursor=next_cursor,
            tenants=tenants,
            tenant_names={t.id: t.name for t in tenants},
            actions=sorted(AuditAction, key=lambda a: a.value),
            action_label=_labeller(request, ACTION_LABELS),
            actor_label=_labeller(request, ACTOR_LABELS),
            target_label=_labeller(request, TARGET_LABELS),
            details_text=details_text,
            who=lambda entry: keys.get(entry.actor_api_key_id) or entry.actor_label,
        )

    @get("/export.csv", operation_id="portalAuditLogCsv")
    async def export_csv(self, request: Request[Any, Any, Any], ctx: Ctx) -> Response[Any]:
        tenants = await _tenants(ctx)
        query = AuditQuery.read(request, tenants)
        if query.errors:
            raise InvalidInput(errors=[FieldError(k, "invalid", v) for k, v in query.errors.items()])
        rows = [row async for batch in every_entry(ctx, query.filters) for row in batch]
        names = Names({t.id: t.name for t in tenants}, await _key_names(ctx, rows))
        body = _csv(rows, viewer_locale(request), viewer_timezone(request), names)
        return Response(
            body,
            media_type="text/csv",  # Litestar adds "; charset=utf-8" to a text type
            headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'},
        )


def _labeller(request: Request[Any, Any, Any], table: dict[Any, str]) -> Any:
    translate = gettext_for(viewer_locale(request))
    return lambda key: translate(table[key]) if key in table else str(key)


async def _key_names(ctx: TenantContext, rows: list[AuditRow]) -> dict[UUID, str]:
    """The API keys that acted, by name: an entry keeps only the key's id."""
    return await key_names(ctx, {row.actor_api_key_id for row in rows if row.actor_api_key_id})


@dataclass(frozen=True, slots=True)
class Names:
    tenants: dict[UUID, str]
    api_keys: dict[UUID, str]

    def actor(self, row: AuditRow) -> str:
        return (self.api_keys.get(row.actor_api_key_id) if row.actor_api_key_id else None) or row.actor_label


def _csv(rows: list[AuditRow], locale: str, timezone: str, names: Names) -> str:
    """The entries for a spreadsheet: translated headers and labels, times in the viewer's zone, ``;`` as
    the separator where the decimal mark is a comma, and no cell a spreadsheet would run as a formula."""
    _ = gettext_for(locale)
    zone = ZoneInfo(timezone)
    delimiter = ";" if format_decimal(Decimal("0.5"), locale, 1) == "0,5" else ","
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([_(h) % {"zone": timezone} if "%(zone)s" in h else _(h) for h in CSV_HEADERS])
    for row in rows:
        action = row.known_action
        writer.writerow(
            safe_cell(v)
            for v in (
                row.occurred_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
                _(ACTION_LABELS[action]) if action else row.action,
                row.action,
                _(ACTOR_LABELS[row.actor_kind]),
                names.actor(row),
                names.tenants.get(row.tenant_id, str(row.tenant_id)) if row.tenant_id else "",
                _(TARGET_LABELS[row.target_type]) if row.target_type in TARGET_LABELS else row.target_type,
                row.target_label,
                row.target_id,
                row.ip,
                row.user_agent,
                details_text(row.details),
            )
        )
    return out.getvalue()
