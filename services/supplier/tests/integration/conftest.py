"""A running supplier service on a freshly migrated database, a client holding
every supplier permission, a real SMTP server for its mail, and a way to read
its outbox."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from jxc.contracts import topics
from jxc.contracts.inventory import ProductUpserted
from jxc.platform.app import Role
from jxc.platform.db import Database
from jxc.platform.db.tables import outbox
from jxc.platform.envelope import Envelope, new_id
from jxc.platform.testing import (
    Infrastructure,
    SmtpServer,
    TokenIssuer,
    migrated_database,
    service_app,
    serving,
    smtp_server,
)
from jxc.supplier.bootstrap import MIGRATIONS, build
from jxc.supplier.entrypoints import consumers
from jxc.supplier.settings import SupplierSettings


@dataclass
class Supplier:
    client: httpx.AsyncClient
    db: Database
    url: str
    issuer: TokenIssuer
    smtp: SmtpServer

    async def call(self, method: str, path: str, body: Any = None, expect: int = 200,
                   **kw: Any) -> Any:
        response = await self.client.request(method, f"/api/v1/supplier/{path}", json=body,
                                             **kw)
        assert response.status_code == expect, response.text
        if expect >= 400:
            assert response.headers["content-type"] == "application/problem+json"
        return response.json()

    async def post(self, path: str, body: Any = None, expect: int = 201, **kw: Any) -> Any:
        return await self.call("POST", path, body, expect, **kw)

    async def get(self, path: str, expect: int = 200, **params: Any) -> Any:
        return await self.call("GET", path, expect=expect, params=params)

    async def new_supplier(self, code: str, **fields: Any) -> dict[str, Any]:
        return await self.post("suppliers", {"code": code, "name": f"Supplier {code}",  # type: ignore[no-any-return]
                                             **fields})

    async def known_product(self, product_id: uuid.UUID | None = None, active: bool = True,
                            version: int = 1) -> uuid.UUID:
        """Give the product replica a product, through the real handler of
        ``supplier.catalogue`` on the real database (no bus round trip)."""
        event = product_upserted(product_id or uuid.uuid4(), active=active, version=version)
        envelope = Envelope(id=str(new_id()), type=event.type_name, source=event.source,
                            subject=event.subject(), time=datetime.now(UTC).isoformat())
        async with self.db.transaction() as session:
            await consumers.keep_product(event, envelope, session)
        return event.product_id

    async def outbox(self, type_suffix: str | None = None) -> list[dict[str, Any]]:
        """Staged supplier events (payloads) in order, optionally of one type;
        the audit trail's records, written in the background, left out."""
        async with self.db.session() as session:
            rows = (await session.execute(
                select(outbox.c.type, outbox.c.payload)
                .where(outbox.c.topic == topics.SUPPLIER_EVENTS).order_by(outbox.c.id))).all()
        return [payload for kind, payload in rows
                if type_suffix is None or kind.endswith(f".{type_suffix}.v1")]


def product_upserted(product_id: uuid.UUID, active: bool = True,
                     version: int = 1) -> ProductUpserted:
    return ProductUpserted(product_id=product_id, sku=f"SKU-{product_id.hex[:8]}",
                           name="纸箱 60×40", unit="pcs", costing_method="average",
                           sale_price=Decimal(20), currency="CNY", tax_rate=Decimal("0.13"),
                           active=active, version=version)


def supplier_app(url: str, infra: Infrastructure, issuer: TokenIssuer, role: Role = "all",
                 **settings: Any) -> Any:
    return service_app(build, SupplierSettings, url, infra, issuer, role, **settings)


@pytest.fixture
async def supplier(infra: Infrastructure) -> AsyncIterator[Supplier]:
    url = await migrated_database(infra, MIGRATIONS, "supplier")
    issuer = TokenIssuer()
    db = Database(url)
    async with smtp_server() as smtp, \
            serving(supplier_app(url, infra, issuer, role="api", smtp_host=smtp.host,
                                 smtp_port=smtp.port, smtp_from="buyer@jxc.example",
                                 smtp_timeout_seconds=5)) as base, \
            httpx.AsyncClient(base_url=base, headers=issuer.headers("supplier:*"),
                              timeout=60) as client:
        yield Supplier(client, db, url, issuer, smtp)
    await db.dispose()
