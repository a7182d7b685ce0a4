"""Thin controllers for SLA: policies, attainment reports (JSON and CSV) and a user's inbox."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from retaguarda.auth import Role, Scope, authenticated, requires_role, requires_scope
from retaguarda.controller_kit import CONTEXT, READ_ERRORS, WRITE_ERRORS, Ctx, Cursor, Limit, page
from retaguarda.errors import FieldError, InvalidInput
from retaguarda.i18n import negotiate_request_locale
from retaguarda.spreadsheets import CSV_MEDIA_TYPE
from retaguarda.work.sla.schemas import (
    AttainmentReport,
    NotificationPage,
    NotificationPreferenceRead,
    NotificationRead,
    SlaPolicyCreate,
    SlaPolicyPage,
    SlaPolicyRead,
    SlaPolicyUpdate,
    SlaPolicyVersionRead,
)
from retaguarda.work.sla.service import client_notices, inbox, policies, reports
from retaguarda.work.sla.service.reports import GroupBy

POLICY_WRITERS = (Role.ADMIN, Role.ACCOUNT_MANAGER)
PeriodFrom = Annotated[date, QueryParameter(name="from", description="First local date of the period")]
PeriodTo = Annotated[date, QueryParameter(name="to", description="Local date the period ends before")]
GroupByParam = Annotated[GroupBy, QueryParameter(name="group_by")]
# A report spans at most this many days (a year and a bit): enough for any SLA review, bounded in cost.
MAX_REPORT_DAYS = 400


class SlaPolicyController(Controller):
    path = "/api/v1/sla/policies"
    tags = ["SLA"]
    guards = [authenticated, requires_scope(Scope.TASKS_READ)]
    dependencies = CONTEXT

    @get("/", operation_id="listSlaPolicies", responses=READ_ERRORS)
    async def list_policies(
        self, ctx: Ctx, tenant_id: FromQuery[UUID | None] = None, cursor: Cursor = None, limit: Limit = 50
    ) -> SlaPolicyPage:
        return page(
            SlaPolicyPage, await policies.list_policies(ctx, tenant_id=tenant_id, cursor=cursor, limit=limit)
        )

    @post(
        "/", operation_id="createSlaPolicy", guards=[requires_role(*POLICY_WRITERS)], responses=WRITE_ERRORS
    )
    async def create_policy(self, ctx: Ctx, data: JSONBody[SlaPolicyCreate]) -> SlaPolicyRead:
        return await policies.create_policy(ctx, data)

    @get("/{policy_id:uuid}", operation_id="getSlaPolicy", responses=READ_ERRORS)
    async def get_policy(self, ctx: Ctx, policy_id: FromPath[UUID]) -> SlaPolicyRead:
        return await policies.get_policy(ctx, policy_id)

    @get("/{policy_id:uuid}/versions", operation_id="listSlaPolicyVersions", responses=READ_ERRORS)
    async def versions(self, ctx: Ctx, policy_id: FromPath[UUID]) -> list[SlaPolicyVersionRead]:
        return await policies.list_versions(ctx, policy_id)

    @patch(
        "/{policy_id:uuid}",
        operation_id="updateSlaPolicy",
        summary="Change a policy (a change of terms adds a version; running clocks keep theirs)",
        guards=[requires_role(*POLICY_WRITERS)],
        responses=WRITE_ERRORS,
    )
    async def update_policy(
        self, ctx: Ctx, policy_id: FromPath[UUID], data: JSONBody[SlaPolicyUpdate]
    ) -> SlaPolicyRead:
        return await policies.update_policy(ctx, policy_id, data)

    @delete(
        "/{policy_id:uuid}",
        operation_id="deleteSlaPolicy",
        guards=[requires_role(*POLICY_WRITERS)],
        responses=WRITE_ERRORS,
    )
    async def delete_policy(self, ctx: Ctx, policy_id: FromPath[UUID]) -> None:
        await policies.delete_policy(ctx, policy_id)


def _check_period(date_from: date, date_to: date) -> None:
    if date_to <= date_from:
        raise InvalidInput(errors=[FieldError("to", "before_from", "The period must end after it starts.")])
    if (date_to - date_from).days > MAX_REPORT_DAYS:
        raise InvalidInput(
            errors=[FieldError("to", "too_long", f"A report spans at most {MAX_REPORT_DAYS} days.")]
        )


class SlaReportController(Controller):
    path = "/api/v1/sla/attainment"
    tags = ["SLA"]
    guards = [authenticated, requires_scope(Scope.TASKS_READ)]
    dependencies = CONTEXT

    async def _report(
        self,
        ctx: Ctx,
        request: Request[Any, Any, Any],
        date_from: date,
        date_to: date,
        group_by: GroupBy,
        tenant_id: UUID | None,
    ) -> tuple[AttainmentReport, str]:
        _check_period(date_from, date_to)
        locale = negotiate_request_locale(request)
        report = await reports.attainment_report(
            ctx, date_from=date_from, date_to=date_to, group_by=group_by, tenant_id=tenant_id, locale=locale
        )
        return report, locale

    @get(
        "/",
        operation_id="getSlaAttainment",
        summary="Attainment per client, queue, task type, priority or period (in the client's time zone)",
        responses=READ_ERRORS,
    )
    async def attainment(
        self,
        ctx: Ctx,
        request: Request[Any, Any, Any],
        date_from: PeriodFrom,
        date_to: PeriodTo,
        group_by: GroupByParam = GroupBy.PRIORITY,
        tenant_id: FromQuery[UUID | None] = None,
    ) -> AttainmentReport:
        report, _ = await self._report(ctx, request, date_from, date_to, group_by, tenant_id)
        return report

    @get(
        "/csv",
        operation_id="exportSlaAttainmentCsv",
        summary="The same report as CSV, with the requester's language and number format",
        responses=READ_ERRORS,
        media_type=CSV_MEDIA_TYPE,
    )
    async def attainment_csv(
        self,
        ctx: Ctx,
        request: Request[Any, Any, Any],
        date_from: PeriodFrom,
        date_to: PeriodTo,
        group_by: GroupByParam = GroupBy.PRIORITY,
        tenant_id: FromQuery[UUID | None] = None,
    ) -> Response[str]:
        report, locale = await self._report(ctx, request, date_from, date_to, group_by, tenant_id)
        filename = f"sla-attainment-{date_from.isoformat()}-{date_to.isoformat()}.csv"
        return Response(
            reports.report_csv(report, locale),
            media_type=CSV_MEDIA_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )


class NotificationController(Controller):
    """Every signed-in person's own notices: provider staff's SLA notices, a client's people's questions,
    completions and tasks at risk (with their preferences)."""

    path = "/api/v1/notifications"
    tags = ["Notifications"]
    guards = [authenticated]
    dependencies = CONTEXT

    @get(
        "/preferences",
        operation_id="getNotificationPreferences",
        guards=[requires_role(Role.CLIENT_ADMIN, Role.CLIENT_MEMBER)],
        responses=READ_ERRORS,
    )
    async def get_preferences(self, ctx: Ctx) -> list[NotificationPreferenceRead]:
        return [_preference_read(p) for p in await client_notices.preferences(ctx)]

    @put(
        "/preferences",
        operation_id="setNotificationPreferences",
        guards=[requires_role(Role.CLIENT_ADMIN, Role.CLIENT_MEMBER)],
        responses=WRITE_ERRORS,
    )
    async def set_preferences(
        self, ctx: Ctx, data: JSONBody[list[NotificationPreferenceRead]]
    ) -> list[NotificationPreferenceRead]:
        """The choices sent replace the caller's; a kind left out goes back to the default (both)."""
        await client_notices.set_preferences(
            ctx, [client_notices.Preference(p.kind, p.in_app, p.email) for p in data]
        )
        return [_preference_read(p) for p in await client_notices.preferences(ctx)]

    @get(
        "/",
        operation_id="listNotifications",
        summary="The caller's in-app notices, oldest first",
        responses=READ_ERRORS,
    )
    async def list_notifications(
        self, ctx: Ctx, unread: FromQuery[bool | None] = None, cursor: Cursor = None, limit: Limit = 50
    ) -> NotificationPage:
        return page(
            NotificationPage, await inbox.list_notifications(ctx, unread=unread, cursor=cursor, limit=limit)
        )

    @post(
        "/{notification_id:uuid}/read",
        operation_id="markNotificationRead",
        status_code=200,
        responses=WRITE_ERRORS,
    )
    async def mark_read(self, ctx: Ctx, notification_id: FromPath[UUID]) -> NotificationRead:
        return await inbox.mark_read(ctx, notification_id)


ROUTES = [SlaPolicyController, SlaReportController, NotificationController]


def _preference_read(preference: client_notices.Preference) -> NotificationPreferenceRead:
    return NotificationPreferenceRead(
        kind=preference.kind,  # type: ignore[arg-type]
        in_app=preference.in_app,
        email=preference.email,
    )
