"""The account staff's read views: task types and queues per client, clients and their users, pools and
their operators."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from retaguarda.auth import TenantKind, authenticated, requires_role
from retaguarda.controller_kit import CONTEXT, Ctx
from retaguarda.errors import InvalidInput
from retaguarda.portal.forms import read_form, see_other, text, within
from retaguarda.portal.navigation import ACCOUNT_STAFF, ROSTER_READERS
from retaguarda.portal.rendering import page
from retaguarda.work.schemas import TaskTypeUpdate
from retaguarda.work.service import boards, catalog
from retaguarda.work.sla.service.policies import list_policies
from staffing.service.operators import list_operators
from staffing.service.pools import get_pool, list_pools
from tenants.service.directory import get_tenant, list_members, list_tenants

LIMIT = 200


class CatalogPages(Controller):
    path = "/catalog"
    include_in_schema = False
    guards = [authenticated, requires_role(*ACCOUNT_STAFF)]
    dependencies = CONTEXT

    @get("/", operation_id="portalCatalog")
    async def catalog_page(self, request: Request[Any, Any, Any], ctx: Ctx) -> Template:
        clients, _ = await list_tenants(ctx, kind=TenantKind.CLIENT, status=None, cursor=None, limit=LIMIT)
        wanted = request.query_params.get("client", "")
        client = next((c for c in clients if str(c.id) == wanted), None)
        tenant_id = client.id if client else None
        types, _ = await catalog.list_task_types(
            ctx, tenant_id=tenant_id, active=None, cursor=None, limit=LIMIT
        )
        queues, _ = await catalog.list_queues(ctx, tenant_id=tenant_id, cursor=None, limit=LIMIT)
        pools, _ = await list_pools(ctx, cursor=None, limit=LIMIT)
        policies, _ = await list_policies(ctx, tenant_id=tenant_id, cursor=None, limit=LIMIT)
        notice = request.query_params.get("notice")
        return page(
            request,
            "account/catalog.html",
            policies=policies,
            policy_names={p.id: p.name for p in policies},
            notice=notice if notice in {"policy", "policy_refused"} else None,
            clients=clients,
            client=client,
            client_names={c.id: c.name for c in clients},
            types=types,
            queues=queues,
            pool_names={p.id: p.name for p in pools},
        )

    @post("/types/{type_id:uuid}/sla", operation_id="portalAttachSlaPolicy", status_code=303)
    async def attach_policy(self, request: Request[Any, Any, Any], type_id: FromPath[UUID]) -> Redirect:
        """Attach a policy to a task type (or none): new tasks of the type start its clocks."""
        form = await read_form(request)
        raw = text(form, "sla_policy_id")
        back = text(form, "client")
        try:
            policy_id = UUID(raw) if raw else None
        except ValueError:
            return see_other("/catalog", client=back, notice="policy_refused")
        try:
            await within(
                request,
                lambda ctx: catalog.update_task_type(ctx, type_id, TaskTypeUpdate(sla_policy_id=policy_id)),
            )
        except InvalidInput:
            return see_other("/catalog", client=back, notice="policy_refused")
        return see_other("/catalog", client=back, notice="policy")


class TenantPages(Controller):
    path = "/tenants"
    include_in_schema = False
    guards = [authenticated, requires_role(*ACCOUNT_STAFF)]
    dependencies = CONTEXT

    @get("/", operation_id="portalTenants")
    async def tenants_page(self, request: Request[Any, Any, Any], ctx: Ctx) -> Template:
        tenants, _ = await list_tenants(ctx, kind=None, status=None, cursor=None, limit=LIMIT)
        return page(request, "account/tenants.html", tenants=tenants)

    @get("/{tenant_id:uuid}", operation_id="portalTenant")
    async def tenant_page(
        self, request: Request[Any, Any, Any], ctx: Ctx, tenant_id: FromPath[UUID]
    ) -> Template:
        tenant = await get_tenant(ctx, tenant_id)
        members, _ = await list_members(ctx, tenant_id, cursor=None, limit=LIMIT)
        return page(request, "account/tenant.html", tenant=tenant, members=members)


class RosterPages(Controller):
    path = "/pools"
    include_in_schema = False
    guards = [authenticated, requires_role(*ROSTER_READERS)]
    dependencies = CONTEXT

    @get("/", operation_id="portalPools")
    async def pools_page(self, request: Request[Any, Any, Any], ctx: Ctx) -> Template:
        pools, _ = await list_pools(ctx, cursor=None, limit=LIMIT)
        operators, _ = await list_operators(ctx, status=None, pool_id=None, cursor=None, limit=LIMIT)
        return page(request, "account/pools.html", pools=pools, operators=operators)

    @get("/{pool_id:uuid}", operation_id="portalPool")
    async def pool_page(self, request: Request[Any, Any, Any], ctx: Ctx, pool_id: FromPath[UUID]) -> Template:
        pool = await get_pool(ctx, pool_id)
        operators, _ = await list_operators(ctx, status=None, pool_id=pool_id, cursor=None, limit=LIMIT)
        board = await boards.pool_board(ctx, pool_id)
        return page(request, "account/pool.html", pool=pool, operators=operators, board=board)
