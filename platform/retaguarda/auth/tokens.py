"""Opaque bearer secrets: session tokens and API keys.

Both are 256-bit random values, so a plain SHA-256 is a sound storage hash (a slow password hash buys nothing
against a value that cannot be guessed) and lets the lookup be one indexed equality.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

API_KEY_PREFIX = "rg_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def new_api_key() -> str:
    """``rg_<8 chars public prefix>_<43 chars secret>``; the prefix identifies the key in lists and logs."""
    return f"{API_KEY_PREFIX}{secrets.token_hex(4)}_{secrets.token_urlsafe(32)}"


def token_prefix(api_key: str) -> str:
    return api_key[: len(API_KEY_PREFIX) + 8]


def csrf_token_for(secret_key: str, session_token: str) -> str:
    """The CSRF token bound to one session (or one anonymous pre-login cookie)."""
    return hmac.new(secret_key.encode(), b"csrf:" + session_token.encode(), hashlib.sha256).hexdigest()


def tokens_match(given: str | None, expected: str | None) -> bool:
    return bool(given and expected) and hmac.compare_digest(str(given), str(expected))
