"""A person's saved task filters ("views"): a name and the task list's query string, read back only by the
person who saved it."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode
from uuid import UUID, uuid4

from retaguarda.errors import FieldError, InvalidInput, NotFound
from retaguarda.tenancy import TenantContext
from retaguarda.work.tables import SavedView

MAX_VIEWS = 50
# The task list's own filters; anything else in a saved query string is dropped.
KEPT = ("q", "status", "queue", "type", "priority", "from", "to")


@dataclass(frozen=True, slots=True)
class View:
    id: UUID
    name: str
    query: str


def clean_query(query: str) -> str:
    return urlencode([(k, v) for k, v in parse_qsl(query) if k in KEPT and v])


async def list_views(ctx: TenantContext) -> list[View]:
    rows = await (
        ctx.select(SavedView).where(SavedView.user_id == ctx.principal.user_id).order_by(SavedView.name)
    )
    return [View(row["id"], row["name"], row["query"]) for row in rows]


async def save_view(ctx: TenantContext, name: str, query: str) -> View:
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput(
            errors=[FieldError("name", "required" if not name else "too_long", "Name the view.")]
        )
    mine = await list_views(ctx)
    if len(mine) >= MAX_VIEWS:
        raise InvalidInput(errors=[FieldError("name", "too_many", f"At most {MAX_VIEWS} saved views.")])
    same = next((view for view in mine if view.name == name), None)
    cleaned = clean_query(query)
    if same is not None:  # the same name replaces that view's filters
        await ctx.update(SavedView, {SavedView.query: cleaned}).where(SavedView.id == same.id)
        return View(same.id, name, cleaned)
    row = SavedView(
        id=uuid4(), tenant_id=ctx.principal.tenant_id, user_id=ctx.principal.user_id, name=name, query=cleaned
    )
    await ctx.insert(row)
    return View(row.id, name, cleaned)


async def delete_view(ctx: TenantContext, view_id: UUID) -> None:
    mine = (SavedView.id == view_id) & (SavedView.user_id == ctx.principal.user_id)
    if not await ctx.exists(SavedView).where(mine):
        raise NotFound()
    await ctx.delete(SavedView).where(mine)
