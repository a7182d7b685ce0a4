"""Security headers on portal responses, and the pages staying within the Content-Security-Policy."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from retaguarda.portal.headers import CONTENT_SECURITY_POLICY
from retaguarda.portal.navigation import NAVIGATION
from retaguarda.portal.rendering import TEMPLATES_DIR
from tests.support.work import Floor
from tests.support.world import World

# What the policy refuses: inline script, inline style and event-handler attributes, javascript: URLs.
INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle\s*=|\son[a-z]+\s*=|javascript:", re.IGNORECASE
)


def _assert_portal_headers(response: httpx.Response) -> None:
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert response.headers["x-frame-options"] == "DENY"
    policy = response.headers["content-security-policy"]
    assert policy == CONTENT_SECURITY_POLICY
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


async def test_portal_responses_carry_the_security_headers(world: World) -> None:
    visitor = world.anonymous()
    login = await visitor.get("/login")
    assert login.status_code == 200
    _assert_portal_headers(login)
    admin = await world.sign_in("admin")
    for response in (
        await admin.get("/"),
        await admin.get("/tasks"),
        await admin.get("/no-such-page"),
        await admin.get("/static/css/portal.css"),
        await admin.get("/api/v1/me"),
        await admin.post("/logout", data={}),
    ):
        _assert_portal_headers(response)
    # Over plain http a browser ignores HSTS (RFC 6797): it is not sent.
    assert "strict-transport-security" not in login.headers


async def test_hsts_is_sent_over_https(world: World) -> None:
    secure = httpx.AsyncClient(transport=httpx.ASGITransport(app=world.app), base_url="https://testserver")
    async with secure:
        response = await secure.get("/login")
    assert response.headers["strict-transport-security"].startswith("max-age=63072000")
    _assert_portal_headers(response)


async def test_the_api_description_pages_keep_their_own_scripts(world: World) -> None:
    """Scalar and Swagger UI are inline-script bundles: no CSP there, the other headers still."""
    response = await world.anonymous().get("/schema/swagger")
    assert response.status_code == 200
    assert "content-security-policy" not in response.headers
    assert response.headers["x-content-type-options"] == "nosniff"


TEMPLATES = sorted(p.relative_to(TEMPLATES_DIR) for p in TEMPLATES_DIR.rglob("*.html"))


@pytest.mark.parametrize("template", TEMPLATES, ids=str)
def test_templates_have_no_inline_script_or_style(template: Path) -> None:
    text = (TEMPLATES_DIR / template).read_text()
    assert not INLINE.findall(text), f"{template}: {INLINE.findall(text)}"


@pytest.mark.parametrize("who", ["admin", "account_manager", "supervisor", "operator", "a_admin", "a_member"])
async def test_rendered_pages_have_no_inline_script_or_style(floor: Floor, who: str) -> None:
    """Pages built in code (charts, field widgets) count too: every menu page of each role, as rendered."""
    world = floor.world
    person = await world.sign_in(who)
    role = world.people[who].role
    for item in NAVIGATION:
        if role not in item.roles:
            continue
        response = await person.get(item.path)
        assert response.status_code in {200, 403}, (who, item.path)  # a supervisor without an operator record
        assert not INLINE.findall(response.text), (who, item.path, INLINE.findall(response.text))
