"""Rendering pages in the viewer's language, time zone and formats."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from litestar import Request
from litestar.response import Template

from retaguarda.auth.guards import optional_principal
from retaguarda.i18n import (
    format_date,
    format_datetime,
    format_decimal,
    format_duration,
    format_money,
    format_number,
    format_percent,
    gettext_for,
    negotiate_request_locale,
    ngettext_for,
    normalize_locale,
)
from retaguarda.i18n.catalogs import ROLE_LABELS
from retaguarda.portal.labels import (
    CLOCK_LABELS,
    DELIVERY_LABELS,
    EVENT_LABELS,
    GROUP_BY_LABELS,
    IMPORT_LABELS,
    INVOICE_STATUS_LABELS,
    NOTICE_LABELS,
    OPERATOR_STATUS_LABELS,
    PAYMENT_LABELS,
    PLAN_CHANGE_LABELS,
    PLAN_EVENT_LABELS,
    PLAN_STATUS_LABELS,
    PRIORITY_LABELS,
    SLA_STATE_LABELS,
    STAFFING_MODEL_LABELS,
    STATUS_LABELS,
)
from retaguarda.portal.navigation import NOTICE_READERS, current_path_of, navigation_for
from retaguarda.tenancy import unit_of_work
from retaguarda.work.fields import localized
from retaguarda.work.sla.service.risk import unread_notifications

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
# An anonymous visitor's language choice (signed-in people keep theirs on their profile).
LOCALE_COOKIE = "rg_locale"


def viewer_locale(request: Request[Any, Any, Any]) -> str:
    if optional_principal(request) is None:
        chosen = normalize_locale(request.cookies.get(LOCALE_COOKIE))
        if chosen:
            return chosen
    return negotiate_request_locale(request)


def viewer_timezone(request: Request[Any, Any, Any]) -> str:
    principal = optional_principal(request)
    return principal.timezone if principal else "UTC"


def formatters(locale: str, timezone: str) -> dict[str, Any]:
    """The helpers every template formats with: nothing reaches a person unformatted."""
    translate = gettext_for(locale)

    def label(table: Mapping[Any, str], key: Any) -> str:
        text = table.get(key)
        return translate(text) if text else str(key)

    return {
        "fmt_money": lambda minor, currency: format_money(minor, currency, locale),
        "fmt_number": lambda value: format_number(value, locale),
        "fmt_decimal": lambda value, places=2: format_decimal(value, locale, places),
        "fmt_date": lambda value: format_date(value, locale),
        # A billing period ends before its end date (exclusive, as stored); readers expect its last day.
        "fmt_period": lambda start, end: (
            f"{format_date(start, locale)} \u2013 {format_date(end - timedelta(days=1), locale)}"
        ),
        "fmt_datetime": lambda value: format_datetime(value, timezone, locale) if value else "",
        "fmt_short": lambda value: format_datetime(value, timezone, locale, "short") if value else "",
        "fmt_duration": lambda value: format_duration(value, locale),
        "fmt_seconds": lambda seconds: format_duration(timedelta(seconds=seconds), locale),
        "fmt_percent": lambda ratio, places=1: (
            format_percent(ratio, locale, places) if ratio is not None else "—"
        ),
        "sla_state": lambda state: label(SLA_STATE_LABELS, state),
        "notice_label": lambda kind: label(NOTICE_LABELS, kind),
        "clock_label": lambda kind: label(CLOCK_LABELS, kind),
        "group_label": lambda key: label(GROUP_BY_LABELS, key),
        "plan_status": lambda status: label(PLAN_STATUS_LABELS, status),
        "plan_event": lambda kind: label(PLAN_EVENT_LABELS, kind),
        "invoice_status": lambda status: label(INVOICE_STATUS_LABELS, str(status)),
        "payment_status": lambda status: label(PAYMENT_LABELS, str(status)),
        "change_label": lambda kind: label(PLAN_CHANGE_LABELS, kind),
        "model_label": lambda model: label(STAFFING_MODEL_LABELS, model),
        "status_label": lambda status: label(STATUS_LABELS, str(status)),
        "event_label": lambda kind: label(EVENT_LABELS, kind),
        "priority_label": lambda priority: label(PRIORITY_LABELS, priority),
        "role_label": lambda role: label(ROLE_LABELS, str(role)),
        "import_status": lambda status: label(IMPORT_LABELS, str(status)),
        "delivery_status": lambda status: label(DELIVERY_LABELS, str(status)),
        "operator_status": lambda status: label(OPERATOR_STATUS_LABELS, str(status)),
        "names": lambda texts, fallback="": localized(texts, locale, fallback),
    }


async def count_unread_notices(request: Request[Any, Any, Any]) -> None:
    """Before a signed-in provider person's page: how many notices are unread, for the header's link."""
    principal = optional_principal(request)
    if (
        request.method != "GET"
        or principal is None
        or principal.via != "session"
        or principal.role not in NOTICE_READERS
    ):
        return
    async with unit_of_work(principal, write=False) as ctx:
        request.state.unread_notices = await unread_notifications(ctx)


def page(
    request: Request[Any, Any, Any], template: str, *, status_code: int = 200, **context: Any
) -> Template:
    principal = optional_principal(request)
    locale = viewer_locale(request)
    timezone = viewer_timezone(request)
    nav = navigation_for(principal)
    return Template(
        template_name=template,
        status_code=status_code,
        context={
            "_": gettext_for(locale),
            "ngettext": ngettext_for(locale),
            "locale": locale,
            "html_lang": locale.replace("_", "-"),
            "principal": principal,
            "nav": nav,
            "nav_current": current_path_of(nav, request.url.path),
            "current_path": request.url.path,
            "current_url": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
            "csrf_token": principal.csrf_token if principal else context.pop("csrf_token", ""),
            "now": datetime.now(UTC),
            "unread_notices": getattr(request.state, "unread_notices", None),
            "errors": {},
            "notice": None,
            "alert": None,
            **formatters(locale, timezone),
            **context,
        },
    )
