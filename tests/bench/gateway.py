"""Gateway and login benchmarks (part of ``make bench``; asserts nothing).

1. An authenticated ``GET /api/v1/inventory/warehouses`` straight to
   inventory, then the same through the gateway (JWT check, Redis rate
   limit, streaming proxy): requests/s, p50/p99, and the gateway's overhead.
2. Password logins per second with the argon2id parameters identity uses.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx

from jxc.gateway.app import create_gateway
from jxc.gateway.settings import GatewaySettings, Rate
from jxc.identity.bootstrap import MIGRATIONS as IDENTITY_MIGRATIONS
from jxc.identity.bootstrap import build as build_identity
from jxc.identity.settings import IdentitySettings
from jxc.inventory.bootstrap import MIGRATIONS as INVENTORY_MIGRATIONS
from jxc.inventory.bootstrap import build as build_inventory
from jxc.inventory.settings import InventorySettings
from jxc.platform.app import create_app
from jxc.platform.db import upgrade_to_head
from jxc.platform.infra import EmbeddedPostgres, EmbeddedRedis, free_port
from jxc.platform.testing import serving

REQUESTS = 2000
LOGINS = 100
CONCURRENCY = 16
PASSWORD = "bench-admin-password"
PLENTY = Rate(per_second=1_000_000, burst=1_000_000)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def load(client: httpx.AsyncClient, count: int, request: object) -> tuple[float, str]:
    latencies: list[float] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(count):
        queue.put_nowait(n)

    async def worker() -> None:
        while not queue.empty():
            queue.get_nowait()
            started = time.perf_counter()
            response = await request(client)  # type: ignore[operator]
            latencies.append(time.perf_counter() - started)
            assert response.status_code == 200, response.text
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    rate = count / (time.perf_counter() - started)
    return rate, (f"p50 {percentile(latencies, 0.5) * 1000:6.2f} ms   "
                  f"p99 {percentile(latencies, 0.99) * 1000:6.2f} ms   "
                  f"({count}, concurrency {CONCURRENCY})")


async def run_gateway_benchmarks(pg: EmbeddedPostgres, root: Path,
                                 bootstrap: str) -> list[tuple[str, str]]:
    redis = EmbeddedRedis(free_port(), root / "redis")
    redis.start()
    try:
        for name, migrations in (("bench_identity", IDENTITY_MIGRATIONS),
                                 ("bench_inventory_gw", INVENTORY_MIGRATIONS)):
            pg.ensure_database(name)
            await asyncio.to_thread(upgrade_to_head, migrations, pg.url(name))
        identity = IdentitySettings(database_url=pg.url("bench_identity"),
                                    kafka_bootstrap=bootstrap, redis_url=redis.url,
                                    admin_password=PASSWORD, audit_enabled=False)
        async with serving(create_app(build_identity(identity), role="api")) as identity_url:
            jwks = f"{identity_url}/.well-known/jwks.json"
            inventory = InventorySettings(database_url=pg.url("bench_inventory_gw"),
                                          jwks_url=jwks, kafka_bootstrap=bootstrap,
                                          redis_url=redis.url, audit_enabled=False)
            async with serving(create_app(build_inventory(inventory), role="api")) as inv_url:
                gateway = GatewaySettings(
                    upstreams={"identity": identity_url, "inventory": inv_url},
                    jwks_url=jwks, redis_url=redis.url,
                    rate_limits={"standard": PLENTY, "premium": PLENTY, "ip": PLENTY,
                                 "login": PLENTY})
                async with serving(create_gateway(gateway)) as gateway_url, \
                        httpx.AsyncClient(timeout=30) as client:
                    return await _measure(client, identity_url, inv_url, gateway_url)
    finally:
        redis.stop()


async def _measure(client: httpx.AsyncClient, identity_url: str, inventory_url: str,
                   gateway_url: str) -> list[tuple[str, str]]:
    for _ in range(100):
        token_response = await client.post(f"{identity_url}/api/v1/identity/token",
                                           data={"username": "admin", "password": PASSWORD})
        if token_response.status_code == 200:
            break
        await asyncio.sleep(0.1)
    headers = {"Authorization": f"Bearer {token_response.json()['access_token']}"}
    path = "/api/v1/inventory/warehouses"
    await client.post(f"{inventory_url}{path}", headers=headers,
                      json={"code": "BENCH", "name": "Bench"})

    def get(base: str) -> object:
        return lambda c: c.get(f"{base}{path}", headers=headers)
    direct_rate, direct = await load(client, REQUESTS, get(inventory_url))
    gateway_rate, through = await load(client, REQUESTS, get(gateway_url))

    def login(c: httpx.AsyncClient) -> object:
        return c.post(f"{identity_url}/api/v1/identity/token",
                      data={"username": "admin", "password": PASSWORD})
    login_rate, logins = await load(client, LOGINS, login)
    return [
        ("gateway: GET warehouses, direct", f"{direct_rate:6.0f} req/s   {direct}"),
        ("gateway: GET warehouses, via gateway", f"{gateway_rate:6.0f} req/s   {through}"),
        ("gateway: overhead", f"throughput ratio {gateway_rate / direct_rate:.2f} "
                              "(gateway / direct; all processes share 2 cores)"),
        ("identity: password login (argon2id)", f"{login_rate:6.1f} logins/s   {logins}"),
    ]
