"""Sign-in, sign-out and the language switch of visitors who are not signed in."""

from __future__ import annotations

import secrets
from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import Cookie
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template

from retaguarda.auth.guards import optional_principal
from retaguarda.auth.tokens import csrf_token_for, tokens_match
from retaguarda.db import transaction
from retaguarda.errors import RateLimited
from retaguarda.i18n import normalize_locale
from retaguarda.portal.forms import safe_path
from retaguarda.portal.rendering import LOCALE_COOKIE, page
from retaguarda.settings import get_settings
from retaguarda.tenancy import acting_for_system
from tenants.resolver import SESSION_COOKIE
from tenants.service.sessions import InvalidCredentials, sign_in, sign_out

# Before sign-in there is no session to bind a CSRF token to: a random cookie stands in for it.
PRELOGIN_COOKIE = "rg_prelogin"
ONE_YEAR_S = 365 * 24 * 3600


class LoginForm(msgspec.Struct):
    email: str = ""
    password: str = ""
    csrf_token: str = ""
    next: str = "/"


def _session_cookie(value: str, max_age: int) -> Cookie:
    return Cookie(
        key=SESSION_COOKIE,
        value=value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=get_settings().security.cookie_secure,
        path="/",
    )


def _client_ip(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


class SessionPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/login", operation_id="portalLoginPage")
    async def login_page(
        self, request: Request[Any, Any, Any], next: FromQuery[str] = "/"
    ) -> Template | Redirect:
        if optional_principal(request) is not None:
            return Redirect(safe_path(next))
        nonce = request.cookies.get(PRELOGIN_COOKIE) or secrets.token_urlsafe(24)
        response = page(
            request,
            "login.html",
            csrf_token=csrf_token_for(get_settings().security.secret_key, nonce),
            next=safe_path(next),
            email="",
            error=None,
        )
        response.cookies.append(
            Cookie(
                key=PRELOGIN_COOKIE,
                value=nonce,
                httponly=True,
                samesite="lax",
                path="/login",
                secure=get_settings().security.cookie_secure,
            )
        )
        return response

    @post("/login", operation_id="portalLogin", status_code=303)
    async def login(
        self,
        request: Request[Any, Any, Any],
        data: URLEncodedBody[LoginForm],
    ) -> Template | Redirect:
        settings = get_settings().security
        nonce = request.cookies.get(PRELOGIN_COOKIE, "")
        expected = csrf_token_for(settings.secret_key, nonce) if nonce else None
        target = safe_path(data.next)

        def again(error: str, status: int) -> Template:
            return page(
                request,
                "login.html",
                status_code=status,
                csrf_token=expected or "",
                next=target,
                email=data.email,
                error=error,
            )

        if not tokens_match(data.csrf_token, expected):
            return again("expired", 403)
        try:
            # Who is signing in is not known yet: the look-up of the account and its memberships, and the
            # new session row, act for the system (retaguarda.tenancy.acting_for_system).
            async with acting_for_system():
                session = await sign_in(
                    settings,
                    data.email,
                    data.password,
                    ip=_client_ip(request),
                    user_agent=request.headers.get("user-agent", ""),
                )
        except RateLimited as refused:
            limited = again("rate_limited", 429)
            limited.headers["Retry-After"] = str(refused.retry_after_s)
            return limited
        except InvalidCredentials:
            return again("invalid", 401)
        response = Redirect(target, status_code=303)
        response.cookies.append(_session_cookie(session.token, settings.session_ttl_s))
        return response

    @post("/logout", operation_id="portalLogout", status_code=303)
    async def logout(self, request: Request[Any, Any, Any]) -> Redirect:
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            async with acting_for_system(), transaction():
                await sign_out(token)
        response = Redirect("/login", status_code=303)
        response.cookies.append(_session_cookie("", 0))
        return response

    @get("/language/{locale:str}", operation_id="portalVisitorLanguage")
    async def visitor_language(
        self, request: Request[Any, Any, Any], locale: FromPath[str], next: FromQuery[str] = "/login"
    ) -> Redirect:
        """A visitor's language, kept in a cookie (signed-in people change theirs on their profile). A GET
        link: it changes nothing but how pages read, so it needs no form."""
        response = Redirect(safe_path(next, "/login"), status_code=303)
        chosen = normalize_locale(locale)
        if chosen:
            response.cookies.append(
                Cookie(key=LOCALE_COOKIE, value=chosen, max_age=ONE_YEAR_S, samesite="lax", path="/")
            )
        return response
