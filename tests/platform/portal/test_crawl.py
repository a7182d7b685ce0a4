"""Every link and every GET form the portal shows a role works: from the home page, follow each link and
submit each GET form (as filled in, then with the last option of each list), bounded to the portal's own
addresses and to one visit per address pattern (ids and numbers folded). Fails on any 5xx, on any 4xx behind
a link or form the portal offered, and on any error answered as something other than an HTML page."""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import httpx
import pytest

from tests.support.work import Floor

MAX_PAGES = 250
# Not pages: the sign-out is a form, static files and the API description are no portal pages.
SKIPPED = ("/static/", "/schema", "/logout")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass
class GetForm:
    action: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    # Each list (select) of the form: its name and its options' values.
    choices: dict[str, list[str]] = field(default_factory=dict)


class Offered(HTMLParser):
    """The links and GET forms of a page."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base
        self.links: list[str] = []
        self.forms: list[GetForm] = []
        self._form: GetForm | None = None
        self._select: str | None = None
        self._selected: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(urljoin(self.base, a["href"]))
        elif tag == "form" and a.get("method", "get").lower() == "get":
            self._form = GetForm(urljoin(self.base, a.get("action") or self.base))
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name") and a.get("type", "text") not in ("submit", "button", "file"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self._form.fields.append((a["name"], a.get("value", "")))
        elif tag == "select" and a.get("name"):
            self._select, self._selected = a["name"], None
            self._form.choices[a["name"]] = []
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._form.choices[self._select].append(value)
            if "selected" in a or self._selected is None:
                self._selected = value

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._form is not None and self._select is not None:
            self._form.fields.append((self._select, self._selected or ""))
            self._select = None
        elif tag == "form":
            self._form = None


def _pattern(url: str) -> str:
    parts = urlsplit(url)
    path = re.sub(r"/\d+(?=/|$)", "/{n}", UUID.sub("{id}", parts.path))
    keys = sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return path + ("?" + "&".join(keys) if keys else "")


def _ours(url: str) -> str | None:
    """The same-origin path and query of a URL, or None for anything else."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.netloc != "testserver":
        return None
    if parts.path.startswith(SKIPPED):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _submissions(form: GetForm) -> list[str]:
    """The form as shown, and with every list set to its last option."""
    shown = form.fields
    last = [(name, form.choices[name][-1] if form.choices.get(name) else value) for name, value in shown]
    target = urlsplit(form.action)
    base = target.scheme + "://" + target.netloc + target.path
    return [f"{base}?{urlencode(values)}" for values in (shown, last)]


async def crawl(client: httpx.AsyncClient) -> tuple[list[str], list[str]]:
    """Visit what the portal offers from the home page; return the pages seen and the problems found."""
    queue: deque[tuple[str, str]] = deque([("/", "home")])
    seen_patterns: set[str] = set()
    visited: list[str] = []
    problems: list[str] = []
    while queue and len(visited) < MAX_PAGES:
        target, source = queue.popleft()
        pattern = _pattern(target)
        if pattern in seen_patterns:
            continue
        seen_patterns.add(pattern)
        response = await client.get(target, follow_redirects=True)
        visited.append(target)
        kind = response.headers.get("content-type", "")
        if response.status_code >= 400:
            problems.append(f"{response.status_code} {target} (offered on {source})")
            if not kind.startswith("text/html"):
                problems.append(f"non-HTML error page ({kind}) at {target}")
            continue
        if not kind.startswith("text/html"):
            continue  # a download (CSV, an invoice's API document, JSON read by a page's script)
        page = Offered(str(response.url))
        page.feed(response.text)
        for url in [*page.links, *(s for f in page.forms for s in _submissions(f))]:
            found = _ours(url)
            if found is not None:
                queue.append((found, target))
    return visited, problems


async def _busy_floor(floor: Floor) -> None:
    """A floor with something on every page: SLA terms, tasks in several states, a comment, an import, a
    webhook, a plan, a contract, a draft and an issued invoice."""
    from tests.billing.builders import add_contract, add_work
    from tests.platform.portal.test_sla_pages import sla_policy
    from tests.platform.portal.test_staffing_pages import plan_form, seasonal_operator

    world = floor.world
    await sla_policy(floor)
    a_member, b_member = await world.sign_in("a_member"), await world.sign_in("b_member")
    tasks = [(await floor.submit(a_member, priority=p)).json() for p in (1, 2, 3)]
    await floor.submit(b_member, taskType="payable")
    await a_member.post(f"/api/v1/tasks/{tasks[0]['id']}/comments", json={"body": "Urgente, por favor."})
    operator = await world.sign_in("operator")
    assert (await operator.post("/api/v1/work/next")).status_code == 200  # one task held
    a_admin = await world.sign_in("a_admin")
    await a_admin.post(
        "/api/v1/webhooks", json={"url": "http://127.0.0.1:9/hook", "events": ["task.completed"]}
    )
    admin = await world.sign_in("admin")
    await add_contract(admin, world.client_a.id)
    await add_work(floor, world.client_a.id, datetime.now(UTC) - timedelta(days=40), 3600)
    await add_work(floor, world.client_a.id, datetime.now(UTC) - timedelta(hours=3), 3600)
    last_month = (datetime.now(UTC).replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    issued = await admin.post(
        "/api/v1/billing/invoices/runs", json={"tenantId": str(world.client_a.id), "month": last_month}
    )
    if issued.status_code == 200:
        await admin.post(f"/api/v1/billing/invoices/{issued.json()['id']}/finalize")
    await admin.post(
        "/api/v1/billing/invoices/runs",
        json={"tenantId": str(world.client_a.id), "month": datetime.now(UTC).strftime("%Y-%m")},
    )
    manager = await world.sign_in("account_manager")
    form = plan_form(await seasonal_operator(floor), floor)
    await manager.post("/staffing/plans", data={"csrf_token": manager.headers["X-CSRF-Token"], **form})


@pytest.fixture
async def busy_floor(floor: Floor) -> Floor:
    await _busy_floor(floor)
    return floor


@pytest.mark.parametrize(
    "who", ["a_admin", "a_member", "b_admin", "operator", "supervisor", "account_manager", "admin"]
)
async def test_everything_the_portal_offers_a_role_opens(busy_floor: Floor, who: str) -> None:
    client = await busy_floor.world.sign_in(who)
    visited, problems = await crawl(client)
    assert not problems, "\n".join(problems)
    assert len(visited) >= 5, visited  # the crawl did reach the role's pages


def test_the_crawler_reads_links_and_get_forms() -> None:
    page = Offered("http://testserver/tasks")
    page.feed(
        '<a href="/tasks/1">x</a><a href="https://elsewhere.example/">y</a>'
        '<form method="get" action="/tasks"><input name="q" value="a"><select name="status">'
        '<option value="">Any</option><option value="done" selected>Done</option>'
        '<option value="queued">Queued</option></select><button>Go</button></form>'
        '<form method="post" action="/logout"><input name="csrf_token" value="t"></form>'
    )
    assert [_ours(link) for link in page.links] == ["/tasks/1", None]
    assert _submissions(page.forms[0]) == [
        "http://testserver/tasks?q=a&status=done",
        "http://testserver/tasks?q=a&status=queued",
    ]
    assert len(page.forms) == 1
    assert _pattern("/tasks/0b9f0f6e-5f3e-4a63-9b53-1b2f3c4d5e6f?cursor=x") == "/tasks/{id}?cursor"
