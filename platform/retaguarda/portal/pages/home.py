"""The home page: each role lands where its work is; clients see their SLA attainment this month and the
tasks closest to missing it."""

from __future__ import annotations

import calendar
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from litestar import Controller, Request, get
from litestar.response import Template

from retaguarda.auth import Role, TenantKind, authenticated
from retaguarda.controller_kit import CONTEXT, Ctx
from retaguarda.errors import Forbidden
from retaguarda.i18n import format_date, format_number, format_percent, gettext_for
from retaguarda.portal.charts import Axes, Chart, DayShare, Table, attainment_chart
from retaguarda.portal.navigation import TASK_READERS
from retaguarda.portal.pages.billing import client_consumption
from retaguarda.portal.rendering import page, viewer_locale
from retaguarda.tenancy import TenantContext
from retaguarda.work.service import boards, claims
from retaguarda.work.sla.schemas import AttainmentReport
from retaguarda.work.sla.service import risk
from retaguarda.work.sla.service.reports import GroupBy, attainment_report
from tenants.schemas import TenantRead
from tenants.service.directory import get_tenant, list_tenants

# Roles whose work has a screen of its own: their dashboard leads there first.
LANDINGS = {Role.OPERATOR: "/work", Role.SUPERVISOR: "/board"}
# A month's attainment is read from every clock of the month. Where that is costly (a big client), it is
# computed at most once a minute per client and language in a process: the card says "this month", not "this
# second". A cheap one is always fresh.
ATTAINMENT_TTL_S = 60.0
ATTAINMENT_COSTLY_S = 0.05
_attainment: dict[tuple[UUID, str, date], tuple[float, AttainmentReport]] = {}


def month_of(today: date) -> tuple[date, date]:
    first = today.replace(day=1)
    return first, first + timedelta(days=calendar.monthrange(first.year, first.month)[1])


async def month_attainment(ctx: TenantContext, tenant: TenantRead, locale: str) -> AttainmentReport:
    first, after = month_of(datetime.now(ZoneInfo(tenant.timezone)).date())
    key = (tenant.id, locale, first)
    cached = _attainment.get(key)
    if cached is not None and time.monotonic() - cached[0] < ATTAINMENT_TTL_S:
        return cached[1]
    started = time.monotonic()
    report = await attainment_report(
        ctx, date_from=first, date_to=after, group_by=GroupBy.DAY, tenant_id=tenant.id, locale=locale
    )
    if time.monotonic() - started > ATTAINMENT_COSTLY_S:
        _attainment[key] = (time.monotonic(), report)
    return report


def attainment_days(report: AttainmentReport, first: date, after: date, locale: str) -> Chart:
    _ = gettext_for(locale)
    rows = {row.group: row for row in report.rows}
    days = []
    day = first
    while day < after:
        row = rows.get(day.isoformat())
        met, breached = (row.resolution_met, row.resolution_breached) if row else (0, 0)
        title = _("%(day)s: met %(met)d, breached %(breached)d") % {
            "day": format_date(day, locale),
            "met": met,
            "breached": breached,
        }
        days.append(DayShare(day, met, breached, title))
        day += timedelta(days=1)
    table = Table(
        _("Resolution clocks per day"),
        [_("Day"), _("Met"), _("Breached")],
        [
            [format_date(d.day, locale), format_number(d.met, locale), format_number(d.breached, locale)]
            for d in days
        ],
    )
    axes = Axes(
        y_title=_("Share of clocks"),
        x_title=_("Day of the month"),
        number=lambda share: format_percent(share, locale, 0),
        day=lambda day: format_number(day.day, locale),
    )
    return attainment_chart(days, _("Resolution clocks met and breached per day this month"), axes, table)


class HomePage(Controller):
    path = "/"
    include_in_schema = False
    guards = [authenticated]
    dependencies = CONTEXT

    @get("/", operation_id="portalHome")
    async def home(self, request: Request[Any, Any, Any], ctx: Ctx) -> Template:
        principal = ctx.principal
        clients: list[TenantRead] = []
        if principal.tenant_kind is TenantKind.PROVIDER:
            clients, _ = await list_tenants(ctx, kind=TenantKind.CLIENT, status=None, cursor=None, limit=200)
        tenant = await get_tenant(ctx, principal.tenant_id)
        cards: dict[str, Any] = {}
        if principal.tenant_kind is TenantKind.CLIENT:
            locale = viewer_locale(request)
            report = await month_attainment(ctx, tenant, locale)
            first, after = month_of(datetime.now(ZoneInfo(tenant.timezone)).date())
            cards = {
                "attainment": report,
                "attainment_chart": attainment_days(report, first, after, locale),
                "month_first": first,
            }
        if principal.role is Role.CLIENT_ADMIN:
            cards["consumption"] = await client_consumption(ctx)
        return page(
            request,
            "home/dashboard.html",
            tenant=tenant,
            landing=LANDINGS.get(principal.role),
            clients={client.id: client.name for client in clients},
            backlog=await boards.backlog_by_status(ctx),
            risk=await risk.risk_counts(ctx),
            sla_risk=await risk.tasks_at_risk(ctx, limit=8),
            activity=await boards.recent_activity(ctx, limit=10),
            task_href=await task_links(ctx),
            lists_tasks=principal.role in TASK_READERS,
            **cards,
        )


async def task_links(ctx: TenantContext) -> Callable[[UUID], str | None]:
    """Where a task's title leads for the viewer: its page for those who read tasks; for an operator, only a
    task it holds (on the work screen): an operator opens no task page, so no link may lead to a 403."""
    if ctx.principal.role in TASK_READERS:
        return lambda task_id: f"/tasks/{task_id}"
    if ctx.principal.role is not Role.OPERATOR:
        return lambda task_id: None
    try:
        held = {lease.task.id for lease in await claims.held_leases(ctx)}
    except Forbidden:  # an operator without an operator record holds nothing
        held = set()
    return lambda task_id: f"/work?task={task_id}" if task_id in held else None
