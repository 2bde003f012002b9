"""A running procurement service on a freshly migrated database, a client
holding every procurement permission, clients for other principals, the
replicas purchase orders need, and the events its outbox holds."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from jxc.contracts.inventory import ProductUpserted, WarehouseUpserted
from jxc.contracts.supplier import SupplierUpserted
from jxc.platform.app import Role
from jxc.platform.db import Database
from jxc.platform.db.tables import outbox
from jxc.platform.replica import upsert_newer
from jxc.platform.testing import (
    Infrastructure,
    TokenIssuer,
    migrated_database,
    service_app,
    serving,
)
from jxc.procurement.adapters.tables import ProductReplica
from jxc.procurement.bootstrap import MIGRATIONS, build
from jxc.procurement.service_layer import replicas
from jxc.procurement.settings import ProcurementSettings

BUYER = "00000000-0000-0000-0000-00000000b001"
MANAGER = "00000000-0000-0000-0000-00000000a001"
DIRECTOR = "00000000-0000-0000-0000-00000000d001"


@dataclass
class Procurement:
    client: httpx.AsyncClient
    """Holds ``procurement:*`` as the buyer (subject BUYER)."""
    db: Database
    url: str
    base: str
    issuer: TokenIssuer
    _clients: list[httpx.AsyncClient] = field(default_factory=list)

    def as_user(self, *permissions: str, subject: str = MANAGER, username: str = "someone",
                **scope: Any) -> httpx.AsyncClient:
        """A client for another principal (closed with the fixture)."""
        client = httpx.AsyncClient(base_url=self.base, timeout=60, headers=self.issuer.headers(
            *permissions, subject=subject, username=username, **scope))
        self._clients.append(client)
        return client

    async def post(self, path: str, body: dict[str, Any] | None = None, expect: int = 200,
                   client: httpx.AsyncClient | None = None) -> dict[str, Any]:
        response = await (client or self.client).post(f"/api/v1/procurement/{path}",
                                                      json=body)
        assert response.status_code == expect, response.text
        if expect >= 400:
            assert response.headers["content-type"] == "application/problem+json"
        return response.json()  # type: ignore[no-any-return]

    async def get(self, path: str, client: httpx.AsyncClient | None = None,
                  **params: Any) -> dict[str, Any]:
        response = await (client or self.client).get(f"/api/v1/procurement/{path}",
                                                     params=params)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    # -- replicas, written the way the consumers write them ------------------------
    async def supplier(self, *, status: str = "approved", currency: str = "CNY",
                       email: str | None = "orders@supplier.example", version: int = 1,
                       supplier_id: uuid.UUID | None = None, name: str = "Acme Tea") -> str:
        supplier_id = supplier_id or uuid.uuid4()
        async with self.db.transaction() as session:
            await replicas.keep_supplier(session, SupplierUpserted(
                supplier_id=supplier_id, code=f"S{supplier_id.hex[:8]}", name=name,
                status=status, currency=currency, email=email, version=version))
        return str(supplier_id)

    async def warehouse(self, branch_id: uuid.UUID | str | None = None) -> str:
        warehouse_id = uuid.uuid4()
        async with self.db.transaction() as session:
            await replicas.keep_warehouse(session, WarehouseUpserted(
                warehouse_id=warehouse_id, code=f"W{warehouse_id.hex[:8]}", name="Main store",
                branch_id=None if branch_id is None else uuid.UUID(str(branch_id)), version=1))
        return str(warehouse_id)

    async def product(self, tax_rate: str = "0.13") -> str:
        product_id = uuid.uuid4()
        event = ProductUpserted(
            product_id=product_id, sku=f"SKU-{product_id.hex[:8]}", name="Longjing tea",
            unit="box", costing_method="average", sale_price=Decimal(0), currency="CNY",
            tax_rate=Decimal(tax_rate), active=True, version=1)
        async with self.db.transaction() as session:
            await upsert_newer(session, ProductReplica.__table__, {"product_id": product_id}, {
                "sku": event.sku, "name": event.name, "unit": event.unit, "barcode": None,
                "tax_rate": event.tax_rate, "active": True, "version": 1})
        return str(product_id)

    async def events(self, type_name: str | None = None) -> list[dict[str, Any]]:
        """Payloads in the outbox, oldest first; only ``jxc.procurement.<type_name>.v1``."""
        query = select(outbox.c.type, outbox.c.payload).order_by(outbox.c.id)
        if type_name is not None:
            query = query.where(outbox.c.type == f"jxc.procurement.{type_name}.v1")
        async with self.db.session() as session:
            return [row.payload for row in (await session.execute(query)).all()]


def procurement_app(url: str, infra: Infrastructure, issuer: TokenIssuer, role: Role = "all",
                    **settings: Any) -> Any:
    """procurement on ``url``; ``settings`` override ProcurementSettings."""
    return service_app(build, ProcurementSettings, url, infra, issuer, role, **settings)


@pytest.fixture
async def procurement(infra: Infrastructure) -> AsyncIterator[Procurement]:
    url = await migrated_database(infra, MIGRATIONS, "procurement")
    issuer = TokenIssuer()
    db = Database(url)
    async with serving(procurement_app(url, infra, issuer, role="api")) as base, \
            httpx.AsyncClient(base_url=base, timeout=60, headers=issuer.headers(
                "procurement:*", subject=BUYER, username="buyer")) as client:
        service = Procurement(client, db, url, base, issuer)
        try:
            yield service
        finally:
            for other in service._clients:
                await other.aclose()
    await db.dispose()
