"""Inventory stock-ledger benchmarks (part of ``make bench``; asserts nothing).

Run on a database of their own (``inventory_bench``) in the cluster run.py
starts, or standalone: ``.venv/bin/python tests/bench/inventory.py`` starts a
fresh EmbeddedPostgres for quicker iteration.

1. issue moves on one hot SKU, concurrency 16: moves/s, p50/p99 per move
2. the same spread over 10,000 SKUs (average and FIFO mixed)
3. reservations of 1 unit, hot SKU and spread: reservations/s, p50/p99
4. stock / ledger queries over 1,000,000 bulk-loaded ledger rows, and the
   stock-vs-ledger consistency check over the whole table
5. a stocktake of 5,000 products: add the entries, post the count

Every operation is one transaction (``Database.transaction``); a latency is
measured from opening the session to the commit returning. The rows are also
written to ``.jxc/bench-inventory.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import math
import os
import random
import tempfile
import time
import uuid
import warnings
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.inventory.adapters.stock_tables import WarehouseRow
from jxc.inventory.adapters.tables import ProductRow
from jxc.inventory.bootstrap import MIGRATIONS
from jxc.inventory.domain.moves import MoveLine, MoveType
from jxc.inventory.service_layer import counts, queries
from jxc.inventory.service_layer.moves import post_move
from jxc.inventory.service_layer.reservations import Line, reserve
from jxc.platform.auth import Principal
from jxc.platform.db import Database, upgrade_to_head
from jxc.platform.infra import EmbeddedPostgres, free_port

DATABASE = "inventory_bench"
CONCURRENCY = 16
OPERATIONS = 2_000
"""Moves or reservations per throughput benchmark."""
WARMUP = 64
SKUS = 10_000
LEDGER_ROWS = 1_000_000
LOAD_CHUNK = 100_000
"""Rows per INSERT … SELECT of the bulk load (a multiple of LINES_PER_MOVE and of SKUS)."""
LINES_PER_MOVE = 4
QUERY_CALLS = 200
COUNT_PRODUCTS = 5_000
RESULTS = Path(__file__).resolve().parents[2] / ".jxc" / "bench-inventory.json"
BENCH = Principal(subject="bench", username="bench", permissions=frozenset({"*"}))

products_table = ProductRow.__table__
warehouses_table = WarehouseRow.__table__

Operation = Callable[[AsyncSession, int], Awaitable[Any]]


def sku_id(n: int) -> uuid.UUID:
    """Product ``n`` of the 10,000: the same id SQL computes as ``md5('bench-' || n)::uuid``."""
    return uuid.UUID(hashlib.md5(f"bench-{n}".encode()).hexdigest())


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


@dataclass
class Timing:
    elapsed: float
    latencies: list[float]
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed

    @property
    def p50_ms(self) -> float:
        return percentile(self.latencies, 0.50) * 1000

    @property
    def p99_ms(self) -> float:
        return percentile(self.latencies, 0.99) * 1000

    def throughput(self, unit: str) -> str:
        failed = sum(self.errors.values())
        errors = (f", {failed} failed: {dict(self.errors)}" if failed else "")
        return (f"{self.rate:.0f} {unit}/s   p50 {self.p50_ms:6.1f} ms   p99 {self.p99_ms:6.1f} ms"
                f"   ({len(self.latencies)} in {self.elapsed:.1f} s, concurrency "
                f"{CONCURRENCY}{errors})")

    def latency(self, what: str) -> str:
        return (f"p50 {self.p50_ms:6.2f} ms   p99 {self.p99_ms:6.2f} ms   "
                f"({len(self.latencies)} {what})")

    def metrics(self) -> dict[str, float]:
        return {"per_second": round(self.rate, 1), "p50_ms": round(self.p50_ms, 3),
                "p99_ms": round(self.p99_ms, 3), "count": len(self.latencies),
                "elapsed_s": round(self.elapsed, 3), "errors": sum(self.errors.values())}


async def hammer(db: Database, count: int, operation: Operation,
                 concurrency: int = CONCURRENCY) -> Timing:
    """``count`` operations, each in its own transaction, by ``concurrency`` tasks."""
    indexes = iter(range(count))
    latencies: list[float] = []
    errors: Counter[str] = Counter()

    async def worker() -> None:
        for index in indexes:  # one shared iterator: every index is taken once
            started = time.perf_counter()
            try:
                async with db.transaction() as session:
                    await operation(session, index)
            except Exception as exc:  # a benchmark counts failures, never stops
                errors[type(exc).__name__] += 1
                continue
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Timing(time.perf_counter() - started, latencies, errors)


async def sequential(db: Database, count: int, operation: Operation) -> Timing:
    """Read latencies: one call at a time, a session each."""
    latencies = []
    started = time.perf_counter()
    for index in range(count):
        t0 = time.perf_counter()
        async with db.session() as session:
            await operation(session, index)
        latencies.append(time.perf_counter() - t0)
    return Timing(time.perf_counter() - started, latencies)


def progress(message: str) -> None:
    print(f"  [inventory bench] {message}", flush=True)


# -- fixtures ---------------------------------------------------------------------------------

async def create_warehouses(db: Database, *codes: str) -> list[uuid.UUID]:
    ids = [uuid.uuid4() for _ in codes]
    async with db.transaction() as session:
        await session.execute(warehouses_table.insert(), [
            {"id": wid, "code": code, "name": f"Bench {code}", "branch_id": None,
             "allow_negative_stock": False, "transfer_days": 3, "active": True, "version": 1}
            for wid, code in zip(ids, codes, strict=True)])
    return ids


def product_row(product_id: uuid.UUID, sku: str, costing_method: str) -> dict[str, Any]:
    return {"id": product_id, "sku": sku, "name": f"Bench {sku}", "unit": "pcs",
            "costing_method": costing_method, "sale_price": Decimal("9.9900"), "currency": "CNY",
            "tax_rate": Decimal("0.13"), "category_id": None, "lot_tracked": False,
            "shelf_life_days": None, "active": True, "version": 1}


async def create_products(db: Database) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """The hot SKU and 10,000 others (every third one FIFO), by bulk Core inserts."""
    hot = uuid.uuid4()
    skus = [sku_id(n) for n in range(SKUS)]
    async with db.transaction() as session:
        await session.execute(products_table.insert(), [product_row(hot, "BENCH-HOT", "average")])
        for start in range(0, SKUS, 2_000):
            await session.execute(products_table.insert(), [
                product_row(skus[n], f"BENCH-{n:05d}", "fifo" if n % 3 == 0 else "average")
                for n in range(start, min(start + 2_000, SKUS))])
    return hot, skus


def issue(warehouse_id: uuid.UUID, product_id: uuid.UUID) -> Operation:
    async def run(session: AsyncSession, _: int) -> None:
        await post_move(session, move_type=MoveType.ISSUE, warehouse_id=warehouse_id,
                        lines=[MoveLine(product_id=product_id, quantity=Decimal(1))])
    return run


# -- 1-3: moves and reservations --------------------------------------------------------------

async def bench_moves_and_reservations(db: Database, hot: uuid.UUID, skus: list[uuid.UUID],
                                       w_hot: uuid.UUID, w_spread: uuid.UUID,
                                       rows: list[tuple[str, str]], metrics: dict[str, Any]
                                       ) -> None:
    chooser = random.Random(7)
    async with db.transaction() as session:
        await post_move(session, move_type=MoveType.RECEIPT, warehouse_id=w_hot, lines=[
            MoveLine(product_id=hot, quantity=Decimal(1_000_000), unit_cost=Decimal("3.2500"))])
    await hammer(db, WARMUP, issue(w_hot, hot))  # opens the pool's connections

    progress(f"1. {OPERATIONS} issue moves on one hot SKU")
    timing = await hammer(db, OPERATIONS, issue(w_hot, hot))
    rows.append(("inventory: issue move, 1 hot SKU", timing.throughput("moves")))
    metrics["issue_hot_sku"] = timing.metrics()

    progress(f"2. one receipt per SKU for {SKUS} SKUs")

    async def receive(session: AsyncSession, n: int) -> None:
        await post_move(session, move_type=MoveType.RECEIPT, warehouse_id=w_spread, lines=[
            MoveLine(product_id=skus[n], quantity=Decimal(1_000),
                     unit_cost=Decimal("2.5000") + Decimal(n % 7))])
    timing = await hammer(db, SKUS, receive)
    rows.append((f"inventory: receipt move, {SKUS} SKUs", timing.throughput("moves")))
    metrics["receipt_spread"] = timing.metrics()

    progress(f"2. {OPERATIONS} issue moves spread over {SKUS} SKUs")
    picks = [chooser.choice(skus) for _ in range(OPERATIONS)]

    async def issue_spread(session: AsyncSession, n: int) -> None:
        await issue(w_spread, picks[n])(session, n)
    timing = await hammer(db, OPERATIONS, issue_spread)
    rows.append((f"inventory: issue move, {SKUS} SKUs", timing.throughput("moves")))
    metrics["issue_spread"] = timing.metrics()

    progress(f"3. {OPERATIONS} reservations on one hot SKU")

    async def reserve_hot(session: AsyncSession, _: int) -> None:
        await reserve(session, uuid.uuid4(), [Line(hot, w_hot, Decimal(1))])
    timing = await hammer(db, OPERATIONS, reserve_hot)
    rows.append(("inventory: reserve, 1 hot SKU", timing.throughput("reservations")))
    metrics["reserve_hot_sku"] = timing.metrics()

    progress(f"3. {OPERATIONS} reservations spread over {SKUS} SKUs")
    picks = [chooser.choice(skus) for _ in range(OPERATIONS)]

    async def reserve_spread(session: AsyncSession, n: int) -> None:
        await reserve(session, uuid.uuid4(), [Line(picks[n], w_spread, Decimal(1))])
    timing = await hammer(db, OPERATIONS, reserve_spread)
    rows.append((f"inventory: reserve, {SKUS} SKUs", timing.throughput("reservations")))
    metrics["reserve_spread"] = timing.metrics()


# -- 4: queries over a big ledger -------------------------------------------------------------

# Ledger row n (0 ≤ n < total) is the k-th line (k = n / SKUS) of product n % SKUS in the bulk
# warehouse: +10 at 2.5 when k is even, −4 when odd, so each product's running total after
# line k is 10·⌊(k+2)/2⌋ − 4·⌊(k+1)/2⌋; LINES_PER_MOVE consecutive rows make one move. The
# rows are dated 30 s apart, ending now.
LOAD_MOVES = text("""
    INSERT INTO stock_move (id, number, type, reason, warehouse_id, created_by, created_at)
    SELECT md5('bench-move-' || m)::uuid, 'BULK-' || m,
           CASE WHEN (m * :lines / :skus) % 2 = 0 THEN 'receipt' ELSE 'issue' END,
           CASE WHEN (m * :lines / :skus) % 2 = 0 THEN 'purchase' ELSE 'sale' END,
           CAST(:warehouse AS uuid), 'bench',
           now() - make_interval(secs => (:total - m * :lines) * 30)
    FROM generate_series(CAST(:lo AS bigint) / :lines, CAST(:hi AS bigint) / :lines - 1) AS m
""")
LOAD_LEDGER = text("""
    INSERT INTO stock_ledger (move_id, line_no, product_id, warehouse_id, quantity, unit_cost,
                              value, on_hand_after, created_at)
    SELECT md5('bench-move-' || (n / :lines))::uuid, n % :lines,
           md5('bench-' || (n % :skus))::uuid, CAST(:warehouse AS uuid),
           CASE WHEN (n / :skus) % 2 = 0 THEN 10 ELSE -4 END, 2.5,
           CASE WHEN (n / :skus) % 2 = 0 THEN 25 ELSE -10 END,
           10 * ((n / :skus + 2) / 2) - 4 * ((n / :skus + 1) / 2),
           now() - make_interval(secs => (:total - n) * 30)
    FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint) - 1) AS n
    ORDER BY n
""")
LOAD_BALANCES = text("""
    INSERT INTO stock_balance (product_id, warehouse_id, costing_method, on_hand, value,
                               last_unit_cost, layers, last_seq)
    SELECT l.product_id, l.warehouse_id, p.costing_method, sum(l.quantity), sum(l.value), 2.5,
           CASE WHEN p.costing_method = 'fifo' AND sum(l.quantity) > 0 THEN jsonb_build_array(
               jsonb_build_object('source', 'bench-opening', 'quantity', sum(l.quantity)::text,
                                  'unit_cost', '2.5000', 'value', sum(l.value)::text))
                ELSE '[]'::jsonb END,
           max(l.seq)
    FROM stock_ledger l JOIN product p ON p.id = l.product_id
    WHERE l.warehouse_id = CAST(:warehouse AS uuid)
    GROUP BY l.product_id, l.warehouse_id, p.costing_method
    ON CONFLICT (product_id, warehouse_id) DO UPDATE SET
        on_hand = excluded.on_hand, value = excluded.value, layers = excluded.layers,
        last_unit_cost = excluded.last_unit_cost, last_seq = excluded.last_seq,
        updated_at = now()
""")
LOAD_SUPPLY = text("""
    INSERT INTO incoming_supply (purchase_order_id, product_id, warehouse_id, quantity)
    SELECT md5('bench-po-' || (n / 5))::uuid, md5('bench-' || n)::uuid,
           CAST(:warehouse AS uuid), 50
    FROM generate_series(0, CAST(:products AS bigint) - 1) AS n
""")


async def load_ledger(db: Database, w_bulk: uuid.UUID, total: int) -> float:
    started = time.perf_counter()
    for lo in range(0, total, LOAD_CHUNK):
        hi = min(lo + LOAD_CHUNK, total)
        params = {"lo": lo, "hi": hi, "total": total, "skus": SKUS, "lines": LINES_PER_MOVE,
                  "warehouse": w_bulk}
        async with db.transaction() as session:
            await session.execute(LOAD_MOVES, params)
            await session.execute(LOAD_LEDGER, params)
        progress(f"loading ledger rows: {hi}/{total} ({time.perf_counter() - started:.0f} s)")
    async with db.transaction() as session:
        await session.execute(LOAD_BALANCES, {"warehouse": w_bulk})
        await session.execute(LOAD_SUPPLY, {"warehouse": w_bulk, "products": SKUS // 2})
    async with db.engine.connect() as conn:
        autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(text("VACUUM ANALYZE"))
    return time.perf_counter() - started


async def bench_queries(db: Database, skus: list[uuid.UUID], hot: uuid.UUID,
                        w_bulk: uuid.UUID, w_small: uuid.UUID, ledger_rows: int,
                        rows: list[tuple[str, str]], metrics: dict[str, Any]) -> None:
    progress(f"4. bulk-loading {ledger_rows} ledger rows")
    loaded = await load_ledger(db, w_bulk, ledger_rows)
    async with db.session() as session:
        total = (await session.execute(text("SELECT count(*) FROM stock_ledger"))).scalar_one()
    rows.append(("inventory: bulk load (fixture)",
                 f"{ledger_rows} ledger rows + {ledger_rows // LINES_PER_MOVE} moves in "
                 f"{loaded:.1f} s (incl. balances, VACUUM ANALYZE); ledger now {total} rows"))
    metrics["ledger_rows"] = total
    chooser = random.Random(11)
    per_product = ledger_rows // SKUS

    async def one_position(session: AsyncSession, _: int) -> None:
        items, _cursor = await queries.stock(session, BENCH, product_id=chooser.choice(skus),
                                             warehouse_id=w_bulk, limit=100, cursor=None)
        assert len(items) == 1
    await sequential(db, 10, one_position)
    timing = await sequential(db, QUERY_CALLS, one_position)
    rows.append(("inventory: stock(product, warehouse)", timing.latency("calls, 1 row each")))
    metrics["query_stock_position"] = timing.metrics()

    async def warehouse_page(session: AsyncSession, _: int) -> None:
        items, _cursor = await queries.stock(session, BENCH, product_id=None,
                                             warehouse_id=w_bulk, limit=100, cursor=None)
        assert len(items) == 100
    timing = await sequential(db, QUERY_CALLS, warehouse_page)
    rows.append(("inventory: stock(warehouse) page 100",
                 timing.latency(f"calls, first page of {SKUS} positions")))
    metrics["query_stock_warehouse_page"] = timing.metrics()

    async def product_ledger(session: AsyncSession, _: int) -> None:
        items, _cursor = await queries.ledger_lines(
            session, BENCH, product_id=chooser.choice(skus), warehouse_id=None, move_id=None,
            limit=100, cursor=None)
        assert items
    timing = await sequential(db, QUERY_CALLS, product_ledger)
    rows.append(("inventory: ledger_lines(product) p.1",
                 timing.latency(f"calls, products with {per_product} lines each")))
    metrics["query_ledger_product"] = timing.metrics()

    async def hot_ledger(session: AsyncSession, _: int) -> None:
        await queries.ledger_lines(session, BENCH, product_id=hot, warehouse_id=None,
                                   move_id=None, limit=100, cursor=None)
    timing = await sequential(db, QUERY_CALLS, hot_ledger)
    async with db.session() as session:
        hot_lines = (await session.execute(text(
            "SELECT count(*) FROM stock_ledger WHERE product_id = :p"), {"p": hot})).scalar_one()
    rows.append(("inventory: ledger_lines(hot SKU) p.1",
                 timing.latency(f"calls, a product with {hot_lines} lines")))
    metrics["query_ledger_hot_product"] = timing.metrics()

    # Not asked for, but it shows what a warehouse filter costs: stock_ledger has no index
    # leading with warehouse_id, so the first page of a small warehouse whose lines are recent
    # (one receipt of 200 lines, posted after the bulk load) is found by scanning the ledger.
    async with db.transaction() as session:
        await post_move(session, move_type=MoveType.RECEIPT, warehouse_id=w_small, lines=[
            MoveLine(product_id=p, quantity=Decimal(5), unit_cost=Decimal(1)) for p in skus[:200]])

    async def warehouse_ledger(session: AsyncSession, _: int) -> None:
        items, _cursor = await queries.ledger_lines(
            session, BENCH, product_id=None, warehouse_id=w_small, move_id=None, limit=100,
            cursor=None)
        assert len(items) == 100
    timing = await sequential(db, QUERY_CALLS // 4, warehouse_ledger)
    rows.append(("inventory: ledger_lines(warehouse) p.1",
                 timing.latency(f"calls, a warehouse with 200 recent lines of {total + 200}")))
    metrics["query_ledger_warehouse"] = timing.metrics()

    started = time.perf_counter()
    async with db.session() as session:
        report = await queries.check_consistency(session)
    elapsed = time.perf_counter() - started
    rows.append(("inventory: check_consistency (all)",
                 f"{elapsed:.2f} s   ({report['checked']} positions, consistent="
                 f"{report['consistent']}, {len(report['mismatches'])} mismatches)"))
    metrics["check_consistency"] = {"seconds": round(elapsed, 3), "positions": report["checked"],
                                    "consistent": report["consistent"]}


# -- 5: stocktake -----------------------------------------------------------------------------

async def bench_stocktake(db: Database, skus: list[uuid.UUID], w_count: uuid.UUID,
                          rows: list[tuple[str, str]], metrics: dict[str, Any]) -> None:
    counted = skus[:COUNT_PRODUCTS]
    progress(f"5. stocktake of {len(counted)} products: receipt, entries, post")
    started = time.perf_counter()
    async with db.transaction() as session:
        await post_move(session, move_type=MoveType.RECEIPT, warehouse_id=w_count, lines=[
            MoveLine(product_id=p, quantity=Decimal(100), unit_cost=Decimal("4.2000"))
            for p in counted])
    receipt = time.perf_counter() - started
    rows.append((f"inventory: receipt, 1 move {len(counted)} lines",
                 f"{receipt:.2f} s   ({len(counted) / receipt:.0f} lines/s)"))
    metrics["receipt_big_move"] = {"seconds": round(receipt, 3), "lines": len(counted)}

    async with db.transaction() as session:
        count_id = (await counts.open_count(session, w_count)).id
    # Variance −4…+4 by product, zero for one in nine.
    entries = [counts.Entry(product_id=p, quantity=Decimal(100 + n % 9 - 4), scanner="bench")
               for n, p in enumerate(counted)]
    started = time.perf_counter()
    async with db.transaction() as session:
        await counts.add_entries(session, count_id, entries)
    added = time.perf_counter() - started
    started = time.perf_counter()
    async with db.transaction() as session:
        _count, found, move = await counts.post_count(session, count_id)
    posted = time.perf_counter() - started
    lines = len(move.lines) if move else 0
    rows.append((f"inventory: stocktake {len(counted)} products",
                 f"post_count {posted:.2f} s (1 move, {lines} variance lines, "
                 f"{len(found)} variances); add_entries({len(entries)}) {added:.2f} s"))
    metrics["stocktake"] = {"post_count_s": round(posted, 3), "add_entries_s": round(added, 3),
                            "entries": len(entries), "move_lines": lines}


# -- entry points -----------------------------------------------------------------------------

async def run_inventory_benchmarks(pg: EmbeddedPostgres, *, ledger_rows: int = LEDGER_ROWS
                                   ) -> list[tuple[str, str]]:
    started = time.perf_counter()
    pg.drop_database(DATABASE)
    pg.ensure_database(DATABASE)
    url = pg.url(DATABASE)
    await asyncio.to_thread(upgrade_to_head, MIGRATIONS, url)
    db = Database(url, pool_size=CONCURRENCY + 4)
    rows: list[tuple[str, str]] = []
    metrics: dict[str, Any] = {}
    try:
        w_hot, w_spread, w_bulk, w_count, w_small = await create_warehouses(
            db, "BENCH-HOT", "BENCH-SPREAD", "BENCH-BULK", "BENCH-COUNT", "BENCH-SMALL")
        hot, skus = await create_products(db)
        await bench_moves_and_reservations(db, hot, skus, w_hot, w_spread, rows, metrics)
        await bench_queries(db, skus, hot, w_bulk, w_small, ledger_rows, rows, metrics)
        await bench_stocktake(db, skus, w_count, rows, metrics)
    finally:
        await db.dispose()
    total = time.perf_counter() - started
    metrics["total_s"] = round(total, 1)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "generated_at": datetime.now(UTC).isoformat(), "cpus": os.cpu_count(),
        "concurrency": CONCURRENCY, "rows": [{"name": n, "result": r} for n, r in rows],
        "metrics": metrics}, indent=2, ensure_ascii=False) + "\n")
    progress(f"done in {total:.0f} s; rows written to {RESULTS}")
    return rows


async def main(ledger_rows: int) -> None:
    root = Path(tempfile.mkdtemp(prefix="jxc-bench-inventory-"))
    pg = EmbeddedPostgres(root / "pg", free_port())
    pg.start()
    try:
        rows = await run_inventory_benchmarks(pg, ledger_rows=ledger_rows)
    finally:
        pg.stop()
    print(f"\n{'benchmark':40} result")
    for name, result in rows:
        print(f"{name:40} {result}")


if __name__ == "__main__":
    # SQLModel's AsyncSession.execute warns about Core use, which is meant here.
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ledger-rows", type=int, default=LEDGER_ROWS,
                        help=f"bulk-loaded ledger rows (a multiple of {LOAD_CHUNK}; "
                             f"default {LEDGER_ROWS})")
    asyncio.run(main(parser.parse_args().ledger_rows))
