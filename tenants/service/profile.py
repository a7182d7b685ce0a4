"""A person's own profile: the name others see, the language and the time zone the portal shows them.

Users are global identities (not tenant-owned rows), and a person only ever changes their own: the caller's
``user_id`` is the whole scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from retaguarda.errors import FieldError, Forbidden, NotFound
from retaguarda.tenancy import TenantContext
from tenants.service.validation import check_locale, check_timezone, raise_if_any
from tenants.tables import User

MAX_NAME_LENGTH = 200


@dataclass(frozen=True, slots=True)
class Profile:
    user_id: UUID
    email: str
    display_name: str
    # None: follow the organisation's language / time zone.
    locale: str | None
    timezone: str | None


def _own_user_id(ctx: TenantContext) -> UUID:
    user_id = ctx.principal.user_id
    if user_id is None:
        raise Forbidden("Only a person signed in has a profile.")
    return user_id


async def get_profile(ctx: TenantContext) -> Profile:
    row = (
        await User.select(User.id, User.email, User.display_name, User.locale, User.timezone)
        .where(User.id == _own_user_id(ctx))
        .first()
    )
    if row is None:
        raise NotFound()
    return Profile(row["id"], row["email"], row["display_name"], row["locale"], row["timezone"])


async def update_profile(
    ctx: TenantContext, *, display_name: str, locale: str | None, timezone: str | None
) -> Profile:
    """Blank locale or time zone means "as my organisation"; anything else must be supported / known."""
    name = display_name.strip()
    name_error = None
    if not name:
        name_error = FieldError("displayName", "required", "Enter your name.")
    elif len(name) > MAX_NAME_LENGTH:
        name_error = FieldError("displayName", "too_long", f"At most {MAX_NAME_LENGTH} characters.")
    raise_if_any(
        name_error,
        check_locale(locale) if locale else None,
        check_timezone(timezone) if timezone else None,
    )
    await User.update(
        {User.display_name: name, User.locale: locale or None, User.timezone: timezone or None}
    ).where(User.id == _own_user_id(ctx))
    return await get_profile(ctx)


async def set_locale(ctx: TenantContext, locale: str) -> None:
    """The language switch: just the language."""
    raise_if_any(check_locale(locale))
    await User.update({User.locale: locale}).where(User.id == _own_user_id(ctx))
