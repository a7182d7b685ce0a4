"""Test harness: one migrated database per run (SQLite file, or a fresh Postgres database when DATABASE_URL is
set), every table emptied before each test, the app served in-process, and a world of two client tenants.

`make test` runs the suite twice: embedded (SQLite, in-process jobs) and full (PostgreSQL, Redis, arq).
Tests marked `postgres` / `redis` are deselected in the embedded pass; in the full pass they must run, and
under CI=true a missing service fails the run instead of skipping.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

_TMP = Path(tempfile.mkdtemp(prefix="retaguarda-tests-"))
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("RETAGUARDA_DATA_DIR", str(_TMP))
os.environ.setdefault("LOG_JSON", "false")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("JOBS_RELAY_INTERVAL_S", "0.2")
# A cheap argon2 cost: the suite signs in hundreds of times; production keeps the library's defaults.
os.environ.setdefault("ARGON2_TIME_COST", "1")
# The tests' webhook receivers listen on 127.0.0.1.
os.environ.setdefault("WEBHOOKS_ALLOW_PRIVATE", "true")
os.environ.setdefault("ARGON2_MEMORY_KIB", "1024")
os.environ.setdefault("ARGON2_PARALLELISM", "1")
# The sign-in slow-down of a guessed-at account, short enough for tests that guess.
os.environ.setdefault("LOGIN_SLOWDOWN_S", "0.05")
if not os.environ.get("DATABASE_URL"):
    os.environ["SQLITE_PATH"] = str(_TMP / "test.sqlite3")
else:
    # The full pass runs as deployed: migrations as the database's owner role, the app as its app role,
    # behind row-level security (tests/support/database.py creates both from the URL given).
    from tests.support.database import deploy_roles_from_environment

    deploy_roles_from_environment()

# The harness's own set-up and checks (building worlds, reading what a request wrote) act for the system, as
# jobs do; every request it sends starts with no tenant and publishes its principal's (PrincipalMiddleware).
from retaguarda.db import act_for_system_throughout  # noqa: E402

act_for_system_throughout()

pytest_plugins = ["tests.support.fixtures", "tests.support.object_storage"]


def pytest_unconfigure(config: object) -> None:
    """Exit even when a SQLite connection's worker thread was left open.

    Seen once in a clean run: after the embedded pass's summary, two aiosqlite worker threads (non-daemon)
    were still waiting for work, and the interpreter waited on them forever. What leaves them open is not
    found yet; rather than a CI run that hangs until its time limit, the run ends here with its own status,
    naming the threads."""
    import sys
    import threading

    left = [t for t in threading.enumerate() if not t.daemon and t is not threading.main_thread()]
    if not left or not all("_connection_worker_thread" in t.name for t in left):
        return
    print(f"\nleft open at exit, not waited for: {[t.name for t in left]}", file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    status = getattr(config, "_retaguarda_exit_status", 1)
    os._exit(int(status))


def pytest_sessionfinish(session: object, exitstatus: int) -> None:
    session.config._retaguarda_exit_status = exitstatus  # type: ignore[attr-defined]
