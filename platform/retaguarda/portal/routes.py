"""The portal's routes: every page controller under one router, whose errors render as pages."""

from __future__ import annotations

from litestar import Router

from retaguarda.portal.errors import portal_exception_handlers
from retaguarda.portal.pages.account import CatalogPages, RosterPages, TenantPages
from retaguarda.portal.pages.billing import BillingPages
from retaguarda.portal.pages.board import BoardPages, TimePages
from retaguarda.portal.pages.home import HomePage
from retaguarda.portal.pages.imports import ImportPages
from retaguarda.portal.pages.notices import NoticePages
from retaguarda.portal.pages.profile import ProfilePages
from retaguarda.portal.pages.session import SessionPages
from retaguarda.portal.pages.settings import ApiKeyPages, UserPages, WebhookPages
from retaguarda.portal.pages.sla import SlaPolicyPages, SlaReportPages
from retaguarda.portal.pages.staffing import StaffingPages
from retaguarda.portal.pages.tasks import TaskPages
from retaguarda.portal.pages.work import WorkPages
from retaguarda.portal.rendering import count_unread_notices


def portal_router() -> Router:
    return Router(
        path="/",
        route_handlers=[
            SessionPages,
            HomePage,
            ProfilePages,
            TaskPages,
            ImportPages,
            UserPages,
            ApiKeyPages,
            WebhookPages,
            WorkPages,
            BoardPages,
            TimePages,
            CatalogPages,
            TenantPages,
            RosterPages,
            SlaReportPages,
            SlaPolicyPages,
            NoticePages,
            StaffingPages,
            BillingPages,
        ],
        before_request=count_unread_notices,
        exception_handlers=portal_exception_handlers(),
        include_in_schema=False,
    )
