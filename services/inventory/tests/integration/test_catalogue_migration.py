"""Migration 0003 moves each product's single barcode into product_barcode
(normalised when it is a valid GTIN, kept as it was otherwise) and back on
downgrade; the chain 0001 → 0002 → 0003 → head upgrades."""

from __future__ import annotations

import asyncio
import uuid

import httpx
from alembic import command
from sqlalchemy import text

from jxc.inventory.bootstrap import MIGRATIONS, build
from jxc.inventory.settings import InventorySettings
from jxc.platform.app import create_app
from jxc.platform.db import Database
from jxc.platform.db.migrations import alembic_config, current_revision, head_revision
from jxc.platform.testing import Infrastructure, TokenIssuer, serving

PRODUCTS = {  # sku: the legacy barcode
    "A-UPC": "036000291452",       # valid UPC-A, but B holds its EAN-13: kept as it was
    "B-EAN": "0036000291452",      # already an EAN-13: keeps it
    "G-UPC": "012345678905",       # valid UPC-A: becomes its EAN-13
    "C-BAD": "ABC-1",              # not a GTIN: kept as it was
    "D-GTIN": "00096385074000",    # not valid either (wrong check digit)
    "E-8": "96385074",             # EAN-8: as it is
    "F-NONE": None,
}


async def migrate(url: str, revision: str, down: bool = False) -> None:
    config = alembic_config(MIGRATIONS, url)
    step = command.downgrade if down else command.upgrade
    await asyncio.to_thread(step, config, revision)


async def seed(db: Database) -> dict[str, uuid.UUID]:
    ids = {sku: uuid.uuid4() for sku in PRODUCTS}
    async with db.transaction() as session:
        for sku, barcode in PRODUCTS.items():
            await session.execute(text(
                "INSERT INTO product (id, sku, name, unit, barcode, costing_method, sale_price,"
                " currency, tax_rate, active, version) VALUES (:id, :sku, :sku, '个', :barcode,"
                " 'average', 1, 'CNY', 0.13, true, 1)"), {"id": ids[sku], "sku": sku,
                                                           "barcode": barcode})
    return ids


async def test_legacy_barcodes_move_to_product_barcode(infra: Infrastructure) -> None:
    url = infra.fresh_database("inventory_legacy")
    await migrate(url, "0002")
    db = Database(url)
    ids = await seed(db)
    await migrate(url, "head")
    assert await current_revision(url) == head_revision(MIGRATIONS)
    async with db.session() as session:
        moved = dict((await session.execute(text(
            "SELECT p.sku, b.barcode FROM product_barcode b JOIN product p ON p.id = b.product_id"
            " WHERE b.position = 0 AND b.unit = p.unit"))).all())
    assert moved == {"A-UPC": "036000291452", "B-EAN": "0036000291452", "C-BAD": "ABC-1",
                     "D-GTIN": "00096385074000", "E-8": "96385074", "G-UPC": "0012345678905"}

    issuer = TokenIssuer()
    spec = build(InventorySettings(database_url=url, kafka_bootstrap=infra.kafka_bootstrap))
    spec.jwks_fetcher = issuer.fetcher
    async with serving(create_app(spec, role="api")) as base, \
            httpx.AsyncClient(base_url=base, headers=issuer.headers("inventory:*")) as client:
        path = f"/api/v1/inventory/products/{ids['C-BAD']}"
        assert (await client.get(path)).json()["barcode"] == "ABC-1"
        stuck = await client.patch(path, json={"name": "renamed"})
        assert stuck.status_code == 422
        assert stuck.json()["errors"][0]["field"] == "barcodes"
        fixed = await client.patch(path, json={"name": "renamed", "barcodes": ["4006381333931"]})
        assert fixed.status_code == 200, fixed.text
        assert fixed.json()["barcode"] == "4006381333931"
        found = await client.get("/api/v1/inventory/products/by-barcode/0036000291452")
        assert found.json()["product"]["sku"] == "B-EAN"
        upc = await client.get("/api/v1/inventory/products/by-barcode/012345678905")
        assert upc.json()["product"]["sku"] == "G-UPC"
    await db.dispose()


async def test_downgrade_puts_the_primary_barcode_back(infra: Infrastructure) -> None:
    url = infra.fresh_database("inventory_down")
    await migrate(url, "0002")
    db = Database(url)
    await seed(db)
    await migrate(url, "0003")
    async with db.transaction() as session:
        await session.execute(text(
            "UPDATE product_barcode SET position = 1 WHERE barcode = '96385074'"))
        await session.execute(text(
            "INSERT INTO product_barcode (barcode, product_id, unit, position) "
            "SELECT '4006381333931', id, unit, 0 FROM product WHERE sku = 'E-8'"))
    await migrate(url, "0002", down=True)
    async with db.session() as session:
        back = dict((await session.execute(text(
            "SELECT sku, barcode FROM product ORDER BY sku"))).all())
    await db.dispose()
    assert back == {"A-UPC": "036000291452", "B-EAN": "0036000291452", "C-BAD": "ABC-1",
                    "D-GTIN": "00096385074000", "E-8": "4006381333931", "F-NONE": None,
                    "G-UPC": "0012345678905"}
