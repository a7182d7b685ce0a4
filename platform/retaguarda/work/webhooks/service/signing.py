"""Signing per the Standard Webhooks spec: the secrets' format, the ``webhook-signature`` value and the
headers every attempt carries; and the secrets' encryption at rest.

An endpoint's secret is shown once, when it is made, and stored sealed: encrypted with Fernet (AES-128-CBC and
HMAC-SHA256, ``cryptography``) under the first key of WEBHOOK_SECRET_KEYS; without that setting, under a key
derived from SECRET_KEY (HKDF), or, when SECRET_KEY is not set either (the embedded demo), a key kept in the
data directory. Only the delivery opens it, to sign. Every key in the setting opens what it sealed
(MultiFernet), so keys rotate without downtime: put a new key first, restart, run ``retaguarda webhooks
reseal`` (every secret sealed again under the new key), then drop the old key. A secret stored in clear before
sealing came (``whsec_...``) still opens; the migration that brought sealing, and ``reseal``, seal it.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import os
import secrets
import time
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from retaguarda.settings import get_settings

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret
USER_AGENT = "Retaguarda-Webhooks/1"
KEY_DERIVATION_INFO = b"retaguarda webhook signing secrets"


DATA_DIR_KEY_FILE = "webhook-secrets.key"


@lru_cache(maxsize=1)
def _sealing_keys() -> MultiFernet:
    settings = get_settings()
    keys = list(settings.security.webhook_secret_keys)
    if not keys and settings.secret_is_ephemeral:
        keys = [_data_dir_key(settings.data_dir)]
    elif not keys:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=KEY_DERIVATION_INFO)
        keys = [base64.urlsafe_b64encode(derived.derive(settings.security.secret_key.encode())).decode()]
    return MultiFernet([Fernet(key) for key in keys])


def _data_dir_key(data_dir: Path) -> str:
    """A key that outlives the process when nothing else does (a per-process SECRET_KEY would make every
    secret unreadable at the next start): made once, readable by its owner only."""
    path = data_dir / DATA_DIR_KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):  # another process made it first
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as out:
                out.write(Fernet.generate_key().decode())
    return path.read_text().strip()


def seal_secret(secret: str) -> str:
    """The secret as stored: a Fernet token under the current key."""
    return _sealing_keys().encrypt(secret.encode()).decode()


def open_secret(stored: str) -> str:
    """The secret to sign with (a secret stored in clear before sealing came is returned as it is)."""
    if stored.startswith(SECRET_PREFIX):
        return stored
    return _sealing_keys().decrypt(stored.encode()).decode()


def reseal_secret(stored: str) -> str:
    """The secret sealed again under the current key (rotation), or sealed for the first time."""
    if stored.startswith(SECRET_PREFIX):
        return seal_secret(stored)
    return _sealing_keys().rotate(stored.encode()).decode()


def new_secret() -> str:
    """``whsec_`` + base64 of 32 random bytes, the Standard Webhooks secret format."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value: ``v1,`` + base64 HMAC-SHA256 of ``{id}.{timestamp}.{body}``, keyed by
    the secret's decoded bytes. The timestamp is signed too, so a captured request cannot be replayed later
    under a fresh timestamp."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    mac = hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode()


def signed_headers(secret: str, message_id: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    stamp = int(time.time()) if timestamp is None else timestamp
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": sign(secret, message_id, stamp, body),
    }
