"""The portal's routes: every page controller under one router, whose errors render as pages."""

from __future__ import annotations

from typing import Any

from litestar import Request, Router, get
from litestar.response import Redirect

from retaguarda.errors import NotFound
from retaguarda.portal.errors import page_or_problem_handlers
from retaguarda.portal.pages.account import CatalogPages, RosterPages, TenantPages
from retaguarda.portal.pages.audit import AuditPages
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


@get("/favicon.ico", include_in_schema=False, sync_to_thread=False)
def favicon() -> Redirect:
    # Pages name their icon; this is for what asks the conventional address anyway.
    return Redirect("/static/img/favicon.svg", status_code=301)


@get("/{unknown:path}", include_in_schema=False, sync_to_thread=False)
def unknown_page(request: Request[Any, Any, Any]) -> None:
    """An address no page has: answered here rather than by the router, so the not-found page knows who is
    asking (the menu, the language) like any other page."""
    raise NotFound()


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
            AuditPages,
            favicon,
            unknown_page,
        ],
        before_request=count_unread_notices,
        exception_handlers=page_or_problem_handlers(),
        include_in_schema=False,
    )
