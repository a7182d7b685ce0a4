"""A client's own settings: its users and their roles, its API keys (the secret shown once) and its webhook
endpoints with their delivery log and a test ping."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from retaguarda.auth import CLIENT_ROLES, Role, Scope, authenticated, requires_role
from retaguarda.controller_kit import CONTEXT, Ctx
from retaguarda.errors import Conflict, DomainError, FieldError, InvalidInput
from retaguarda.i18n import N_
from retaguarda.portal.forms import (
    FormSpec,
    decode,
    read_form,
    reading,
    refusal,
    see_other,
    submit_form,
    text,
    texts,
    within,
)
from retaguarda.portal.navigation import CLIENT_ADMINS, CLIENTS
from retaguarda.portal.rendering import page, viewer_locale, viewer_timezone
from retaguarda.tenancy import TenantContext
from retaguarda.work.webhooks import service as webhooks
from retaguarda.work.webhooks.schemas import WebhookEndpointCreate, WebhookEvent
from tenants.schemas import ApiKeyCreate, MemberCreate, MemberUpdate
from tenants.service import api_keys, directory

MEMBER_FORM = FormSpec(
    ("email", "display_name", "role", "password"),
    {
        "email": N_("Enter the person's email address, such as ana@example.com."),
        "display_name": N_("Enter the person's name as colleagues know it."),
        "role": N_("Choose what the person may do."),
    },
)
KEY_FORM = FormSpec(
    ("name", "scopes", "expires_at"),
    {
        "name": N_("Name the key after what uses it, such as ERP integration."),
        "scopes": N_("Choose at least one permission."),
        "expires_at": N_("Enter the last day the key works, or leave it empty."),
    },
)
HOOK_FORM = FormSpec(
    ("url", "description", "events"),
    {
        "url": N_("Enter the full address that receives the events, such as https://example.com/hooks."),
        "events": N_("Choose at least one event."),
    },
)
ADMIN_ONLY = [requires_role(*CLIENT_ADMINS)]


def _alert(exc: DomainError, locale: str) -> str:
    return " ".join(refusal(exc, locale).values())


class UserPages(Controller):
    path = "/settings/users"
    include_in_schema = False
    guards = [authenticated, requires_role(*CLIENT_ADMINS)]
    dependencies = CONTEXT

    @get("/", operation_id="portalUsers")
    async def list_page(self, request: Request[Any, Any, Any], ctx: Ctx) -> Template:
        return await _users_page(request, ctx, {}, {})

    @post("/", operation_id="portalAddUser", status_code=303)
    async def add(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        async def add(ctx: TenantContext, values: dict[str, str]) -> None:
            body = {
                "email": values["email"].lower(),
                "displayName": values["display_name"],
                "role": values["role"],
                "password": values["password"] or None,
            }
            await directory.add_member(ctx, ctx.principal.tenant_id, decode(body, MemberCreate))

        async def again(ctx: TenantContext, values: dict[str, str], errors: dict[str, str]) -> Template:
            # A password is never sent back into the page.
            return await _users_page(request, ctx, values | {"password": ""}, errors)

        return await submit_form(
            request, MEMBER_FORM, add, again, lambda _: see_other("/settings/users", notice="added")
        )

    @post("/{membership_id:uuid}/role", operation_id="portalChangeRole", status_code=303)
    async def change_role(
        self, request: Request[Any, Any, Any], membership_id: FromPath[UUID]
    ) -> Template | Redirect:
        form = await read_form(request)
        body = {"role": text(form, "role")}
        return await _member_change(
            request,
            lambda ctx: directory.change_member_role(
                ctx, ctx.principal.tenant_id, membership_id, decode(body, MemberUpdate)
            ),
            "role_changed",
        )

    @post("/{membership_id:uuid}/remove", operation_id="portalRemoveUser", status_code=303)
    async def remove(
        self, request: Request[Any, Any, Any], membership_id: FromPath[UUID]
    ) -> Template | Redirect:
        return await _member_change(
            request,
            lambda ctx: directory.remove_member(ctx, ctx.principal.tenant_id, membership_id),
            "removed",
        )


async def _member_change(request: Request[Any, Any, Any], action: Any, notice: str) -> Template | Redirect:
    try:
        await within(request, action)
    except (InvalidInput, Conflict) as exc:
        alert, status = _alert(exc, viewer_locale(request)), exc.status

        async def again(ctx: TenantContext) -> Template:
            return await _users_page(request, ctx, {}, {}, alert=alert, status_code=status)

        return await reading(request, again)
    return see_other("/settings/users", notice=notice)


async def _users_page(
    request: Request[Any, Any, Any],
    ctx: TenantContext,
    values: dict[str, str],
    errors: dict[str, str],
    *,
    alert: str | None = None,
    status_code: int = 200,
) -> Template:
    members, _ = await directory.list_members(ctx, ctx.principal.tenant_id, cursor=None, limit=200)
    return page(
        request,
        "settings/users.html",
        status_code=status_code,
        members=members,
        roles=sorted(CLIENT_ROLES),
        values=values,
        errors=errors,
        alert=alert,
        notice=request.query_params.get("notice"),
    )


# ---- API keys ------------------------------------------------------------------------------------------


def _expiry(value: str, timezone: str) -> str | None:
    """A date picked in the form: the key works until the end of that day in the viewer's zone."""
    try:
        day = date.fromisoformat(value) if value else None
    except ValueError:
        raise InvalidInput(errors=[FieldError("expiresAt", "invalid_date", "Use a valid date.")]) from None
    if day is None:
        return None
    return datetime.combine(day, time(23, 59, 59), tzinfo=ZoneInfo(timezone)).isoformat()


class ApiKeyPages(Controller):
    path = "/settings/api-keys"
    include_in_schema = False
    guards = [authenticated, requires_role(*CLIENT_ADMINS)]
    dependencies = CONTEXT

    @get("/", operation_id="portalApiKeys")
    async def list_page(self, request: Request[Any, Any, Any], ctx: Ctx) -> Template:
        return await _keys_page(request, ctx, {}, {})

    @post("/", operation_id="portalCreateApiKey", status_code=200)
    async def create(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        chosen = texts(await read_form(request), "scopes")
        timezone = viewer_timezone(request)

        async def create(ctx: TenantContext, values: dict[str, str]) -> Any:
            body = {
                "name": values["name"],
                "scopes": chosen,
                "expiresAt": _expiry(values["expires_at"], timezone),
            }
            return await api_keys.create_api_key(ctx, decode(body, ApiKeyCreate))

        async def again(ctx: TenantContext, values: dict[str, str], errors: dict[str, str]) -> Template:
            return await _keys_page(request, ctx, values, errors, chosen=chosen)

        async def shown(created: Any) -> Template:
            # The secret is in this answer only: never in a URL, never stored.
            return await reading(
                request, lambda ctx: _keys_page(request, ctx, {}, {}, created=created, status_code=201)
            )

        return await submit_form(request, KEY_FORM, create, again, shown)

    @post("/{key_id:uuid}/revoke", operation_id="portalRevokeApiKey", status_code=303)
    async def revoke(self, request: Request[Any, Any, Any], key_id: FromPath[UUID]) -> Redirect:
        await within(request, lambda ctx: api_keys.revoke_api_key(ctx, key_id))
        return see_other("/settings/api-keys", notice="revoked")


async def _keys_page(
    request: Request[Any, Any, Any],
    ctx: TenantContext,
    values: dict[str, str],
    errors: dict[str, str],
    *,
    chosen: list[str] | None = None,
    created: Any = None,
    status_code: int = 200,
) -> Template:
    keys, _ = await api_keys.list_api_keys(ctx, tenant_id=ctx.principal.tenant_id, cursor=None, limit=200)
    return page(
        request,
        "settings/api_keys.html",
        status_code=status_code,
        keys=list(reversed(keys)),
        scopes=sorted(s.value for s in ctx.principal.scopes),
        chosen=set(chosen if chosen is not None else [Scope.TASKS_READ.value, Scope.TASKS_WRITE.value]),
        values=values,
        errors=errors,
        created=created,
        notice=request.query_params.get("notice"),
    )


# ---- webhooks ------------------------------------------------------------------------------------------


class WebhookPages(Controller):
    path = "/settings/webhooks"
    include_in_schema = False
    guards = [authenticated, requires_role(*CLIENTS)]
    dependencies = CONTEXT

    @get("/", operation_id="portalWebhooks")
    async def list_page(self, request: Request[Any, Any, Any], ctx: Ctx) -> Template:
        return await _hooks_page(request, ctx, {}, {})

    @post("/", operation_id="portalCreateWebhook", guards=ADMIN_ONLY, status_code=201)
    async def create(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        events = texts(await read_form(request), "events")

        async def create(ctx: TenantContext, values: dict[str, str]) -> Any:
            body = {"url": values["url"], "description": values["description"], "events": events}
            return await webhooks.create_endpoint(ctx, decode(body, WebhookEndpointCreate))

        async def again(ctx: TenantContext, values: dict[str, str], errors: dict[str, str]) -> Template:
            return await _hooks_page(request, ctx, values, errors, events=events)

        async def shown(created: Any) -> Template:
            return await reading(
                request,
                lambda ctx: _endpoint_page(request, ctx, created.id, secret=created.secret, status_code=201),
            )

        return await submit_form(request, HOOK_FORM, create, again, shown)

    @get("/{endpoint_id:uuid}", operation_id="portalWebhook")
    async def detail(
        self, request: Request[Any, Any, Any], ctx: Ctx, endpoint_id: FromPath[UUID]
    ) -> Template:
        return await _endpoint_page(request, ctx, endpoint_id)

    @post("/{endpoint_id:uuid}/ping", operation_id="portalPingWebhook", guards=ADMIN_ONLY, status_code=303)
    async def ping(self, request: Request[Any, Any, Any], endpoint_id: FromPath[UUID]) -> Redirect:
        await within(request, lambda ctx: webhooks.ping(ctx, endpoint_id))
        return see_other(f"/settings/webhooks/{endpoint_id}", notice="pinged")

    @post(
        "/{endpoint_id:uuid}/deliveries/{delivery_id:uuid}/retry",
        operation_id="portalRetryDelivery",
        guards=ADMIN_ONLY,
        status_code=303,
    )
    async def retry(
        self, request: Request[Any, Any, Any], endpoint_id: FromPath[UUID], delivery_id: FromPath[UUID]
    ) -> Redirect:
        await within(request, lambda ctx: webhooks.retry_delivery(ctx, endpoint_id, delivery_id))
        return see_other(f"/settings/webhooks/{endpoint_id}", notice="retried")

    @post(
        "/{endpoint_id:uuid}/delete", operation_id="portalDeleteWebhook", guards=ADMIN_ONLY, status_code=303
    )
    async def delete(self, request: Request[Any, Any, Any], endpoint_id: FromPath[UUID]) -> Redirect:
        await within(request, lambda ctx: webhooks.delete_endpoint(ctx, endpoint_id))
        return see_other("/settings/webhooks", notice="deleted")


async def _hooks_page(
    request: Request[Any, Any, Any],
    ctx: TenantContext,
    values: dict[str, str],
    errors: dict[str, str],
    *,
    events: list[str] | None = None,
    status_code: int = 200,
) -> Template:
    endpoints, _ = await webhooks.list_endpoints(
        ctx, tenant_id=ctx.principal.tenant_id, cursor=None, limit=50
    )
    return page(
        request,
        "settings/webhooks.html",
        status_code=status_code,
        endpoints=endpoints,
        events=[e.value for e in WebhookEvent],
        chosen=set(events if events is not None else [WebhookEvent.TASK_COMPLETED.value]),
        can_write=ctx.principal.role is Role.CLIENT_ADMIN,
        values=values,
        errors=errors,
        notice=request.query_params.get("notice"),
    )


async def _endpoint_page(
    request: Request[Any, Any, Any],
    ctx: TenantContext,
    endpoint_id: UUID,
    *,
    secret: str | None = None,
    status_code: int = 200,
) -> Template:
    endpoint = await webhooks.get_endpoint(ctx, endpoint_id)
    deliveries, next_cursor = await webhooks.list_deliveries(
        ctx, endpoint_id, status=None, cursor=request.query_params.get("cursor"), limit=50
    )
    return page(
        request,
        "settings/webhook.html",
        status_code=status_code,
        endpoint=endpoint,
        deliveries=deliveries,
        next_cursor=next_cursor,
        secret=secret,
        can_write=ctx.principal.role is Role.CLIENT_ADMIN,
        notice=request.query_params.get("notice"),
    )
