"""Billing services: what the API, the jobs and the portal call. ``from billing import service`` gives the
functions a page needs: ``consumption``, ``list_invoices``, ``get_invoice``, ``render_invoice_html``."""

from billing.service.consumption import consumption
from billing.service.contracts import create_contract, get_contract, list_contracts
from billing.service.explain import line_entries
from billing.service.invoices import (
    add_adjustment,
    finalize_invoice,
    get_invoice,
    list_invoices,
    run_period,
    void_invoice,
)
from billing.service.rendering import DOCUMENT_HEADERS, render_invoice_html

__all__ = [
    "DOCUMENT_HEADERS",
    "add_adjustment",
    "consumption",
    "create_contract",
    "finalize_invoice",
    "get_contract",
    "get_invoice",
    "line_entries",
    "list_contracts",
    "list_invoices",
    "render_invoice_html",
    "run_period",
    "void_invoice",
]
