"""The webhooks service: what controllers, the SLA notices and the CSV import call."""

from retaguarda.work.webhooks.service.deliveries import (
    fan_out,
    get_delivery,
    list_deliveries,
    ping,
    retry_delivery,
)
from retaguarda.work.webhooks.service.endpoints import (
    create_endpoint,
    delete_endpoint,
    get_endpoint,
    list_endpoints,
    reseal_secrets,
    rotate_secret,
    update_endpoint,
)
from retaguarda.work.webhooks.service.sending import DeliveryInFlight, deliver
from retaguarda.work.webhooks.service.signing import new_secret, sign

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
    "reseal_secrets",
    "retry_delivery",
    "rotate_secret",
    "sign",
    "update_endpoint",
]
