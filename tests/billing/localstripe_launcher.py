"""Test-only launcher for localstripe (GPL-3.0, a test dependency: imported and patched here, never copied).

Run as ``python tests/billing/localstripe_launcher.py PORT``: serves on 127.0.0.1 only, keeps nothing on
disk, and adds what today's invoicing flow needs and localstripe 1.15 lacks:

- one-off invoices (``POST /v1/invoices`` for a customer, no subscription; ``collection_method``,
  ``days_until_due``, ``currency``, ``auto_advance``), and invoice items attached with ``invoice=``;
- ``POST /v1/invoices/{id}/finalize`` and ``POST /v1/invoices/{id}/send``;
- credit notes (``POST /v1/credit_notes`` with ``custom_line_item`` lines, ``GET`` one or the invoice's list):
  never more than the invoice's total, only on an open or paid invoice, ``credit_amount`` on a paid one;
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


class CreditNote(resources.StripeObject):  # type: ignore[misc]
    """Stripe's credit note, as much of it as our flow uses."""

    object = "credit_note"
    _id_prefix = "cn_"

    def __init__(
        self,
        invoice: str | None = None,
        lines: Any = None,
        reason: str | None = None,
        memo: str | None = None,
        metadata: dict[str, str] | None = None,
        credit_amount: Any = None,
        **kwargs: Any,
    ) -> None:
        if kwargs:
            raise UserError(400, "Unexpected " + ", ".join(kwargs))
        if not isinstance(invoice, str):
            raise UserError(400, "Missing invoice")
        target = Invoice._api_retrieve(invoice)
        if target.status not in ("open", "paid"):
            raise UserError(400, "A credit note needs an open or paid invoice")
        items = list(lines.values() if isinstance(lines, dict) else lines or [])
        if not items or any(item.get("type") != "custom_line_item" for item in items):
            raise UserError(400, "Give custom_line_item lines")
        amounts = [int(item["quantity"]) * int(item["unit_amount"]) for item in items]
        if any(amount <= 0 for amount in amounts):
            raise UserError(400, "Line amounts must be positive")
        total = sum(amounts)
        credited = sum(note.amount for note in CreditNote._api_list_all("", invoice=invoice)._list)
        if credited + total > target.total:
            raise UserError(400, "The credit notes would exceed the invoice's total")
        if target.status == "paid" and int(credit_amount or 0) != total:
            raise UserError(400, "A paid invoice's credit note names where the money goes (credit_amount)")
        if reason not in (None, "duplicate", "fraudulent", "order_change", "product_unsatisfactory"):
            raise UserError(400, "Invalid reason")
        super().__init__()
        self.invoice = invoice
        self.customer = target.customer
        self.currency = target.currency
        self.amount = total
        self.reason = reason
        self.memo = memo
        self.metadata = metadata or {}
        self.status = "issued"
        self.type = "post_payment" if target.status == "paid" else "pre_payment"
        self.lines = {
            "object": "list",
            "data": [
                {"type": "custom_line_item", "description": item.get("description"), "amount": amount}
                for item, amount in zip(items, amounts, strict=True)
            ],
        }

    @classmethod
    def _api_list_all(cls, url: str, invoice: str | None = None, limit: Any = None, **_: Any) -> Any:
        listed = resources.List(url or "/v1/credit_notes", limit=limit)
        listed._list = [
            value
            for key, value in resources.store.items()
            if key.startswith("credit_note:") and (invoice is None or value.invoice == invoice)
        ]
        return listed


Invoice._api_create = classmethod(_create_invoice)  # type: ignore[method-assign, assignment]
InvoiceItem._api_create = classmethod(_create_item)  # type: ignore[method-assign, assignment]
server.app.router.add_route("POST", "/v1/invoices/{id}/finalize", server.api_extra(_finalize, ""))
server.app.router.add_route("POST", "/v1/invoices/{id}/send", server.api_extra(_send, ""))
_NOTES = "/v1/credit_notes"
server.app.router.add_route("POST", _NOTES, server.api_create(CreditNote, _NOTES))
server.app.router.add_route("GET", _NOTES + "/{id}", server.api_retrieve(CreditNote, _NOTES))
server.app.router.add_route("GET", _NOTES, server.api_list_all(CreditNote, _NOTES))

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
