"""Jobs of the tenants domain. Each takes ids, reloads, and is harmless to run twice."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from retaguarda.i18n import gettext_for, negotiate_locale
from retaguarda.jobs import every, job
from retaguarda.mail import Email, get_sender
from retaguarda.settings import get_settings
from retaguarda.tenancy import system_context
from tenants.service.sessions import purge_expired
from tenants.tables import Membership


@job("tenants.member_added")
async def notify_member_added(membership_id: str) -> None:
    """Tell a person they were given access, in their language. Re-sending after a crash is harmless."""
    row = await (
        system_context()
        .select(
            Membership,
            Membership.role,
            Membership.user_id.email,
            Membership.user_id.locale,
            Membership.tenant_id.name,
            Membership.tenant_id.locale,
        )
        .where(Membership.id == UUID(membership_id))
        .first()
    )
    if row is None:
        return  # removed again before the job ran: nothing to announce
    _ = gettext_for(negotiate_locale(row["user_id.locale"], row["tenant_id.locale"]))
    subject = _("You now have access to %(tenant)s") % {"tenant": row["tenant_id.name"]}
    body = _("Sign in at %(url)s to start.") % {"url": get_settings().server.public_url}
    await get_sender().send(Email(to=row["user_id.email"], subject=subject, body=body))


@every(300, "tenants.purge_expired_sessions")
async def purge_expired_sessions() -> None:
    await purge_expired(datetime.now(UTC), get_settings().security.login_window_s)
