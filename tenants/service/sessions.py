"""Portal sign-in and sign-out: argon2 passwords, server-side sessions, rate-limited attempts.

Every failure answers the same "email or password is incorrect", after the same argon2 work, whether the email
exists or not, so sign-in cannot be used to learn who has an account.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from piccolo.columns import Column

from retaguarda import audit
from retaguarda.audit import AuditAction
from retaguarda.auth import hash_password, hash_token, needs_rehash, new_session_token, verify_password
from retaguarda.db import transaction
from retaguarda.errors import NotAuthenticated, RateLimited
from retaguarda.i18n import N_
from retaguarda.kernel.tables import LoginAttempt, WebSession
from retaguarda.settings import SecuritySettings
from tenants.tables import Membership, User

# Per address, a few accounts' worth of failures: a shared office NAT must not lock everyone out.
IP_FAILURE_FACTOR = 4
# The account-wide slow-down grows with each failure up to this many steps of LOGIN_SLOWDOWN_S.
SLOWDOWN_MAX_STEPS = 10


class InvalidCredentials(NotAuthenticated):
    code = "invalid_credentials"
    title = N_("Email or password is incorrect.")


@dataclass(frozen=True, slots=True)
class NewSession:
    token: str
    session_id: UUID
    user_id: UUID
    tenant_id: UUID
    expires_at: datetime


def account_key(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def account_delay_s(settings: SecuritySettings, account_failures: int) -> float:
    """How long a sign-in to an account waits, given the account's recent failures from every address."""
    excess = account_failures - settings.login_max_failures + 1
    return settings.login_slowdown_s * min(excess, SLOWDOWN_MAX_STEPS) if excess > 0 else 0.0


async def _throttle(settings: SecuritySettings, key: str, ip: str, now: datetime) -> float:
    """Refuse an address that failed too often, on this account or on any; return how long to slow the
    attempt down for the account's failures from everywhere.

    The account's own count never refuses: anyone who knows an email could then lock its owner out. It
    only slows every attempt down, which caps what a guesser spread over many addresses achieves, while the
    owner, from an address with no failures of its own, still gets in."""
    recent = LoginAttempt.attempted_at > now - timedelta(seconds=settings.login_window_s)
    by_ip = await LoginAttempt.count().where((LoginAttempt.ip == ip) & recent)
    by_pair = await LoginAttempt.count().where(
        (LoginAttempt.ip == ip) & (LoginAttempt.account_key == key) & recent
    )
    if by_pair >= settings.login_max_failures or by_ip >= settings.login_max_failures * IP_FAILURE_FACTOR:
        raise RateLimited(retry_after_s=settings.login_window_s)
    by_account = await LoginAttempt.count().where((LoginAttempt.account_key == key) & recent)
    return account_delay_s(settings, by_account)


async def _home_tenant(user_id: UUID) -> UUID | None:
    """The tenant a sign-in lands in: the provider for provider staff, else the oldest active membership."""
    rows = await (
        Membership.select(Membership.tenant_id, Membership.tenant_id.kind)  # scope: before sign-in
        .where((Membership.user_id == user_id) & (Membership.tenant_id.status == "active"))
        .order_by(Membership.created_at)
    )
    rows.sort(key=lambda row: row["tenant_id.kind"] != "provider")
    return rows[0]["tenant_id"] if rows else None


async def sign_in(
    settings: SecuritySettings, email: str, password: str, *, ip: str, user_agent: str
) -> NewSession:
    """Check the password outside any transaction (argon2 is deliberately slow and must not hold a lock),
    then record the failure or open the session in short transactions of their own: a failed attempt must
    be stored even though the sign-in itself fails."""
    now = datetime.now(UTC)
    key = account_key(email)
    ip = ip[:64]
    try:
        delay_s = await _throttle(settings, key, ip, now)
    except RateLimited:
        async with transaction():
            await audit.record(None, AuditAction.SIGN_IN_REFUSED, tenant_id=None, label=email.strip().lower())
        raise
    if delay_s:
        await asyncio.sleep(delay_s)
    user = await User.objects().where(User.email == email.strip().lower()).first()
    valid = verify_password(user.password_hash if user else None, password)
    tenant_id = await _home_tenant(user.id) if user and valid and user.is_active else None
    if user is None or not valid or not user.is_active or tenant_id is None:
        # The account's owner (or its admin) sees the failure in its tenant's log; an unknown email only
        # in the provider's.
        home = await _home_tenant(user.id) if user else None
        async with transaction():
            await LoginAttempt.insert(LoginAttempt(id=uuid4(), account_key=key, ip=ip, attempted_at=now))
            await audit.record(
                None,
                AuditAction.SIGN_IN_FAILED,
                tenant_id=home,
                user_id=user.id if user else None,
                label=email.strip().lower(),
            )
        raise InvalidCredentials()
    token = new_session_token()
    expires_at = now + timedelta(seconds=settings.session_ttl_s)
    session = WebSession(
        id=uuid4(),
        token_hash=hash_token(token),
        user_id=user.id,
        tenant_id=tenant_id,
        expires_at=expires_at,
        ip=ip,
        user_agent=user_agent[:300],
    )
    updates: dict[Column | str, Any] = {"last_login_at": now}
    if user.password_hash and needs_rehash(user.password_hash):
        updates["password_hash"] = hash_password(password)
    async with transaction():
        # Only this address's failures on the account are forgiven: a guesser elsewhere keeps its count
        # whenever the owner signs in.
        await LoginAttempt.delete().where((LoginAttempt.account_key == key) & (LoginAttempt.ip == ip))
        await User.update(updates).where(User.id == user.id)
        await session.save()
        await audit.record(
            None, AuditAction.SIGNED_IN, tenant_id=tenant_id, user_id=user.id, label=user.email
        )
    return NewSession(token, session.id, user.id, tenant_id, expires_at)


async def sign_out(token: str) -> None:
    await WebSession.delete().where(WebSession.token_hash == hash_token(token))


async def purge_expired(now: datetime, login_window_s: int) -> None:
    await WebSession.delete().where(WebSession.expires_at < now)
    await LoginAttempt.delete().where(LoginAttempt.attempted_at < now - timedelta(seconds=login_window_s))
