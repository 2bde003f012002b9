"""Every service's Alembic migrations build exactly the schema its models
declare (what `alembic check` verifies), on a real PostgreSQL."""

from __future__ import annotations

import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from jxc.platform.db import current_revision, head_revision, platform_metadata
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
