"""Alembic per service.

A service's ``migrations/env.py`` is three lines: it calls
:func:`run_env` with the service's metadata. Migrations run online through
asyncpg, comparing types so that ``alembic check`` catches drift.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import async_engine_from_config, create_async_engine

MIGRATION_LOCK = 0x4A58434D  # "JXCM": one migrator per database at a time


def alembic_config(migrations_dir: Path, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_to_head(migrations_dir: Path, database_url: str) -> None:
    """Run in a thread of its own: Alembic's env drives its own event loop."""
    command.upgrade(alembic_config(migrations_dir, database_url), "head")


def head_revision(migrations_dir: Path) -> str | None:
    script = ScriptDirectory.from_config(alembic_config(migrations_dir, "postgresql://"))
    return script.get_current_head()


async def current_revision(database_url: str) -> str | None:
    engine = create_async_engine(database_url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision())
    finally:
        await engine.dispose()


def run_env(service_metadata: MetaData) -> None:
    """Body of every service's migrations/env.py."""
    from alembic import context

    from jxc.platform.db.tables import platform_metadata

    target_metadata = [service_metadata, platform_metadata]

    config = context.config

    def do_run(connection: Connection) -> None:
        # Replicas that start together (init containers) migrate one at a time.
        connection.exec_driver_sql(f"SELECT pg_advisory_lock({MIGRATION_LOCK})")
        connection.commit()  # the lock outlives transactions; Alembic opens its own
        try:
            context.configure(connection=connection, target_metadata=target_metadata,
                              compare_type=True)
            with context.begin_transaction():
                context.run_migrations()
        finally:
            connection.exec_driver_sql(f"SELECT pg_advisory_unlock({MIGRATION_LOCK})")
            connection.commit()

    async def run_async() -> None:
        section: dict[str, Any] = config.get_section(config.config_ini_section, {}) or {}
        engine = async_engine_from_config(section, prefix="sqlalchemy.", poolclass=pool.NullPool)
        async with engine.connect() as conn:
            await conn.run_sync(do_run)
        await engine.dispose()

    if context.is_offline_mode():
        context.configure(url=config.get_main_option("sqlalchemy.url"),
                          target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(run_async())
        return
    raise RuntimeError("run Alembic outside the event loop (asyncio.to_thread)")


def create_platform_tables() -> None:
    """For a service's first migration: every platform table that does not exist yet."""
    from alembic import op

    from jxc.platform.db.tables import platform_metadata

    platform_metadata.create_all(op.get_bind())


def create_platform_table(name: str) -> None:
    """For a later migration: one platform table added since, with its indexes
    (skipped when a first migration run after it was added already made it)."""
    from alembic import op

    from jxc.platform.db.tables import platform_metadata

    platform_metadata.tables[name].create(op.get_bind(), checkfirst=True)


def drop_platform_table(name: str) -> None:
    from alembic import op

    from jxc.platform.db.tables import platform_metadata

    platform_metadata.tables[name].drop(op.get_bind(), checkfirst=True)
