"""Every service's Alembic migrations build exactly the schema its models
declare (what `alembic check` verifies), on a real PostgreSQL."""

from __future__ import annotations

import asyncio
import importlib

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from jxc.platform.db import current_revision, head_revision, platform_metadata
from jxc.platform.db.migrations import alembic_config
from jxc.platform.infra.stack import SERVICES
from jxc.platform.testing import Infrastructure, migrated_database


@pytest.mark.parametrize("service", sorted(SERVICES))
async def test_migrations_match_models(infra: Infrastructure, service: str) -> None:
    bootstrap = importlib.import_module(f"jxc.{service}.bootstrap")
    tables = importlib.import_module(f"jxc.{service}.adapters.tables")
    url = await migrated_database(infra, bootstrap.MIGRATIONS, service)
    assert await current_revision(url) == head_revision(bootstrap.MIGRATIONS)
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"compare_type": True}),
                [tables.metadata, platform_metadata]))
    finally:
        await engine.dispose()
    assert diff == []


@pytest.mark.parametrize("service", sorted(SERVICES))
async def test_idempotency_keys_arrive_in_revision_0002(infra: Infrastructure,
                                                        service: str) -> None:
    """A database migrated before the table existed gets it from 0002, and
    loses it again on the way down."""
    bootstrap = importlib.import_module(f"jxc.{service}.bootstrap")
    url = infra.fresh_database(f"{service}_0002")
    config = alembic_config(bootstrap.MIGRATIONS, url)
    engine = create_async_engine(url)

    async def tables() -> set[str]:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))

    try:
        await asyncio.to_thread(command.upgrade, config, "0001")
        async with engine.begin() as conn:  # as 0001 made it before the table was added
            await conn.exec_driver_sql("DROP TABLE idempotency_key")
        await asyncio.to_thread(command.upgrade, config, "0002")
        assert "idempotency_key" in await tables()
        await asyncio.to_thread(command.downgrade, config, "0001")
        assert "idempotency_key" not in await tables()
    finally:
        await engine.dispose()
