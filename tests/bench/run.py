"""``make bench``: throughput of the platform's hot paths on real, freshly
started infrastructure. Prints a table; asserts nothing (DESIGN.md §9).

1. outbox relay: events committed by inventory, published to Kafka
2. consumer: sales applying ProductUpserted to its replica (batched, inbox)
3. HTTP: POST /api/v1/inventory/products, end to end through the service
4. inventory's stock ledger: moves, reservations, queries, stocktake (inventory.py)
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

import httpx
from faststream.kafka import KafkaRouter
from finance import run_finance_benchmarks
from gateway import run_gateway_benchmarks
from inventory import run_inventory_benchmarks
from sqlalchemy import func, select

from jxc.contracts import topics
from jxc.contracts.inventory import ProductUpserted
from jxc.inventory.bootstrap import MIGRATIONS as INVENTORY_MIGRATIONS
from jxc.inventory.bootstrap import build as build_inventory
from jxc.inventory.settings import InventorySettings
from jxc.platform.app import create_app
from jxc.platform.bus import ConsumerRuntime, ensure_topics, make_broker
from jxc.platform.db import Database, upgrade_to_head
from jxc.platform.infra import EmbeddedBroker, EmbeddedPostgres, free_port
from jxc.platform.outbox import OutboxRelay, backlog, emit
from jxc.platform.testing import TokenIssuer, serving
from jxc.sales.adapters.tables import ProductReplica
from jxc.sales.bootstrap import MIGRATIONS as SALES_MIGRATIONS
from jxc.sales.entrypoints.consumers import catalogue
from jxc.sales.settings import SalesSettings

EVENTS = 5000
REQUESTS = 500


def product_event(n: int) -> ProductUpserted:
    return ProductUpserted(product_id=uuid.uuid4(), sku=f"SKU-{n:06d}", name=f"Product {n}",
                           unit="pcs", costing_method="average", sale_price=Decimal("9.9900"),
                           currency="CNY", tax_rate=Decimal("0.13"), active=True, version=1)


async def bench_relay(pg: EmbeddedPostgres, bootstrap: str) -> tuple[float, str]:
    url = pg.url("inventory")
    db = Database(url)
    for start in range(0, EVENTS, 100):
        async with db.transaction() as session:
            for n in range(start, start + 100):
                await emit(session, product_event(n))
    relay = OutboxRelay(db, "inventory", bootstrap, batch_size=500)
    started = time.perf_counter()
    task = asyncio.create_task(relay.run())
    while True:
        async with db.session() as session:
            if await backlog(session) == 0:
                break
        await asyncio.sleep(0.05)
    elapsed = time.perf_counter() - started
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await relay.close()
    await db.dispose()
    return EVENTS / elapsed, f"{EVENTS} events in {elapsed:.2f}s"


async def bench_consumer(pg: EmbeddedPostgres, bootstrap: str) -> tuple[float, str]:
    settings = SalesSettings(database_url=pg.url("sales"), kafka_bootstrap=bootstrap)
    db = Database(settings.database_url)
    broker = make_broker(settings)
    runtime = ConsumerRuntime(settings, db, broker)
    router = KafkaRouter()
    runtime.attach(router, catalogue)
    broker.include_router(router)
    start = asyncio.create_task(broker.start())
    first_seen: tuple[float, int] | None = None
    while True:
        async with db.session() as session:
            count = await session.scalar(select(func.count()).select_from(ProductReplica)) or 0
        if count and first_seen is None:
            first_seen = (time.perf_counter(), count)
        if count == EVENTS:
            break
        await asyncio.sleep(0.02)
    assert first_seen is not None
    elapsed = max(time.perf_counter() - first_seen[0], 1e-3)
    applied = EVENTS - first_seen[1]
    await start
    await broker.stop()
    await db.dispose()
    return applied / elapsed, f"{applied} events in {elapsed:.2f}s after the group joined"


async def bench_http(pg: EmbeddedPostgres, bootstrap: str) -> tuple[float, str]:
    issuer = TokenIssuer()
    spec = build_inventory(InventorySettings(database_url=pg.url("inventory"),
                                             kafka_bootstrap=bootstrap, log_level="WARNING"))
    spec.jwks_fetcher = issuer.fetcher
    latencies = []
    async with serving(create_app(spec, role="api")) as base, httpx.AsyncClient(
            base_url=base, headers=issuer.headers("*")) as client:
        started = time.perf_counter()
        for n in range(REQUESTS):
            t0 = time.perf_counter()
            response = await client.post("/api/v1/inventory/products", json={
                "sku": f"HTTP-{n:05d}", "name": f"Bench {n}", "unit": "pcs",
                "sale_price": "1.50"})
            latencies.append(time.perf_counter() - t0)
            response.raise_for_status()
        elapsed = time.perf_counter() - started
    p50 = statistics.median(latencies) * 1000
    p95 = statistics.quantiles(latencies, n=20)[18] * 1000
    return REQUESTS / elapsed, f"p50 {p50:.1f} ms, p95 {p95:.1f} ms (client in the same process)"


async def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="jxc-bench-"))
    pg = EmbeddedPostgres(root / "pg", free_port())
    broker = EmbeddedBroker(free_port(), root / "tansu.log")
    pg.start()
    broker.start()
    try:
        for name, migrations in (("inventory", INVENTORY_MIGRATIONS), ("sales", SALES_MIGRATIONS)):
            pg.ensure_database(name)
            await asyncio.to_thread(upgrade_to_head, migrations, pg.url(name))
        await ensure_topics(broker.bootstrap, [topics.INVENTORY_EVENTS,
                                               topics.retry_topic(topics.INVENTORY_EVENTS),
                                               topics.dlq_topic(topics.INVENTORY_EVENTS)])
        results = [("outbox relay → Kafka", *await bench_relay(pg, broker.bootstrap)),
                   ("consumer → replica (batched)", *await bench_consumer(pg, broker.bootstrap)),
                   ("HTTP POST product (+outbox)", *await bench_http(pg, broker.bootstrap))]
        inventory_rows = await run_inventory_benchmarks(pg)
        inventory_rows += await run_gateway_benchmarks(pg, root, broker.bootstrap)
        inventory_rows += await run_finance_benchmarks(pg)
    finally:
        broker.stop()
        pg.stop()
    print(f"\n{'benchmark':40} {'per second':>12}  detail")
    for name, rate, detail in results:
        print(f"{name:40} {rate:12.0f}  {detail}")
    for name, result in inventory_rows:
        print(f"{name:40} {'':>12}  {result}")


if __name__ == "__main__":
    asyncio.run(main())
