"""Rendering pages in the viewer's language, time zone and formats."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from litestar import Request
from litestar.response import Template

from retaguarda.auth.guards import optional_principal
from retaguarda.i18n import (
    format_date,
    format_datetime,
    format_duration,
    format_money,
    format_number,
    gettext_for,
    negotiate_request_locale,
    ngettext_for,
)

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"


def page(
    request: Request[Any, Any, Any], template: str, *, status_code: int = 200, **context: Any
) -> Template:
    principal = optional_principal(request)
    locale = negotiate_request_locale(request)
    timezone = principal.timezone if principal else "UTC"
    return Template(
        template_name=template,
        status_code=status_code,
        context={
            "_": gettext_for(locale),
            "ngettext": ngettext_for(locale),
            "locale": locale,
            "html_lang": locale.replace("_", "-"),
            "principal": principal,
            "csrf_token": principal.csrf_token if principal else context.pop("csrf_token", ""),
            "now": datetime.now(UTC),
            "fmt_money": lambda minor, currency: format_money(minor, currency, locale),
            "fmt_number": lambda value: format_number(value, locale),
            "fmt_date": lambda value: format_date(value, locale),
            "fmt_datetime": lambda value: format_datetime(value, timezone, locale),
            "fmt_duration": lambda value: format_duration(value, locale),
            **context,
        },
    )
