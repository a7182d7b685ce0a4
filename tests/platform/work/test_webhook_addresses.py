"""Webhook URLs: what the send-time check would refuse is refused at creation, by the same rule (one
function), whatever form the address takes — the IPv4 forms a resolver reads (decimal, hex, octal, short),
a trailing-dot ``localhost.``, single-label names."""

from __future__ import annotations

import dataclasses

import pytest

from retaguarda.settings import Settings, get_settings
from retaguarda.work.webhooks.service import endpoints, sending
from tests.support.work import Floor

INSIDE = [
    "https://2130706433/hooks",  # 127.0.0.1 as one decimal number
    "https://0x7f000001/hooks",  # … in hex
    "https://0177.0.0.1/hooks",  # … with an octal first part
    "https://127.1/hooks",  # … short form
    "https://0x7f.1/hooks",
    "https://167772161/hooks",  # 10.0.0.1
    "https://0xa9fea9fe/hooks",  # 169.254.169.254, the cloud metadata address
    "https://localhost./hooks",
    "https://LOCALHOST/hooks",
    "https://api.localhost/hooks",
    "https://intranet/hooks",  # one label: the server's search domains decide where it goes
    "https://[::1]/hooks",
    "https://[::ffff:127.0.0.1]/hooks",
    "https://10.0.0.1./hooks",
]
PUBLIC = ["https://erp.example.com/hooks", "https://93.184.216.34/hooks", "https://1572395042/hooks"]


@pytest.fixture
def strict(monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Production's rule: no private addresses (the suite allows them for its local receivers)."""
    settings = get_settings()
    strict = dataclasses.replace(
        settings, work=dataclasses.replace(settings.work, webhooks_allow_private=False)
    )
    monkeypatch.setattr(endpoints, "get_settings", lambda: strict)
    monkeypatch.setattr(sending, "get_settings", lambda: strict)
    return strict


@pytest.mark.usefixtures("strict")
@pytest.mark.parametrize("url", INSIDE)
async def test_an_address_inside_our_network_is_refused_at_creation_and_at_send_time(
    floor: Floor, url: str
) -> None:
    admin = await floor.world.sign_in("a_admin")
    refused = await admin.post("/api/v1/webhooks", json={"url": url, "events": ["task.created"]})
    assert refused.status_code == 422, refused.text
    (error,) = refused.json()["errors"]
    # httpx itself refuses some forms (a leading-zero octal part) as no URL at all: refused either way.
    assert (error["field"], error["code"]) in {("url", "private_address"), ("url", "invalid_url")}
    if "0177" not in url:
        assert error["code"] == "private_address"
    assert await sending._resolves_inside(url)  # the same rule before each attempt


@pytest.mark.usefixtures("strict")
async def test_public_addresses_pass_both_checks(floor: Floor, monkeypatch: pytest.MonkeyPatch) -> None:
    async def resolve(host: str, port: int) -> set[str]:
        return {"93.184.216.34"}

    monkeypatch.setattr(sending, "resolved_addresses", resolve)
    admin = await floor.world.sign_in("a_admin")
    for url in PUBLIC:
        created = await admin.post("/api/v1/webhooks", json={"url": url, "events": ["task.created"]})
        assert created.status_code == 201, created.text
        assert not await sending._resolves_inside(url)


@pytest.mark.parametrize(
    ("host", "inside"),
    [
        ("2130706433", True),
        ("0x7F000001", True),
        ("127.1", True),
        ("localhost.", True),
        ("db", True),
        ("999.1.1.1", True),  # digits no resolver reads as an address are not a public one
        ("8.8.8.8", False),
        ("134744072", False),  # 8.8.8.8
        ("erp.example.com", None),
        ("erp.example.com.", None),
    ],
)
def test_one_rule_classifies_every_host_form(host: str, inside: bool | None) -> None:
    assert endpoints.host_is_inside(host) is inside
