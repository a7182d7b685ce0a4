"""Webhook signing secrets encrypted at rest (work.webhooks.signing): the column widens for a Fernet token,
and the secrets stored in clear until now are sealed under the current key."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import PostgresEngine, engine_finder

ID = "2026-12-03T17:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "webhook secrets sealed"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="work", description=DESCRIPTION)

    async def seal_secrets() -> None:
        from retaguarda.work.webhooks.service.signing import SECRET_PREFIX, seal_secret

        engine = engine_finder()
        if isinstance(engine, PostgresEngine):
            # SQLite does not enforce a varchar's length.
            await engine.run_ddl("ALTER TABLE webhook_endpoint ALTER COLUMN secret TYPE varchar(400)")
        rows = await engine.run_ddl("SELECT id, secret FROM webhook_endpoint")
        for row in rows:
            if row["secret"].startswith(SECRET_PREFIX):
                sealed = seal_secret(row["secret"]).replace("'", "''")
                await engine.run_ddl(
                    f"UPDATE webhook_endpoint SET secret = '{sealed}' WHERE id = '{row['id']}'"
                )

    manager.add_raw(seal_secrets)
    return manager
