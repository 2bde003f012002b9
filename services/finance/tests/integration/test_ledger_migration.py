"""finance's revisions: 0003 seeds the chart and installs the append-only
trigger, 0007 carries what settlements already allocated; each goes down and
up again cleanly."""

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


async def test_0005_0006_down_and_up(infra: Infrastructure) -> None:
    url = infra.fresh_database("finance_0005")
    config = alembic_config(MIGRATIONS, url)
    engine = create_async_engine(url)

    async def shape() -> tuple[set[str], set[str]]:
        async with engine.connect() as conn:
            return await conn.run_sync(lambda sync: (
                set(inspect(sync).get_table_names()),
                {c["name"] for c in inspect(sync).get_columns("journal_line")}))

    try:
        await asyncio.to_thread(command.upgrade, config, "head")
        tables, columns = await shape()
        assert {"invoice_line", "inventory_value"} <= tables
        assert {"product_id", "order_id"} <= columns
        await asyncio.to_thread(command.downgrade, config, "0004")  # through 0006 and 0005
        tables, columns = await shape()
        assert not {"invoice_line", "inventory_value"} & tables
        assert not {"product_id", "order_id"} & columns
        await asyncio.to_thread(command.upgrade, config, "head")
        assert "invoice_line" in (await shape())[0]
    finally:
        await engine.dispose()


CONTROLS = {"ledger_lock", "fiscal_year", "purchase_order", "purchase_order_line", "grni_line",
            "bill_line", "match_exception", "application", "supplier_terms",
            "uninvoiced_shipment"}


async def test_0007_keeps_what_settlements_applied_and_goes_down_and_up(
        infra: Infrastructure) -> None:
    url = infra.fresh_database("finance_0007")
    config = alembic_config(MIGRATIONS, url)
    engine = create_async_engine(url)

    async def tables() -> set[str]:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))

    try:
        await asyncio.to_thread(command.upgrade, config, "0006")
        async with engine.begin() as conn:
            await conn.exec_driver_sql(
                "INSERT INTO settlement (id, kind, party_id, amount, currency, settled_on) "
                "VALUES ('00000000-0000-0000-0000-000000000001', 'receipt', "
                "'00000000-0000-0000-0000-000000000002', 100, 'CNY', '2026-01-05')")
            await conn.exec_driver_sql(
                "INSERT INTO allocation (settlement_id, document_id, amount) VALUES "
                "('00000000-0000-0000-0000-000000000001', "
                "'00000000-0000-0000-0000-000000000003', 60)")
        await asyncio.to_thread(command.upgrade, config, "head")
        assert CONTROLS <= await tables()
        async with engine.connect() as conn:
            applied = (await conn.exec_driver_sql("SELECT applied FROM settlement")).scalar_one()
            lock = (await conn.exec_driver_sql("SELECT lock_date FROM ledger_lock")).all()
        assert applied == 60 and lock == [(None,)]
        await asyncio.to_thread(command.downgrade, config, "0006")
        assert not CONTROLS & await tables()
        await asyncio.to_thread(command.upgrade, config, "head")
        assert CONTROLS <= await tables()
    finally:
        await engine.dispose()
