"""The home page: each role lands where its work is."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.response import Template

from retaguarda.auth import Role, TenantKind, authenticated
from retaguarda.endpoints import CONTEXT, Ctx
from retaguarda.portal.rendering import page
from retaguarda.work.service import overview
from tenants.schemas import TenantRead
from tenants.service.directory import get_tenant, list_tenants

# Roles whose work has a screen of its own: their dashboard leads there first.
LANDINGS = {Role.OPERATOR: "/work", Role.SUPERVISOR: "/board"}


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
        return page(
            request,
            "home/dashboard.html",
            tenant=await get_tenant(ctx, principal.tenant_id),
            landing=LANDINGS.get(principal.role),
            clients={client.id: client.name for client in clients},
            backlog=await overview.backlog_by_status(ctx),
            at_risk=await overview.tasks_at_risk(ctx, limit=8),
            activity=await overview.recent_activity(ctx, limit=10),
        )
