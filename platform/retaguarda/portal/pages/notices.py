"""A person's in-app notices: provider staff hear of SLA warnings and breaches; a client's people of questions
from the operator, tasks done and tasks at risk, and choose how (in the app, by email) on the preferences
page."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from retaguarda.auth import authenticated, requires_role
from retaguarda.controller_kit import CONTEXT, Ctx
from retaguarda.portal.forms import read_form, see_other, text, within
from retaguarda.portal.navigation import CLIENTS, NOTICE_READERS
from retaguarda.portal.rendering import page
from retaguarda.tenancy import TenantContext
from retaguarda.work.sla.service import client_notices, inbox

PAGE_SIZE = 50


class NoticePages(Controller):
    path = "/notifications"
    include_in_schema = False
    guards = [authenticated, requires_role(*NOTICE_READERS)]
    dependencies = CONTEXT

    @get("/", operation_id="portalNotifications")
    async def list_page(self, request: Request[Any, Any, Any], ctx: Ctx) -> Template:
        show_all = request.query_params.get("show") == "all"
        items, next_cursor = await inbox.list_notifications(
            ctx,
            unread=None if show_all else True,
            cursor=request.query_params.get("cursor") or None,
            limit=PAGE_SIZE,
        )
        return page(
            request,
            "notices/list.html",
            items=items,
            next_cursor=next_cursor,
            show_all=show_all,
            notice=request.query_params.get("notice") == "read",
        )

    @post("/{notice_id:uuid}/read", operation_id="portalMarkNotificationRead", status_code=303)
    async def mark_read(self, request: Request[Any, Any, Any], notice_id: FromPath[UUID]) -> Redirect:
        read = await within(request, lambda ctx: inbox.mark_read(ctx, notice_id))
        if request.query_params.get("open") == "1" and read.task_id is not None:
            return see_other(f"/tasks/{read.task_id}")
        return see_other("/notifications", notice="read")

    @get("/preferences", operation_id="portalNotificationPreferences", guards=[requires_role(*CLIENTS)])
    async def preferences_page(self, request: Request[Any, Any, Any], ctx: Ctx) -> Template:
        return page(
            request,
            "notices/preferences.html",
            preferences=await client_notices.preferences(ctx),
            notice=request.query_params.get("notice") == "saved",
        )

    @post(
        "/preferences",
        operation_id="portalSaveNotificationPreferences",
        guards=[requires_role(*CLIENTS)],
        status_code=303,
    )
    async def save_preferences(self, request: Request[Any, Any, Any]) -> Redirect:
        form = await read_form(request)
        choices = [
            client_notices.Preference(
                kind, text(form, f"{kind}_in_app") == "on", text(form, f"{kind}_email") == "on"
            )
            for kind in client_notices.CLIENT_KINDS
        ]
        await within(request, lambda ctx: client_notices.set_preferences(ctx, choices))
        return see_other("/notifications/preferences", notice="saved")

    @post("/read-all", operation_id="portalMarkAllNotificationsRead", status_code=303)
    async def mark_all_read(self, request: Request[Any, Any, Any]) -> Redirect:
        async def mark(ctx: TenantContext) -> None:
            while True:
                unread, _ = await inbox.list_notifications(ctx, unread=True, cursor=None, limit=200)
                if not unread:
                    return
                for item in unread:
                    await inbox.mark_read(ctx, item.id)

        await within(request, mark)
        return see_other("/notifications", notice="read")
