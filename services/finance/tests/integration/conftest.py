"""A running finance service on a freshly migrated database, a client holding
every finance permission, and a way to publish contract events into Kafka."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from jxc.finance.adapters.tables import journal_entry, journal_line
from jxc.finance.bootstrap import MIGRATIONS, build
from jxc.finance.settings import FinanceSettings
from jxc.platform.app import Role, create_app
from jxc.platform.db import Database
from jxc.platform.testing import Infrastructure, TokenIssuer, migrated_database, serving


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
    spec = build(FinanceSettings(database_url=finance_url, kafka_bootstrap=infra.kafka_bootstrap,
                                 outbox_poll_seconds=0.2, **settings))
    spec.jwks_fetcher = issuer.fetcher
    return create_app(spec, role=role)


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
