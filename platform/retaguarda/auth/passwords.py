"""Password hashing with argon2id; the cost comes from settings (argon2-cffi's defaults unless overridden)."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from retaguarda.settings import get_settings

MIN_PASSWORD_LENGTH = 10


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    security = get_settings().security
    return PasswordHasher(
        time_cost=security.argon2_time_cost,
        memory_cost=security.argon2_memory_kib,
        parallelism=security.argon2_parallelism,
    )


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher().hash("retaguarda-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches. With no hash (unknown user) a dummy hash is verified anyway, so an
    unknown email costs the same time as a wrong password and cannot be told apart (no user enumeration)."""
    try:
        return _hasher().verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)
