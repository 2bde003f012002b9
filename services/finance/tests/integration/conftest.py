"""A running finance service on a freshly migrated database, a client holding
every finance permission, and a way to publish contract events into Kafka."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from jxc.contracts.procurement import GoodsReceived, GoodsReturned, ReceiptLine, ReturnLine
from jxc.finance.adapters.tables import grni_document, journal_entry, journal_line
from jxc.finance.bootstrap import MIGRATIONS, build
from jxc.finance.settings import FinanceSettings
from jxc.platform.app import Role
from jxc.platform.db import Database
from jxc.platform.testing import (
    Infrastructure,
    TokenIssuer,
    migrated_database,
    service_app,
    serving,
)


@dataclass
class Finance:
    client: httpx.AsyncClient
    db: Database
    url: str
    issuer: TokenIssuer

    async def post(self, path: str, body: dict[str, Any], expect: int = 201,
                   **kw: Any) -> dict[str, Any]:
        response = await self.client.post(f"/api/v1/finance/{path}", json=body, **kw)
        assert response.status_code == expect, response.text
        if expect >= 400:
            assert response.headers["content-type"] == "application/problem+json"
        return response.json()  # type: ignore[no-any-return]

    async def get(self, path: str, **params: Any) -> dict[str, Any]:
        response = await self.client.get(f"/api/v1/finance/{path}", params=params)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    async def ledger_size(self) -> tuple[int, int]:
        """(entries, lines): what a refused request must leave unchanged."""
        async with self.db.session() as session:
            entries = (await session.execute(
                select(func.count()).select_from(journal_entry))).scalar_one()
            lines = (await session.execute(
                select(func.count()).select_from(journal_line))).scalar_one()
        return entries, lines


def finance_app(finance_url: str, infra: Infrastructure, issuer: TokenIssuer,
                role: Role = "all", **settings: Any) -> Any:
    """finance on ``finance_url``; ``settings`` override FinanceSettings."""
    return service_app(build, FinanceSettings, finance_url, infra, issuer, role, **settings)


@contextlib.asynccontextmanager
async def whole_service(finance: Finance, infra: Infrastructure, *, subject: str | None = None,
                        **settings: Any) -> AsyncIterator[None]:
    """finance with its consumers running (every role) on the test's database:
    ``finance.client`` talks to it until the block ends."""
    headers = finance.issuer.headers("finance:*", **({"subject": subject} if subject else {}))
    async with serving(finance_app(finance.url, infra, finance.issuer, **settings)) as base, \
            httpx.AsyncClient(base_url=base, timeout=60, headers=headers) as client:
        api_only, finance.client = finance.client, client
        try:
            yield
        finally:
            finance.client = api_only


async def goods_recorded(finance: Finance, order_id: uuid.UUID, count: int) -> bool:
    """Whether finance has recorded ``count`` receipts and returns of the order."""
    async with finance.db.session() as session:
        return (await session.execute(select(func.count()).select_from(grni_document).where(
            grni_document.c.order_id == order_id))).scalar_one() == count  # type: ignore[no-any-return]


def ten_received_three_returned(order: uuid.UUID, supplier: uuid.UUID, warehouse: uuid.UUID,
                                product: uuid.UUID, at: datetime, number: str,
                                ) -> tuple[GoodsReceived, GoodsReturned]:
    """10 goods received at 100 (13 % VAT) against an order, and 3 of them sent back."""
    received = GoodsReceived(
        receipt_id=uuid.uuid4(), order_id=order, number=number, supplier_id=supplier,
        warehouse_id=warehouse, currency="CNY", received_at=at, lines=(ReceiptLine(
            product_id=product, quantity=Decimal(10), unit_cost=Decimal(100),
            tax_rate=Decimal("0.13")),))
    returned = GoodsReturned(
        return_id=uuid.uuid4(), order_id=order, supplier_id=supplier, warehouse_id=warehouse,
        currency="CNY", returned_at=at, lines=(ReturnLine(
            product_id=product, quantity=Decimal(3), unit_cost=Decimal(100),
            tax_rate=Decimal("0.13"), reason="damaged"),))
    return received, returned


@pytest.fixture
async def finance(infra: Infrastructure) -> AsyncIterator[Finance]:
    url = await migrated_database(infra, MIGRATIONS, "finance")
    issuer = TokenIssuer()
    db = Database(url)
    async with serving(finance_app(url, infra, issuer, role="api")) as base, \
            httpx.AsyncClient(base_url=base, headers=issuer.headers("finance:*"),
                              timeout=60) as client:
        yield Finance(client, db, url, issuer)
    await db.dispose()
