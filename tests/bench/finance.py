"""Finance benchmarks (asserts nothing; not wired into run.py yet).

1. postings/s: inventory's ``StockIssued`` (sale) events applied through the
   posting service (``ledger.post_once`` with the product-tagged entry and
   the inventory-value projection, as the consumer does) in batches of 100
   per transaction, all in one period (the period row is the serialisation
   point for gap-free numbering);
2. trial balance and income statement over 1,000,000 journal lines
   (500,000 two-line entries over 12 months) bulk-loaded by SQL.

Standalone: ``.venv/bin/python tests/bench/finance.py`` starts its own
EmbeddedPostgres.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
import uuid
import warnings
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import text

from jxc.finance.bootstrap import MIGRATIONS
from jxc.finance.domain import rules
from jxc.finance.domain.journal import tagged
from jxc.finance.entrypoints import ledger_api
from jxc.finance.service_layer import ledger, reconciliation
from jxc.platform.db import Database, upgrade_to_head
from jxc.platform.infra import EmbeddedPostgres, free_port

DATABASE = "finance_bench"
EVENTS = 5_000
BATCH = 100
LINES = 1_000_000


async def _postings(db: Database) -> tuple[str, str]:
    warehouse = uuid.uuid4()
    products = [uuid.uuid4() for _ in range(200)]
    started = time.perf_counter()
    for b in range(EVENTS // BATCH):
        async with db.session() as session:
            for i in range(BATCH):
                n = b * BATCH + i
                product = products[n % len(products)]
                cost = Decimal("12.3456") + n % 7
                await ledger.post_once(session, tagged(rules.stock_issued(
                    date(2030, 1, 15), f"{uuid.uuid4()}/{uuid.uuid4()}", "sale", cost,
                    "stock out (sale)"), product, uuid.uuid4()))
                await reconciliation.project(session, product, warehouse, -cost)
            await session.commit()
    elapsed = time.perf_counter() - started
    return (f"StockIssued postings (batches of {BATCH})",
            f"{EVENTS / elapsed:,.0f} postings/s ({EVENTS} in {elapsed:.1f} s)")


BULK = """
INSERT INTO fiscal_period (period) SELECT to_char(make_date(2024, m, 1), 'YYYY-MM')
  FROM generate_series(1, 12) m ON CONFLICT DO NOTHING;
INSERT INTO journal_entry (id, number, period, seq, posted_on, source_type, source_id, currency)
  SELECT md5('e' || g)::uuid, 'JE-BENCH-' || g,
         to_char(make_date(2024, 1 + g % 12, 1), 'YYYY-MM'), 1000000 + g,
         make_date(2024, 1 + g % 12, 1 + g % 28), 'bench', g::text, 'CNY'
    FROM generate_series(1, :entries) g;
INSERT INTO journal_line (entry_id, line_no, account_code, debit, credit)
  SELECT md5('e' || g)::uuid, 1, (ARRAY['6401', '1122', '1002', '6602'])[1 + g % 4],
         (g % 1000) + 0.01, 0
    FROM generate_series(1, :entries) g;
INSERT INTO journal_line (entry_id, line_no, account_code, debit, credit)
  SELECT md5('e' || g)::uuid, 2, (ARRAY['1405', '6001', '1122', '1002'])[1 + g % 4],
         0, (g % 1000) + 0.01
    FROM generate_series(1, :entries) g;
"""


async def _reports(db: Database) -> list[tuple[str, str]]:
    started = time.perf_counter()
    async with db.session() as session:
        for statement in BULK.split(";"):
            if statement.strip():
                await session.execute(text(statement), {"entries": LINES // 2}
                                      if ":entries" in statement else {})
        await session.commit()
        await session.execute(text("ANALYZE journal_entry"))
        await session.execute(text("ANALYZE journal_line"))
    load = time.perf_counter() - started
    rows = [(f"bulk load {LINES:,} journal lines", f"{load:.1f} s")]

    async def timed(label: str, call: object) -> None:
        times = []
        for _ in range(3):
            async with db.session() as session:
                t = time.perf_counter()
                await call(session)  # type: ignore[operator]
                times.append(time.perf_counter() - t)
        rows.append((label, f"{min(times) * 1000:,.0f} ms (best of 3)"))

    await timed("trial balance, 1M lines", lambda s: ledger_api.trial_balance(
        s, as_of=date(2024, 12, 31), since=None))
    await timed("income statement, year, 1M lines", lambda s: ledger_api.income_statement(
        s, date_from=date(2024, 1, 1), date_to=date(2024, 12, 31)))
    await timed("income statement, one quarter", lambda s: ledger_api.income_statement(
        s, date_from=date(2024, 4, 1), date_to=date(2024, 6, 30)))
    return rows


async def run_finance_benchmarks(pg: EmbeddedPostgres) -> list[tuple[str, str]]:
    pg.ensure_database(DATABASE)
    url = pg.url(DATABASE)
    await asyncio.to_thread(upgrade_to_head, MIGRATIONS, url)
    db = Database(url)
    try:
        return [await _postings(db), *await _reports(db)]
    finally:
        await db.dispose()


async def _main() -> None:
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    with tempfile.TemporaryDirectory() as root:
        pg = EmbeddedPostgres(Path(root) / "pg", free_port())
        pg.start()
        try:
            for label, value in await run_finance_benchmarks(pg):
                print(f"{label:45} {value}")
        finally:
            pg.stop()


if __name__ == "__main__":
    asyncio.run(_main())
