"""The invoice as a printable HTML document in the client's language: Babel-formatted money, dates and
quantities, translated labels. The portal serves it; the API returns it as ``text/html``."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from jinja2 import Environment, FileSystemLoader, select_autoescape

from billing.labels import describe_line
from billing.schemas import InvoiceDetail
from billing.service.clients import load_client
from billing.service.reads import get_invoice
from retaguarda.auth import TenantKind
from retaguarda.i18n import (
    N_,
    format_date,
    format_decimal,
    format_money,
    format_percent,
    gettext_for,
    ngettext_for,
    normalize_locale,
)
from retaguarda.tenancy import TenantContext
from tenants.tables import Tenant

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates"
_environment = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=select_autoescape(["html"]))


def _document_policy() -> str:
    """The document carries its style sheet inside (it is saved and printed on its own), so its policy
    allows that one sheet by its hash and nothing else; the portal's own pages may frame it (the preview)."""
    source = (TEMPLATES_DIR / "invoice.html").read_text(encoding="utf-8")
    sheets = re.findall(r"<style>(.*?)</style>", source, flags=re.S)
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(sheet.encode()).digest()).decode() + "'"
        for sheet in sheets
    )
    return (
        f"default-src 'none'; style-src {hashes}; frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
    )


# Headers the invoice document is served with (the portal's preview and the API's ``/html``).
DOCUMENT_HEADERS = {"Content-Security-Policy": _document_policy(), "X-Frame-Options": "SAMEORIGIN"}


def _quantity(value: Decimal, unit: str, locale: str) -> str:
    if unit == "hour":
        return format_decimal(value, locale, 2)
    if unit == "percent":
        return format_percent(value / 100, locale, 2)
    return (
        format_decimal(value, locale, 0)
        if value == value.to_integral_value()
        else format_decimal(value, locale)
    )


async def render_invoice_html(ctx: TenantContext, invoice_id: UUID, locale: str | None = None) -> str:
    """The invoice in ``locale``, else the client's locale. Clients reach only their finalized invoices."""
    invoice = await get_invoice(ctx, invoice_id)
    client = await load_client(ctx, invoice.tenant_id)
    locale = normalize_locale(locale) or normalize_locale(client.locale) or "en"
    # scope: the issuer printed on every invoice is the deployment's one provider, whoever reads it
    provider = await Tenant.select(Tenant.name).where(Tenant.kind == TenantKind.PROVIDER.value).first()
    return invoice_document(invoice, client.name, locale, issuer=provider["name"] if provider else "")


def invoice_document(invoice: InvoiceDetail, client_name: str, locale: str, *, issuer: str = "") -> str:
    """The document itself, from what was read: no database (the PDF bench renders it alone)."""
    _ = gettext_for(locale)
    currency = invoice.currency
    lines: list[dict[str, Any]] = []
    for line in invoice.lines:
        label = describe_line(
            line.kind,
            locale=locale,
            detail=line.detail,
            skill_level=line.skill_level,
            category=line.category,
            multiplier=line.multiplier,
            quantity=line.quantity,
            description=line.detail.get("description", "") if line.kind == "adjustment" else "",
        )
        lines.append(
            {
                "label": label,
                "reason": line.reason,
                "quantity": ""
                if line.kind in {"tax", "sla_credit"}
                else _quantity(line.quantity, line.unit, locale),
                "unit_price": ""
                if line.kind in {"tax", "sla_credit", "minimum", "adjustment"}
                else format_money_decimal(line.unit_price, currency, locale),
                "amount": format_money(line.amount_minor, currency, locale),
                "included": line.included,
            }
        )
    return _environment.get_template("invoice.html").render(
        _=_,
        ngettext=ngettext_for(locale),
        html_lang=locale.replace("_", "-"),
        invoice=invoice,
        client_name=client_name,
        issuer=issuer,
        lines=lines,
        status_label=_(STATUS_LABELS.get(invoice.status.value, invoice.status.value)),
        # The period's end is exclusive; a reader expects its last day.
        period=f"{format_date(invoice.period_start, locale)} \u2013 "
        f"{format_date(invoice.period_end - timedelta(days=1), locale)}",
        due=format_date(invoice.due_date, locale) if invoice.due_date else "",
        subtotal=format_money(invoice.subtotal_minor, currency, locale),
        tax=format_money(invoice.tax_minor, currency, locale),
        total=format_money(invoice.total_minor, currency, locale),
        attainment=format_percent(invoice.sla_attainment, locale)
        if invoice.sla_attainment is not None
        else "",
    )


def format_money_decimal(value: Decimal, currency: str, locale: str) -> str:
    from babel.numbers import format_currency

    return format_currency(value, currency, locale=locale)


STATUS_LABELS = {
    "draft": N_("Draft"),
    "open": N_("Open"),
    "paid": N_("Paid"),
    "void": N_("Void"),
    "uncollectible": N_("Uncollectible"),
}
