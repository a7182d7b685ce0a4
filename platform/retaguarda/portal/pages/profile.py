"""A person's profile: name, language and time zone; and the language switch in the page header."""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from zoneinfo import available_timezones

from litestar import Controller, Request, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from retaguarda.auth import authenticated
from retaguarda.controller_kit import CONTEXT, Ctx
from retaguarda.errors import InvalidInput
from retaguarda.portal.forms import read_form, reading, refusal, safe_path, see_other, text, within
from retaguarda.portal.rendering import page, viewer_locale
from tenants.service import profile
from tenants.service.directory import get_tenant

# Each language named in itself, as language menus do.
LANGUAGES = (("en", "English"), ("pt_BR", "Português (Brasil)"), ("es", "Español"))
PROFILE_FIELDS = {"display_name", "locale", "timezone"}


@lru_cache(maxsize=1)
def timezones() -> list[str]:
    return sorted(zone for zone in available_timezones() if "/" in zone and not zone.startswith("Etc/"))


class ProfilePages(Controller):
    path = "/profile"
    include_in_schema = False
    guards = [authenticated]
    dependencies = CONTEXT

    @get("/", operation_id="portalProfile")
    async def show(
        self, request: Request[Any, Any, Any], ctx: Ctx, saved: FromQuery[bool] = False
    ) -> Template:
        mine = await profile.get_profile(ctx)
        return await _render(
            request, ctx, mine.display_name, mine.locale or "", mine.timezone or "", {}, saved
        )

    @post("/", operation_id="portalProfileSave", status_code=303)
    async def save(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        form = await read_form(request)
        name, locale, timezone = text(form, "display_name"), text(form, "locale"), text(form, "timezone")
        try:
            await within(
                request,
                lambda ctx: profile.update_profile(ctx, display_name=name, locale=locale, timezone=timezone),
            )
        except InvalidInput as exc:
            errors = refusal(exc, viewer_locale(request), PROFILE_FIELDS)

            async def again(ctx: Ctx) -> Template:
                return await _render(request, ctx, name, locale, timezone, errors, False, status_code=422)

            return await reading(request, again)
        return see_other("/profile", saved="1")

    @post("/language", operation_id="portalLanguage", status_code=303)
    async def language(self, request: Request[Any, Any, Any]) -> Redirect:
        form = await read_form(request)
        locale = text(form, "locale")
        await within(request, lambda ctx: profile.set_locale(ctx, locale))
        return Redirect(safe_path(text(form, "next")), status_code=303)


async def _render(
    request: Request[Any, Any, Any],
    ctx: Ctx,
    name: str,
    locale: str,
    timezone: str,
    errors: dict[str, str],
    saved: bool,
    status_code: int = 200,
) -> Template:
    principal = ctx.principal
    tenant = await get_tenant(ctx, principal.tenant_id)
    return page(
        request,
        "profile.html",
        status_code=status_code,
        tenant=tenant,
        values={"display_name": name, "locale": locale, "timezone": timezone},
        languages=LANGUAGES,
        timezones=timezones(),
        errors=errors,
        saved=saved,
    )
