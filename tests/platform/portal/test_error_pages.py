"""Errors met in a browser are pages in the portal's layout and the viewer's language, with a way back; the
API keeps answering problem+json."""

from __future__ import annotations

from typing import Any

import pytest

from tests.platform.portal.support import text_of
from tests.support.world import World

HTML = {"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}


def _is_page(response: Any) -> str:
    assert response.headers["content-type"].startswith("text/html"), response.text
    assert '<main id="main"' in response.text
    assert 'href="/"' in response.text  # the way back to the start page
    return text_of(response.text)


async def test_an_unknown_address_is_a_not_found_page_in_the_viewers_language(world: World) -> None:
    client = await world.sign_in("a_member")  # client A reads Brazilian Portuguese
    for path in ("/nothing-here", "/tasks/00000000-0000-0000-0000-000000000000", "/a/b/c"):
        response = await client.get(path, headers=HTML)
        assert response.status_code == 404, path
        text = _is_page(response)
        assert "A página não foi encontrada." in text and "Erro 404" in text
        assert 'id="main-nav"' in response.text  # the menu is there: the person is not lost


async def test_the_way_back_is_the_page_the_person_came_from(world: World) -> None:
    client = await world.sign_in("b_member")
    response = await client.get("/nothing-here", headers={**HTML, "Referer": "http://testserver/tasks?q=x"})
    assert 'href="/tasks?q=x"' in response.text
    foreign = await client.get("/nothing-here", headers={**HTML, "Referer": "https://elsewhere.example/x"})
    assert "elsewhere" not in foreign.text


async def test_a_page_outside_the_role_is_a_forbidden_page(world: World) -> None:
    operator = await world.sign_in("operator")
    response = await operator.get("/billing", headers=HTML)
    assert response.status_code == 403
    text = _is_page(response)
    assert "You are not allowed to see this page." in text and "Ask your administrator" in text


async def test_a_wrong_method_is_a_page_too(world: World) -> None:
    response = await (await world.sign_in("a_member")).get("/logout", headers=HTML)
    assert response.status_code == 405
    assert "This page cannot be opened this way." in _is_page(response)


async def test_a_failure_on_our_side_is_a_page_not_json(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tenants.service import profile

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(profile, "get_profile", broken)
    client = await world.sign_in("b_admin")
    response = await client.get("/profile", headers=HTML)
    assert response.status_code == 500
    text = _is_page(response)
    assert "Error 500" in text and "a bug" not in text
    assert "Nada de lo que hizo lo ha causado." in text


async def test_the_api_and_scripts_keep_problem_json(world: World) -> None:
    client = await world.sign_in("a_member")
    for path, headers in (
        ("/api/v1/nothing-here", HTML),
        ("/api/v1/tasks/not-a-uuid", HTML),
        ("/nothing-here", {"Accept": "application/json"}),
    ):
        response = await client.get(path, headers=headers)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "application/problem+json", path
        assert response.json()["code"] == "not_found"


async def test_anonymous_visitors_are_sent_to_sign_in_and_unknown_pages_still_answer(world: World) -> None:
    anonymous = world.anonymous()
    assert (await anonymous.get("/billing", headers=HTML)).headers["location"] == "/login?next=%2Fbilling"
    missing = await anonymous.get("/nothing-here", headers={**HTML, "Accept-Language": "es"})
    assert missing.status_code == 404
    assert "No se encontró la página." in _is_page(missing)


async def test_the_favicon_is_served(world: World) -> None:
    anonymous = world.anonymous()
    assert (await anonymous.get("/favicon.ico")).headers["location"] == "/static/img/favicon.svg"
    icon = await anonymous.get("/static/img/favicon.svg")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert 'rel="icon" href="/static/img/favicon.svg"' in (await anonymous.get("/login")).text
