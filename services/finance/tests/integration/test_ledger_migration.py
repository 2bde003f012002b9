"""Revision 0003 seeds the chart and installs the append-only trigger, and
goes down and up again cleanly."""

from __future__ import annotations

import asyncio

from alembic import command
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from jxc.finance.bootstrap import MIGRATIONS
from jxc.platform.db.migrations import alembic_config
from jxc.platform.testing import Infrastructure


async def test_0003_down_and_up(infra: Infrastructure) -> None:
    url = infra.fresh_database("finance_0003")
    config = alembic_config(MIGRATIONS, url)
    engine = create_async_engine(url)

    async def tables() -> set[str]:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))

    try:
        await asyncio.to_thread(command.upgrade, config, "head")
        async with engine.connect() as conn:
            seeded = (await conn.exec_driver_sql("SELECT count(*) FROM account")).scalar_one()
            triggers = set((await conn.exec_driver_sql(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")).scalars())
        assert seeded == 24
        assert {"journal_entry_append_only", "journal_line_append_only"} <= triggers
        await asyncio.to_thread(command.downgrade, config, "0002")  # through 0004 and 0003
        assert not {"account", "journal_entry", "journal_line", "invoice"} & await tables()
        assert "customer_credit" in await tables()
        await asyncio.to_thread(command.upgrade, config, "head")
        assert {"account", "journal_entry", "journal_line", "invoice"} <= await tables()
    finally:
        await engine.dispose()
