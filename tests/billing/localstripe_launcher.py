"""Test-only launcher for localstripe (GPL-3.0, a test dependency: imported and patched here, never copied).

Run as ``python tests/billing/localstripe_launcher.py PORT``: serves on 127.0.0.1 only, keeps nothing on
disk, and adds what today's invoicing flow needs and localstripe 1.15 lacks:

- one-off invoices (``POST /v1/invoices`` for a customer, no subscription; ``collection_method``,
  ``days_until_due``, ``currency``, ``auto_advance``), and invoice items attached with ``invoice=``;
- ``POST /v1/invoices/{id}/finalize`` and ``POST /v1/invoices/{id}/send``;
- ``Idempotency-Key``: a POST repeated with the same key gets the first response again, as Stripe does.
"""

from __future__ import annotations

import sys
from typing import Any

from aiohttp import web
from localstripe import resources, server
from localstripe.errors import UserError
from localstripe.resources import Customer, Invoice, InvoiceItem, InvoiceLineItem

# No pickle file: each test run starts empty and leaves nothing behind.
resources.Store.dump_to_disk = lambda self: None  # type: ignore[method-assign]
resources.Store.try_load_from_disk = lambda self: None  # type: ignore[method-assign]

_original_item_create = InvoiceItem._api_create.__func__  # type: ignore[attr-defined]


def _create_invoice(
    cls: Any,
    customer: str | None = None,
    currency: str | None = None,
    collection_method: str = "charge_automatically",
    days_until_due: Any = None,
    auto_advance: Any = None,
    description: str | None = None,
    metadata: dict[str, str] | None = None,
    pending_invoice_items_behavior: str | None = None,
    **kwargs: Any,
) -> Any:
    if kwargs:
        raise UserError(400, "Unexpected " + ", ".join(kwargs))
    if not isinstance(customer, str) or not customer.startswith("cus_"):
        raise UserError(400, "Bad request")
    Customer._api_retrieve(customer)
    invoice = Invoice(customer=customer, description=description, metadata=metadata)
    invoice.lines._list = [
        line for line in invoice.lines._list if getattr(line, "invoice", None) == invoice.id
    ]
    invoice.collection_method = collection_method
    invoice.days_until_due = int(days_until_due) if days_until_due is not None else None
    invoice.currency = (currency or "usd").lower()
    invoice._sent = False
    return invoice


def _create_item(cls: Any, **data: Any) -> Any:
    item = _original_item_create(cls, **data)
    if item.invoice is not None:
        invoice = Invoice._api_retrieve(item.invoice)
        if invoice.status != "draft":
            raise UserError(400, "The invoice is not a draft")
        invoice.lines._list.append(InvoiceLineItem(item))
    return item


def _finalize(id: str, **_: Any) -> Any:
    invoice = Invoice._api_retrieve(id)
    if invoice.status != "draft":
        raise UserError(400, "This invoice is already finalized")
    invoice._finalize()
    return invoice


def _send(id: str, **_: Any) -> Any:
    invoice = Invoice._api_retrieve(id)
    if invoice.status != "open":
        raise UserError(400, "Only an open invoice can be sent")
    invoice._sent = True
    return invoice


Invoice._api_create = classmethod(_create_invoice)  # type: ignore[method-assign, assignment]
InvoiceItem._api_create = classmethod(_create_item)  # type: ignore[method-assign, assignment]
server.app.router.add_route("POST", "/v1/invoices/{id}/finalize", server.api_extra(_finalize, ""))
server.app.router.add_route("POST", "/v1/invoices/{id}/send", server.api_extra(_send, ""))

_responses: dict[tuple[str, str, str], tuple[int, bytes]] = {}


@web.middleware
async def idempotency(request: web.Request, handler: Any) -> web.StreamResponse:
    key = request.headers.get("Idempotency-Key")
    if request.method != "POST" or not key:
        return await handler(request)
    cache_key = (request.headers.get("Authorization", ""), request.path, key)
    if cache_key in _responses:
        status, body = _responses[cache_key]
        return web.Response(status=status, body=body, content_type="application/json")
    response = await handler(request)
    if isinstance(response, web.Response) and response.status < 500 and response.body is not None:
        _responses[cache_key] = (response.status, bytes(response.body))  # type: ignore[arg-type]
    return response


server.app.middlewares.insert(0, idempotency)


if __name__ == "__main__":
    web.run_app(server.app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
