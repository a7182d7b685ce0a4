"""Outbound webhooks: clients' endpoints, the fan-out of task events, and signed delivery with retries.

Messages follow the Standard Webhooks spec (https://www.standardwebhooks.com). Every attempt POSTs the same
JSON body with ``webhook-id`` (the message id, the same on every attempt so a receiver can drop repeats),
``webhook-timestamp`` (this attempt, Unix seconds) and ``webhook-signature`` (``v1,`` and the base64
HMAC-SHA256 of ``{id}.{timestamp}.{body}`` keyed by the endpoint's secret).

Everything runs from the outbox. ``fan_out`` (the ``work.task_event`` job) writes one delivery row per
subscribed endpoint and enqueues ``work.deliver_webhook`` for it in the same transaction; ``deliver`` claims
the delivery, calls the receiver with no transaction open, and records the outcome, re-enqueueing itself with
a growing delay until ``MAX_ATTEMPTS``. Both are safe to run twice: see :func:`fan_out` and :func:`deliver`.

``service/`` holds the logic, its modules each importing only those before it: ``signing`` (secrets,
signatures, headers), ``endpoints`` (endpoint CRUD, URL checks), ``sending`` (one attempt: claim, send,
record, retry delays) and ``deliveries`` (the delivery log, ping, retry, fan-out). ``jobs`` registers
``work.task_event`` and ``work.deliver_webhook``; ``tables``, ``schemas`` and ``controllers`` as in every
domain.
"""
