"""Inventory's product API on a migrated database: validation, ETags and the
ProductUpserted event in the outbox, committed with the change."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from jxc.contracts.topics import AUDIT_EVENTS
from jxc.inventory.bootstrap import MIGRATIONS, build
from jxc.inventory.settings import InventorySettings
from jxc.platform.app import create_app
from jxc.platform.db import Database
from jxc.platform.db.tables import outbox
from jxc.platform.testing import Infrastructure, TokenIssuer, migrated_database, serving


async def test_product_lifecycle_emits_events(infra: Infrastructure) -> None:
    url = await migrated_database(infra, MIGRATIONS, "inventory")
    issuer = TokenIssuer()
    spec = build(InventorySettings(database_url=url, kafka_bootstrap=infra.kafka_bootstrap))
    spec.jwks_fetcher = issuer.fetcher
    db = Database(url)
    async with serving(create_app(spec, role="api")) as base, \
            httpx.AsyncClient(base_url=base, headers=issuer.headers("inventory:*")) as client:
        body = {"sku": "A-1", "name": "Apple", "unit": "kg", "sale_price": 12.5}
        created = await client.post("/api/v1/inventory/products", json=body)
        assert created.status_code == 201, created.text
        product = created.json()
        assert product["sale_price"] == "12.5000"
        assert product["tax_rate"] == "0.1300"
        assert created.headers["etag"] == 'W/"1"'

        duplicate = await client.post("/api/v1/inventory/products", json=body)
        assert duplicate.status_code == 409
        assert duplicate.json()["code"] == "duplicate"

        bad = await client.post("/api/v1/inventory/products", json={
            "sku": "bad sku!", "name": "", "unit": "kg", "sale_price": "-1"})
        assert bad.status_code == 422
        assert {"name", "sale_price"} <= {e["field"] for e in bad.json()["errors"]}
        bad_sku = await client.post("/api/v1/inventory/products", json={**body, "sku": "b d"})
        assert bad_sku.status_code == 422
        assert bad_sku.json()["errors"][0]["field"] == "sku"

        path = f"/api/v1/inventory/products/{product['id']}"
        changed = await client.patch(path, json={"sale_price": "13"},
                                     headers={"If-Match": 'W/"1"'})
        assert changed.status_code == 200
        assert changed.json()["version"] == 2
        stale = await client.patch(path, json={"sale_price": "14"}, headers={"If-Match": 'W/"1"'})
        assert stale.status_code == 412
        assert (await client.get(path)).json()["sale_price"] == "13.0000"

        listed = await client.get("/api/v1/inventory/products", params={"limit": 1})
        assert listed.json()["items"][0]["sku"] == "A-1"
        forbidden = await client.post("/api/v1/inventory/products", json=body,
                                      headers=issuer.headers("inventory:read"))
        assert forbidden.status_code == 403

    async with db.session() as session:
        rows = (await session.execute(select(outbox.c.type, outbox.c.payload)
                                      .where(outbox.c.topic != AUDIT_EVENTS)
                                      .order_by(outbox.c.id))).all()
    assert [r.type for r in rows] == ["jxc.inventory.ProductUpserted.v1"] * 2
    assert rows[1].payload["sale_price"] == "13.0000"
    assert rows[1].payload["version"] == 2
    await db.dispose()
