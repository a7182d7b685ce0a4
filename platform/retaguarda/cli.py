"""The ``retaguarda`` command: serve, worker, migrate, demo, users."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable
from typing import Any, TypeVar

import click

from retaguarda.settings import get_settings


def migrate_database() -> None:
    """Bring the configured database (SQLite or Postgres) to the current schema: on Postgres as the owner
    (DATABASE_OWNER_URL), with the row-level security walls (retaguarda.row_security)."""
    from retaguarda.row_security import MigrationFailed
    from retaguarda.row_security import migrate_database as migrate

    try:
        asyncio.run(migrate())
    except MigrationFailed as exc:
        raise click.ClickException(f"migration failed: {exc}") from exc


T = TypeVar("T")


async def as_system(work: Awaitable[T]) -> T:
    """A command acts for no person: its statements publish every tenant (retaguarda.tenancy)."""
    from retaguarda.tenancy import acting_for_system

    async with acting_for_system():
        return await work


@click.group()
def main() -> None:
    """Retaguarda: the platform a BPO provider runs its clients on."""


@main.command()
def migrate() -> None:
    """Apply every pending migration."""
    migrate_database()
    click.echo("database is up to date")


@main.command()
@click.option("--host", default=None, help="Defaults to HOST (127.0.0.1).")
@click.option("--port", type=int, default=None, help="Defaults to PORT (8000).")
@click.option("--workers", type=int, default=1, help="Web processes (full mode only).")
@click.option("--migrate/--no-migrate", "run_migrations", default=True, help="Apply migrations first.")
def serve(host: str | None, port: int | None, workers: int, run_migrations: bool) -> None:
    """Serve the portal and the API."""
    import uvicorn

    settings = get_settings()
    if settings.db.is_postgres and settings.secret_is_ephemeral:
        raise click.ClickException("set SECRET_KEY: in full mode every process must share one key")
    if run_migrations:
        migrate_database()
    if workers > 1 and not settings.db.is_postgres:
        raise click.ClickException("several web processes need the full mode (DATABASE_URL, REDIS_URL)")
    uvicorn.run(
        "retaguarda.app:create_app",
        factory=True,
        host=host or settings.server.host,
        port=port or settings.server.port,
        workers=workers,
        proxy_headers=True,
        log_config=None,
    )


@main.command()
def worker() -> None:
    """Run the arq job worker (full mode: REDIS_URL must be set)."""
    from arq.worker import run_worker

    from retaguarda import db
    from retaguarda.app import configure_logging, load_job_modules
    from retaguarda.jobs import arq_worker_settings

    settings = get_settings()
    if settings.jobs.embedded:
        raise click.ClickException(
            "REDIS_URL is not set: jobs run inside `retaguarda serve` in embedded mode"
        )
    configure_logging(settings)
    load_job_modules()

    async def startup(ctx: dict[str, Any]) -> None:
        await db.start_database()

    async def shutdown(ctx: dict[str, Any]) -> None:
        await db.stop_database()

    run_worker(arq_worker_settings(startup, shutdown))


@main.command()
@click.option("--serve/--no-serve", "then_serve", default=True, help="Start the server after loading.")
@click.option("--host", default=None, help="Defaults to HOST (127.0.0.1).")
@click.option("--port", type=int, default=None, help="Defaults to PORT (8000).")
@click.option("--reset", is_flag=True, help="Delete every row of the database first, then load afresh.")
@click.option(
    "--size",
    type=click.FloatRange(0.05, 20.0),
    default=1.0,
    show_default=True,
    help="Scale of the history: tasks per day and operators employed.",
)
def demo(then_serve: bool, host: str | None, port: int | None, reset: bool, size: float) -> None:
    """Load the demo (a provider, two clients with months of history and a season ahead) and serve."""
    from retaguarda.demo import DEMO_PASSWORD, load_demo
    from retaguarda.demo.reset import empty_database

    migrate_database()

    async def load() -> list[tuple[str, str, str]]:
        if reset:
            await empty_database()
        return await load_demo(size)

    users = asyncio.run(as_system(load()))
    settings = get_settings()
    click.echo(
        "\nRetaguarda demo is ready. Sign in at "
        f"http://{host or settings.server.host}:{port or settings.server.port}/login "
        f"with password {DEMO_PASSWORD!r}:"
    )
    for email, role, tenant in users:
        click.echo(f"  {email:<34} {role:<16} {tenant}")
    click.echo("  (the other operators sign in as name.surname@retaguarda.demo with the same password)")
    click.echo("")
    sys.stdout.flush()
    if then_serve:
        ctx = click.get_current_context()
        ctx.invoke(serve, host=host, port=port, workers=1, run_migrations=False)


@main.group()
def users() -> None:
    """Manage users."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True)
@click.option("--tenant", "tenant_slug", required=True, help="Slug of the tenant to join.")
@click.option(
    "--role",
    required=True,
    type=click.Choice(
        ["admin", "account_manager", "supervisor", "operator", "client_admin", "client_member"]
    ),
)
@click.password_option()
def create_user(email: str, display_name: str, tenant_slug: str, role: str, password: str) -> None:
    """Create a user (or add an existing one) with a role in a tenant."""
    from retaguarda.demo import add_user

    migrate_database()
    try:
        asyncio.run(as_system(add_user(tenant_slug, email, display_name, role, password)))
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{email} is {role} of {tenant_slug}")


@main.group()
def webhooks() -> None:
    """Webhook endpoints' signing secrets."""


@webhooks.command("reseal")
def reseal() -> None:
    """Encrypt every webhook signing secret again under the first key of WEBHOOK_SECRET_KEYS (the step of a
    key rotation between adding the new key first and dropping the old one)."""
    from retaguarda import db
    from retaguarda.work.webhooks.service import reseal_secrets

    async def run() -> int:
        await db.start_database()
        try:
            return await as_system(reseal_secrets())
        finally:
            await db.stop_database()

    click.echo(f"{asyncio.run(run())} webhook secrets sealed under the current key")


if __name__ == "__main__":
    main()
