"""Outbound webhooks: clients' endpoints, the fan-out of task events, and signed delivery with retries.

Messages follow the Standard Webhooks spec (https://www.standardwebhooks.com). Every attempt POSTs the same
JSON body with ``webhook-id`` (the message id, the same on every attempt so a receiver can drop repeats),
``webhook-timestamp`` (this attempt, Unix seconds) and ``webhook-signature`` (``v1,`` and the base64
HMAC-SHA256 of ``{id}.{timestamp}.{body}`` keyed by the endpoint's secret).

Everything runs from the outbox. ``fan_out`` (the ``work.task_event`` job) writes one delivery row per
subscribed endpoint and enqueues ``work.deliver_webhook`` for it in the same transaction; ``deliver`` claims
the delivery, calls the receiver with no transaction open, and records the outcome, re-enqueueing itself with
a growing delay until ``MAX_ATTEMPTS``. Both are safe to run twice: see :func:`fan_out` and :func:`deliver`.

The modules, each importing only those before it: ``signing`` (secrets, signatures, headers), ``endpoints``
(endpoint CRUD, URL checks), ``delivery`` (one attempt: claim, send, record, retry delays; the
``work.deliver_webhook`` job, registered by importing this package) and ``deliveries`` (the delivery log,
ping, retry, fan-out).
"""

from retaguarda.work.webhooks.deliveries import fan_out, get_delivery, list_deliveries, ping, retry_delivery
from retaguarda.work.webhooks.delivery import DeliveryInFlight, deliver
from retaguarda.work.webhooks.endpoints import (
    create_endpoint,
    delete_endpoint,
    get_endpoint,
    list_endpoints,
    rotate_secret,
    update_endpoint,
)
from retaguarda.work.webhooks.signing import new_secret, sign

__all__ = [
    "DeliveryInFlight",
    "create_endpoint",
    "delete_endpoint",
    "deliver",
    "fan_out",
    "get_delivery",
    "get_endpoint",
    "list_deliveries",
    "list_endpoints",
    "new_secret",
    "ping",
    "retry_delivery",
    "rotate_secret",
    "sign",
    "update_endpoint",
]
