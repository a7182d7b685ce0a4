"""The `retaguarda` command on an empty database, and the standard library's `platform` left alone."""

from __future__ import annotations

import os
import platform
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.support.database import (
    admin_url,
    deployed_urls,
    drop_postgres_database,
    recreate_postgres_database,
    role_names,
)

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "retaguarda.cli"]


def _run(args: list[str], env: dict[str, str], cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=180, check=False)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve_until_ready(args: list[str], env: dict[str, str], port: int) -> str:
    """Start a serving command, wait until it answers on ``port``, stop it; what it printed."""
    process = subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 180
        while True:
            assert process.poll() is None, "the command exited"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health/live", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "nothing answered on the port"
                time.sleep(0.2)
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=20)
    return out


def _sqlite_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["SQLITE_PATH"] = str(tmp_path / "fresh.sqlite3")
    return env


def test_standard_library_platform_module_is_not_shadowed(tmp_path: Path) -> None:
    assert platform.system()  # inside the test run
    for cwd in (ROOT, tmp_path):
        result = _run(
            [sys.executable, "-c", "import platform; print(platform.system())"], dict(os.environ), cwd
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == platform.system()


def test_migrate_then_demo_on_an_empty_sqlite_file_twice(tmp_path: Path) -> None:
    env = _sqlite_env(tmp_path)
    migrated = _run([*CLI, "migrate"], env)
    assert migrated.returncode == 0, migrated.stderr
    assert "up to date" in migrated.stdout
    demo = _run([*CLI, "demo", "--no-serve"], env)
    assert demo.returncode == 0, demo.stderr
    assert "dono@paoquente.demo" in demo.stdout and "retaguarda-demo" in demo.stdout
    # Loading it again changes nothing, and then it serves on the port asked for.
    port = _free_port()
    again = _serve_until_ready([*CLI, "demo", "--port", str(port)], env, port)
    assert "dono@paoquente.demo" in again and f"http://127.0.0.1:{port}/login" in again
    import sqlite3

    with sqlite3.connect(env["SQLITE_PATH"]) as db:
        assert db.execute("select count(*) from tenant").fetchone() == (3,)
        emails = {row[0] for row in db.execute("select email from app_user")}
        # One account per role, and the pools' operators and seasonal reinforcements.
        assert {"admin@retaguarda.demo", "dono@paoquente.demo", "agente@iberica.demo"} <= emails
        assert len(emails) > 8
        assert db.execute("select count(*) from task").fetchone()[0] > 1000
        kinds = dict(db.execute("select slug, locale || '/' || currency || '/' || timezone from tenant"))
    assert kinds["pao-quente"] == "pt_BR/BRL/America/Sao_Paulo"
    assert kinds["iberica"] == "es/EUR/Europe/Madrid"


def test_users_create_adds_a_member_and_rejects_an_unknown_tenant(tmp_path: Path) -> None:
    env = _sqlite_env(tmp_path)
    assert _run([*CLI, "demo", "--no-serve"], env).returncode == 0
    created = _run(
        [
            *CLI,
            "users",
            "create",
            "--email",
            "nova@paoquente.demo",
            "--name",
            "Nova",
            "--tenant",
            "pao-quente",
            "--role",
            "client_member",
            "--password",
            "a long password",
        ],
        env,
    )
    assert created.returncode == 0, created.stderr
    unknown = _run(
        [
            *CLI,
            "users",
            "create",
            "--email",
            "x@y.demo",
            "--name",
            "X",
            "--tenant",
            "nope",
            "--role",
            "operator",
            "--password",
            "a long password",
        ],
        env,
    )
    assert unknown.returncode != 0
    assert "no tenant" in unknown.stderr


@pytest.mark.postgres
async def test_migrate_brings_an_empty_postgres_database_to_the_schema(tmp_path: Path) -> None:
    base = admin_url().rsplit("/", 1)[0]
    url = f"{base}/retaguarda_migrate_{uuid.uuid4().hex[:8]}"
    await recreate_postgres_database(url, with_roles=True)
    owner_url, app_url = deployed_urls(url)
    env = {**os.environ, "DATABASE_URL": app_url, "DATABASE_OWNER_URL": owner_url, "SECRET_KEY": "x"}
    result = _run([*CLI, "migrate"], env)
    assert result.returncode == 0, result.stderr
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        tables = {r["tablename"] for r in await connection.fetch("select tablename from pg_tables")}
        indexes = {r["indexname"] for r in await connection.fetch("select indexname from pg_indexes")}
        walled = await connection.fetchval(
            "select count(*) from pg_class where relname = 'task' and relrowsecurity and relforcerowsecurity"
        )
        app_may_read = await connection.fetchval(
            "select has_table_privilege($1, 'task', 'SELECT')", role_names(url)[1]
        )
    finally:
        await connection.close()
        await drop_postgres_database(url)
    assert walled == 1 and app_may_read
    assert {"tenant", "app_user", "membership", "api_key", "business_calendar", "kernel_outbox"} <= tables
    assert {"membership_tenant_user", "api_key_tenant_name", "kernel_idempotency_key_tenant_key"} <= indexes
