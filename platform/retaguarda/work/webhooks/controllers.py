"""Thin controllers for clients' webhook endpoints, their test ping and their delivery log."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from retaguarda.auth import Role, Scope, authenticated, requires_role, requires_scope
from retaguarda.controller_kit import CONTEXT, READ_ERRORS, WRITE_ERRORS, Ctx, Cursor, Limit, page
from retaguarda.work.webhooks import service as webhooks
from retaguarda.work.webhooks.schemas import (
    WebhookDeliveryPage,
    WebhookDeliveryRead,
    WebhookEndpointCreate,
    WebhookEndpointPage,
    WebhookEndpointRead,
    WebhookEndpointUpdate,
    WebhookEndpointWithSecret,
)
from retaguarda.work.webhooks.tables import DeliveryStatus

TenantFilter = Annotated[UUID | None, QueryParameter(name="tenantId", description="Only this client's.")]
# A client's own admin, or the provider's staff who run the account; client members only look.
WRITERS = (Role.ADMIN, Role.ACCOUNT_MANAGER, Role.CLIENT_ADMIN)
READERS = (*WRITERS, Role.CLIENT_MEMBER)
WRITE_GUARDS = [requires_role(*WRITERS), requires_scope(Scope.TENANTS_WRITE)]


class WebhookEndpointController(Controller):
    path = "/api/v1/webhooks"
    tags = ["Webhooks"]
    guards = [authenticated, requires_role(*READERS), requires_scope(Scope.TENANTS_READ)]
    dependencies = CONTEXT

    @get("/", operation_id="listWebhookEndpoints", responses=READ_ERRORS)
    async def list_endpoints(
        self, ctx: Ctx, tenant_id: TenantFilter = None, cursor: Cursor = None, limit: Limit = 50
    ) -> WebhookEndpointPage:
        return page(
            WebhookEndpointPage,
            await webhooks.list_endpoints(ctx, tenant_id=tenant_id, cursor=cursor, limit=limit),
        )

    @post(
        "/",
        operation_id="createWebhookEndpoint",
        summary="Create a webhook endpoint (the signing secret is shown only here)",
        guards=WRITE_GUARDS,
        responses=WRITE_ERRORS,
    )
    async def create_endpoint(
        self, ctx: Ctx, data: JSONBody[WebhookEndpointCreate]
    ) -> WebhookEndpointWithSecret:
        return await webhooks.create_endpoint(ctx, data)

    @get("/{endpoint_id:uuid}", operation_id="getWebhookEndpoint", responses=READ_ERRORS)
    async def get_endpoint(self, ctx: Ctx, endpoint_id: FromPath[UUID]) -> WebhookEndpointRead:
        return await webhooks.get_endpoint(ctx, endpoint_id)

    @patch(
        "/{endpoint_id:uuid}",
        operation_id="updateWebhookEndpoint",
        guards=WRITE_GUARDS,
        responses=WRITE_ERRORS,
    )
    async def update_endpoint(
        self, ctx: Ctx, endpoint_id: FromPath[UUID], data: JSONBody[WebhookEndpointUpdate]
    ) -> WebhookEndpointRead:
        return await webhooks.update_endpoint(ctx, endpoint_id, data)

    @delete(
        "/{endpoint_id:uuid}",
        operation_id="deleteWebhookEndpoint",
        guards=WRITE_GUARDS,
        responses=WRITE_ERRORS,
    )
    async def delete_endpoint(self, ctx: Ctx, endpoint_id: FromPath[UUID]) -> None:
        await webhooks.delete_endpoint(ctx, endpoint_id)

    @post(
        "/{endpoint_id:uuid}/rotate-secret",
        operation_id="rotateWebhookSecret",
        summary="Replace the signing secret (the new one is shown only here)",
        status_code=200,
        guards=WRITE_GUARDS,
        responses=WRITE_ERRORS,
    )
    async def rotate_secret(self, ctx: Ctx, endpoint_id: FromPath[UUID]) -> WebhookEndpointWithSecret:
        return await webhooks.rotate_secret(ctx, endpoint_id)

    @post(
        "/{endpoint_id:uuid}/ping",
        operation_id="pingWebhookEndpoint",
        summary="Send a webhook.ping message",
        status_code=202,
        guards=WRITE_GUARDS,
        responses=WRITE_ERRORS,
    )
    async def ping(self, ctx: Ctx, endpoint_id: FromPath[UUID]) -> WebhookDeliveryRead:
        return await webhooks.ping(ctx, endpoint_id)

    @get(
        "/{endpoint_id:uuid}/deliveries",
        operation_id="listWebhookDeliveries",
        summary="The delivery log, newest first",
        responses=READ_ERRORS,
    )
    async def list_deliveries(
        self,
        ctx: Ctx,
        endpoint_id: FromPath[UUID],
        status: FromQuery[DeliveryStatus | None] = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> WebhookDeliveryPage:
        return page(
            WebhookDeliveryPage,
            await webhooks.list_deliveries(ctx, endpoint_id, status=status, cursor=cursor, limit=limit),
        )

    @get(
        "/{endpoint_id:uuid}/deliveries/{delivery_id:uuid}",
        operation_id="getWebhookDelivery",
        responses=READ_ERRORS,
    )
    async def get_delivery(
        self, ctx: Ctx, endpoint_id: FromPath[UUID], delivery_id: FromPath[UUID]
    ) -> WebhookDeliveryRead:
        return await webhooks.get_delivery(ctx, endpoint_id, delivery_id)

    @post(
        "/{endpoint_id:uuid}/deliveries/{delivery_id:uuid}/retry",
        operation_id="retryWebhookDelivery",
        summary="Send a failed delivery again",
        status_code=202,
        guards=WRITE_GUARDS,
        responses=WRITE_ERRORS,
    )
    async def retry_delivery(
        self, ctx: Ctx, endpoint_id: FromPath[UUID], delivery_id: FromPath[UUID]
    ) -> WebhookDeliveryRead:
        return await webhooks.retry_delivery(ctx, endpoint_id, delivery_id)


ROUTES = [WebhookEndpointController]
