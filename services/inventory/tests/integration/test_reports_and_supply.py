"""Valuation and turnover by warehouse and category, overdue transfers, and
procurement's events stocking goods in and projecting incoming supply."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import update

from jxc.contracts.procurement import (
    GoodsReceived,
    PurchaseLine,
    PurchaseOrderApproved,
    ReceiptLine,
)
from jxc.inventory.adapters.stock_tables import TransferRow
from jxc.inventory.bootstrap import build
from jxc.inventory.service_layer.moves import mark_overdue_transfers
from jxc.inventory.settings import InventorySettings
from jxc.platform.app import create_app
from jxc.platform.envelope import new_id
from jxc.platform.testing import Infrastructure, eventually, send, serving

from .conftest import Inventory


async def test_valuation_and_turnover(inventory: Inventory) -> None:
    north, south = await inventory.warehouse(), await inventory.warehouse()
    category = await inventory.client.post("/api/v1/inventory/categories",
                                           json={"code": f"C{uuid.uuid4().hex[:6]}",
                                                 "name": "Tea"})
    assert category.status_code == 201, category.text
    tea = await inventory.product(category_id=category.json()["id"])
    cups = await inventory.product()
    await inventory.move("receipt", north, {"product_id": tea, "quantity": 10,
                                            "unit_cost": 20},
                         {"product_id": cups, "quantity": 10, "unit_cost": 1})
    await inventory.move("receipt", south, {"product_id": tea, "quantity": 5, "unit_cost": 20})
    await inventory.move("issue", north, {"product_id": tea, "quantity": 5}, reason="sale")

    by_warehouse = (await inventory.client.get("/api/v1/inventory/valuation")).json()
    values = {item["warehouse_id"]: item["value"] for item in by_warehouse["items"]}
    assert values == {north: "110.0000", south: "100.0000"}
    by_category = (await inventory.client.get("/api/v1/inventory/valuation",
                                              params={"group_by": "category"})).json()
    assert {item["category_id"]: item["value"] for item in by_category["items"]} == {
        category.json()["id"]: "200.0000", None: "10.0000"}

    today = datetime.now(UTC).date()
    turnover = (await inventory.client.get("/api/v1/inventory/turnover", params={
        "start": today.isoformat(), "end": today.isoformat()})).json()
    north_row = next(i for i in turnover["items"] if i["warehouse_id"] == north)
    # cost of sales 100 over average stock (0 + 110) / 2 = 55
    assert (north_row["cogs"], north_row["average_value"], north_row["turnover"]) == (
        "100.0000", "55.0000", "1.8182")
    backwards = await inventory.client.get("/api/v1/inventory/turnover", params={
        "start": today.isoformat(), "end": (today - timedelta(days=1)).isoformat()})
    assert backwards.status_code == 422


async def test_overdue_transfer_raises_an_alert_that_clears_on_receipt(
        inventory: Inventory) -> None:
    north, south = await inventory.warehouse(), await inventory.warehouse(transfer_days=1)
    product = await inventory.product()
    await inventory.move("receipt", north, {"product_id": product, "quantity": 3,
                                            "unit_cost": 2})
    sent = await inventory.move("transfer", north, {"product_id": product, "quantity": 3},
                                to_warehouse_id=south)
    async with inventory.db.transaction() as session:
        assert await mark_overdue_transfers(session) == 0
        await session.execute(update(TransferRow.__table__).where(
            TransferRow.__table__.c.id == uuid.UUID(sent["transfer_id"])
        ).values(due_at=datetime.now(UTC) - timedelta(minutes=1)))
        assert await mark_overdue_transfers(session) == 1
    alerts = (await inventory.client.get("/api/v1/inventory/alerts",
                                         params={"kind": "transfer"})).json()["items"]
    assert [a["subject"] for a in alerts] == [sent["transfer_id"]]
    received = await inventory.client.post(
        f"/api/v1/inventory/transfers/{sent['transfer_id']}/receive")
    assert received.status_code == 201, received.text
    alerts = (await inventory.client.get("/api/v1/inventory/alerts",
                                         params={"kind": "transfer"})).json()["items"]
    assert alerts == []


async def test_procurement_events_project_and_receive_supply(
        inventory: Inventory, infra: Infrastructure) -> None:
    wh = await inventory.warehouse()
    product = await inventory.product()
    order_id = uuid.uuid4()
    now = datetime.now(UTC)
    approved = PurchaseOrderApproved(
        order_id=order_id, number="PO-2026-000001", supplier_id=uuid.uuid4(),
        warehouse_id=uuid.UUID(wh), currency="CNY", net=Decimal(80), tax=Decimal("10.4"),
        total=Decimal("90.4"), approved_at=now, lines=(PurchaseLine(
            product_id=uuid.UUID(product), quantity=Decimal(10), unit_price=Decimal(8),
            tax_rate=Decimal("0.13")),))
    received = GoodsReceived(
        receipt_id=uuid.uuid4(), order_id=order_id, number="GR-2026-000001",
        supplier_id=approved.supplier_id, warehouse_id=uuid.UUID(wh), currency="CNY",
        received_at=now, lines=(ReceiptLine(product_id=uuid.UUID(product),
                                            quantity=Decimal(4), unit_cost=Decimal(8),
                                            tax_rate=Decimal("0.13")),))
    spec = build(InventorySettings(database_url=inventory.url,
                                   kafka_bootstrap=infra.kafka_bootstrap))
    spec.jwks_fetcher = inventory.issuer.fetcher
    async with serving(create_app(spec, role="worker")):
        await send(infra, approved, new_id())

        async def incoming(expected: str) -> bool:
            return (await inventory.stock(product, wh)).get("incoming") == expected
        # No balance row exists before stock moves, so the projection shows once one does.
        await inventory.move("receipt", wh, {"product_id": product, "quantity": 1,
                                             "unit_cost": 8})
        await eventually(lambda: incoming("10.0000"), timeout=120, what="incoming supply")
        receipt_id = new_id()
        await send(infra, received, receipt_id)
        await send(infra, received, receipt_id)

        async def stocked() -> bool:
            stock = await inventory.stock(product, wh)
            return (stock["on_hand"], stock["incoming"]) == ("5.0000", "6.0000")
        await eventually(stocked, timeout=120, what="goods received once")
    ledger = (await inventory.client.get("/api/v1/inventory/ledger",
                                         params={"product_id": product})).json()["items"]
    assert [(row["reason"], row["reference"]) for row in ledger] == [
        ("purchase", None), ("purchase", "GR-2026-000001")]


async def test_a_reapproved_revision_replaces_the_incoming_supply(
        inventory: Inventory, infra: Infrastructure) -> None:
    wh = await inventory.warehouse()
    tea, cups = await inventory.product(), await inventory.product()
    order_id, supplier_id, now = uuid.uuid4(), uuid.uuid4(), datetime.now(UTC)

    def approved(revision: int, *lines: tuple[str, int]) -> PurchaseOrderApproved:
        return PurchaseOrderApproved(
            order_id=order_id, number="PO-202611-00007", supplier_id=supplier_id,
            warehouse_id=uuid.UUID(wh), currency="CNY", net=Decimal(1), tax=Decimal(0),
            total=Decimal(1), approved_at=now, revision=revision, lines=tuple(
                PurchaseLine(product_id=uuid.UUID(p), quantity=Decimal(q), unit_price=Decimal(8),
                             tax_rate=Decimal("0.13")) for p, q in lines))

    for product in (tea, cups):
        await inventory.move("receipt", wh, {"product_id": product, "quantity": 1,
                                             "unit_cost": 8})
    spec = build(InventorySettings(database_url=inventory.url,
                                   kafka_bootstrap=infra.kafka_bootstrap))
    spec.jwks_fetcher = inventory.issuer.fetcher

    async def incoming(expected: dict[str, str]) -> bool:
        return {p: (await inventory.stock(p, wh)).get("incoming") for p in expected} == expected

    async with serving(create_app(spec, role="worker")):
        await send(infra, approved(1, (tea, 10), (cups, 5)), new_id())
        await eventually(lambda: incoming({tea: "10.0000", cups: "5.0000"}), timeout=120,
                         what="revision 1 expected")
        await send(infra, GoodsReceived(
            receipt_id=uuid.uuid4(), order_id=order_id, number="PO-202611-00007",
            supplier_id=supplier_id, warehouse_id=uuid.UUID(wh), currency="CNY",
            received_at=now, lines=(ReceiptLine(product_id=uuid.UUID(tea), quantity=Decimal(4),
                                                unit_cost=Decimal(8),
                                                tax_rate=Decimal("0.13")),)), new_id())
        await eventually(lambda: incoming({tea: "6.0000", cups: "5.0000"}), timeout=120,
                         what="receipt counted")
        # Revision 2 orders 12 tea and drops the cups: 12 - 4 received are still to come.
        await send(infra, approved(2, (tea, 12)), new_id())
        await eventually(lambda: incoming({tea: "8.0000", cups: "0.0000"}), timeout=120,
                         what="revision 2 replaces revision 1")
