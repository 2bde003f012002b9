"""A running inventory service (api role) on a freshly migrated database, and
a client holding every inventory permission."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest

from jxc.inventory.bootstrap import MIGRATIONS, build
from jxc.inventory.settings import InventorySettings
from jxc.platform.app import create_app
from jxc.platform.db import Database
from jxc.platform.testing import Infrastructure, TokenIssuer, migrated_database, serving


@dataclass
class Inventory:
    client: httpx.AsyncClient
    db: Database
    url: str
    issuer: TokenIssuer

    async def warehouse(self, code: str | None = None, **fields: Any) -> str:
        body = {"code": code or f"W{uuid.uuid4().hex[:8]}", "name": "Warehouse", **fields}
        response = await self.client.post("/api/v1/inventory/warehouses", json=body)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def product(self, sku: str | None = None, **fields: Any) -> str:
        body = {"sku": sku or f"P-{uuid.uuid4().hex[:10]}", "name": "Product", "unit": "个",
                **fields}
        response = await self.client.post("/api/v1/inventory/products", json=body)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def move(self, type_: str, warehouse_id: str, *lines: dict[str, Any],
                   expect: int = 201, **fields: Any) -> dict[str, Any]:
        response = await self.client.post("/api/v1/inventory/moves", json={
            "type": type_, "warehouse_id": warehouse_id, "lines": list(lines), **fields})
        assert response.status_code == expect, response.text
        return response.json()  # type: ignore[no-any-return]

    async def stock(self, product_id: str, warehouse_id: str) -> dict[str, Any]:
        response = await self.client.get("/api/v1/inventory/stock", params={
            "product_id": product_id, "warehouse_id": warehouse_id})
        assert response.status_code == 200, response.text
        items = response.json()["items"]
        return items[0] if items else {"on_hand": "0.0000", "available": "0.0000"}


def qty(value: str | int) -> Decimal:
    return Decimal(str(value))


@pytest.fixture
async def inventory(infra: Infrastructure) -> AsyncIterator[Inventory]:
    url = await migrated_database(infra, MIGRATIONS, "inventory")
    issuer = TokenIssuer()
    spec = build(InventorySettings(database_url=url, kafka_bootstrap=infra.kafka_bootstrap,
                                   database_pool_size=20))
    spec.jwks_fetcher = issuer.fetcher
    db = Database(url)
    async with serving(create_app(spec, role="api")) as base, \
            httpx.AsyncClient(base_url=base, headers=issuer.headers("inventory:*"),
                              timeout=60) as client:
        yield Inventory(client, db, url, issuer)
    await db.dispose()
