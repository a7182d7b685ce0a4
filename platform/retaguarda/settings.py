"""Typed settings, read once from the environment.

One dataclass per concern, all gathered in :class:`Settings` and cached behind :func:`get_settings`. Nothing
else in the code base reads ``os.environ`` for configuration.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

_TRUE = {"1", "true", "yes", "on"}


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def _env_int(name: str, default: int) -> int:
    raw = _env(name)
    return int(raw) if raw else default


def _env_bool(name: str, default: bool) -> bool:
    raw = _env(name)
    return raw.lower() in _TRUE if raw else default


@dataclass(frozen=True, slots=True)
class DatabaseSettings:
    """SQLite file by default (embedded mode); PostgreSQL when ``DATABASE_URL`` is set (full mode)."""

    url: str
    sqlite_path: Path
    pool_min: int
    pool_max: int
    # PostgreSQL: the role that owns the schema and runs the migrations. The app itself connects as
    # DATABASE_URL's role, which should own nothing, so the row-level security policies hold it in.
    owner_url: str = ""

    @property
    def is_postgres(self) -> bool:
        return self.url.split("://", 1)[0].split("+", 1)[0] in {"postgres", "postgresql"}

    @property
    def asyncpg_dsn(self) -> str:
        """The URL as asyncpg takes it (``postgresql+asyncpg://`` and the like lose their driver suffix)."""
        return to_asyncpg_dsn(self.url)

    @property
    def owner_dsn(self) -> str:
        """The migrations' connection: DATABASE_OWNER_URL, else the app's own."""
        return to_asyncpg_dsn(self.owner_url or self.url)


def to_asyncpg_dsn(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme.split('+', 1)[0]}://{rest}"


@dataclass(frozen=True, slots=True)
class JobSettings:
    """arq on Redis when ``REDIS_URL`` is set; otherwise the in-process runner."""

    redis_url: str
    relay_interval_s: float
    redelivery_after_s: int
    max_attempts: int

    @property
    def embedded(self) -> bool:
        return not self.redis_url


@dataclass(frozen=True, slots=True)
class SecuritySettings:
    secret_key: str
    session_ttl_s: int
    cookie_secure: bool
    login_max_failures: int
    login_window_s: int
    # Each failure of an account beyond login_max_failures (from any address) delays that account's next
    # sign-ins by this much more, up to LOGIN_SLOWDOWN_MAX_STEPS times it.
    login_slowdown_s: float
    # argon2id cost; the defaults are argon2-cffi's (RFC 9106's second recommendation).
    argon2_time_cost: int
    argon2_memory_kib: int
    argon2_parallelism: int
    # Fernet keys for the webhook signing secrets at rest, newest first (WEBHOOK_SECRET_KEYS); empty: one key
    # derived from secret_key.
    webhook_secret_keys: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StripeSettings:
    api_key: str
    webhook_secret: str
    api_base: str

    @property
    def enabled(self) -> bool:
        return bool(self.api_key)


@dataclass(frozen=True, slots=True)
class WorkSettings:
    lease_s: int
    # Webhook URLs on loopback / private / link-local addresses reach the provider's own network (SSRF):
    # refused unless this is set (development and tests).
    webhooks_allow_private: bool


@dataclass(frozen=True, slots=True)
class StorageSettings:
    """Where task files live: a folder under the data folder (embedded), or an S3-compatible bucket (full
    mode: AWS S3, MinIO, R2, or GCS's S3 interface), chosen by ``STORAGE_BACKEND``."""

    backend: str  # local | s3
    local_dir: Path
    s3_bucket: str
    s3_endpoint: str
    # The endpoint as browsers reach it, for presigned URLs (the app may reach the bucket by an internal
    # name, e.g. http://minio:9000 inside Docker); empty: the same as s3_endpoint.
    s3_public_endpoint: str
    s3_region: str
    s3_access_key_id: str
    s3_secret_access_key: str
    # Largest single file and largest total per task, in bytes (a contract may lower them).
    max_file_bytes: int
    max_task_bytes: int
    # Lifetime of a download link (a presigned S3 URL or the app's own signed link): long enough to start a
    # download, short enough that a link copied into a chat or a log is soon worthless.
    link_ttl_s: int

    @property
    def is_s3(self) -> bool:
        return self.backend == "s3"


@dataclass(frozen=True, slots=True)
class MailSettings:
    smtp_url: str
    sender: str


@dataclass(frozen=True, slots=True)
class ServerSettings:
    host: str
    port: int
    debug: bool
    log_level: str
    log_json: bool
    public_url: str


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path
    db: DatabaseSettings
    jobs: JobSettings
    security: SecuritySettings
    stripe: StripeSettings
    mail: MailSettings
    work: WorkSettings
    storage: StorageSettings
    server: ServerSettings
    # True when SECRET_KEY was not given: fine for the embedded demo (CSRF tokens change at each start);
    # `retaguarda serve` refuses it in full mode, where several processes must share one key.
    secret_is_ephemeral: bool = field(default=False)


def load_settings() -> Settings:
    data_dir = Path(_env("RETAGUARDA_DATA_DIR", "var")).resolve()
    secret = _env("SECRET_KEY")
    return Settings(
        data_dir=data_dir,
        db=DatabaseSettings(
            url=_env("DATABASE_URL"),
            sqlite_path=Path(_env("SQLITE_PATH") or str(data_dir / "retaguarda.sqlite3")),
            pool_min=_env_int("DATABASE_POOL_MIN", 1),
            pool_max=_env_int("DATABASE_POOL_MAX", 10),
            owner_url=_env("DATABASE_OWNER_URL"),
        ),
        jobs=JobSettings(
            redis_url=_env("REDIS_URL"),
            relay_interval_s=float(_env("JOBS_RELAY_INTERVAL_S", "1.0")),
            redelivery_after_s=_env_int("JOBS_REDELIVERY_AFTER_S", 300),
            max_attempts=_env_int("JOBS_MAX_ATTEMPTS", 8),
        ),
        security=SecuritySettings(
            # An ephemeral key keeps a bare `make demo` working; sessions then end with the process.
            secret_key=secret or secrets.token_urlsafe(48),
            session_ttl_s=_env_int("SESSION_TTL_S", 8 * 3600),
            cookie_secure=_env_bool("COOKIE_SECURE", False),
            login_max_failures=_env_int("LOGIN_MAX_FAILURES", 5),
            login_window_s=_env_int("LOGIN_WINDOW_S", 900),
            login_slowdown_s=float(_env("LOGIN_SLOWDOWN_S", "1.0")),
            argon2_time_cost=_env_int("ARGON2_TIME_COST", 3),
            argon2_memory_kib=_env_int("ARGON2_MEMORY_KIB", 65536),
            argon2_parallelism=_env_int("ARGON2_PARALLELISM", 4),
            webhook_secret_keys=tuple(k.strip() for k in _env("WEBHOOK_SECRET_KEYS").split(",") if k.strip()),
        ),
        stripe=StripeSettings(
            api_key=_env("STRIPE_API_KEY"),
            webhook_secret=_env("STRIPE_WEBHOOK_SECRET"),
            api_base=_env("STRIPE_API_BASE"),
        ),
        mail=MailSettings(
            smtp_url=_env("SMTP_URL"),
            sender=_env("MAIL_FROM", "Retaguarda <no-reply@localhost>"),
        ),
        work=WorkSettings(
            lease_s=_env_int("WORK_LEASE_S", 300),
            webhooks_allow_private=_env_bool("WEBHOOKS_ALLOW_PRIVATE", False),
        ),
        storage=StorageSettings(
            backend="s3" if _env("STORAGE_BACKEND").lower() == "s3" else "local",
            local_dir=Path(_env("STORAGE_DIR") or str(data_dir / "files")),
            s3_bucket=_env("S3_BUCKET"),
            s3_endpoint=_env("S3_ENDPOINT"),
            s3_public_endpoint=_env("S3_PUBLIC_ENDPOINT"),
            s3_region=_env("S3_REGION", "us-east-1"),
            s3_access_key_id=_env("S3_ACCESS_KEY_ID"),
            s3_secret_access_key=_env("S3_SECRET_ACCESS_KEY"),
            max_file_bytes=_env_int("FILES_MAX_BYTES", 50 * 1024 * 1024),
            max_task_bytes=_env_int("FILES_MAX_TASK_BYTES", 200 * 1024 * 1024),
            link_ttl_s=_env_int("FILES_LINK_TTL_S", 300),
        ),
        server=ServerSettings(
            host=_env("HOST", "127.0.0.1"),
            port=_env_int("PORT", 8000),
            debug=_env_bool("DEBUG", False),
            log_level=_env("LOG_LEVEL", "INFO").upper(),
            log_json=_env_bool("LOG_JSON", True),
            public_url=_env("PUBLIC_URL", "http://127.0.0.1:8000"),
        ),
        secret_is_ephemeral=not secret,
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
