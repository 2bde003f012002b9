"""Gross margin by product, customer, order and period from the posted
entries: a shipment of two products invoiced from sales' event, their cost
from inventory's StockIssued (lines tagged with product and order), and a
manual invoice nobody can attribute."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from jxc.contracts.inventory import StockIssued
from jxc.contracts.sales import SalesLine, SalesOrderShipped
from jxc.platform.envelope import new_id
from jxc.platform.testing import Infrastructure, eventually, send

from .conftest import Finance, whole_service

D = Decimal


def at(day: int, month: int = 7) -> datetime:
    return datetime(2025, month, day, 8, 0, tzinfo=UTC)


async def test_margins_by_group(finance: Finance, infra: Infrastructure) -> None:
    customer, order, warehouse = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    apple, pear = uuid.uuid4(), uuid.uuid4()
    shipped = SalesOrderShipped(
        order_id=order, number="SO-1", shipment_id=uuid.uuid4(), customer_id=customer,
        warehouse_id=warehouse, currency="CNY",
        lines=(SalesLine(product_id=apple, quantity=D(3), unit_price=D("33.3333"),
                         tax_rate=D(0)),
               SalesLine(product_id=pear, quantity=D(2), unit_price=D(50), tax_rate=D(0),
                         discount=D(10))),
        net=D(190), tax=D(0), total=D(190), complete=True, shipped_at=at(10))

    def issued(product: uuid.UUID, total: str) -> StockIssued:
        return StockIssued(warehouse_id=warehouse, product_id=product, move_id=uuid.uuid4(),
                           quantity=D(1), unit_cost=D(total), total_cost=D(total),
                           currency="CNY", reason="sale", order_id=order, on_hand_after=D(0),
                           occurred_at=at(10))

    api_client = finance.client
    async with whole_service(finance, infra):
        for message in (shipped, issued(apple, "60"), issued(pear, "70.5")):
            await send(infra, message, new_id())

        async def posted() -> bool:
            found = await finance.get("journal-entries", period="2025-07")
            return len(found["items"]) == 3
        await eventually(posted, timeout=120, what="the shipment and its cost")
    finance.client = api_client
    walk_in = str(uuid.uuid4())
    await finance.post("invoices", {"customer_id": walk_in, "net": "40", "tax": "0",
                                    "issued_on": "2025-08-02"})

    july = {"from": "2025-07-01", "to": "2025-07-31"}
    by_product = await finance.get("margins", group_by="product", **july)
    # 3 × 33.3333 = 99.9999 → 100.00; 2 × 50 − 10 = 90.00; together the invoice's 190
    assert {i["key"]: (i["revenue"], i["cost_of_sales"], i["gross_margin"])
            for i in by_product["items"]} == {
        str(apple): ("100.00", "60.00", "40.00"), str(pear): ("90.00", "70.50", "19.50")}
    assert by_product["total"]["gross_margin"] == "59.50"
    assert by_product["total"]["margin_pct"] == "31.32"
    by_order = await finance.get("margins", group_by="order", **july)
    assert [(i["key"], i["revenue"], i["cost_of_sales"]) for i in by_order["items"]] == [
        (str(order), "190.00", "130.50")]
    by_customer = await finance.get("margins", group_by="customer")
    assert {i["key"]: i["gross_margin"] for i in by_customer["items"]} == {
        str(customer): "59.50", walk_in: "40.00"}  # a manual invoice still has its customer
    by_period = await finance.get("margins", group_by="period")
    assert [(i["key"], i["revenue"], i["cost_of_sales"], i["gross_margin"])
            for i in by_period["items"]] == [("2025-07", "190.00", "130.50", "59.50"),
                                             ("2025-08", "40.00", "0.00", "40.00")]
    unattributed = await finance.get("margins", group_by="product", **{"from": "2025-08-01"})
    assert [(i["key"], i["revenue"]) for i in unattributed["items"]] == [(None, "40.00")]
    response = await finance.client.get("/api/v1/finance/margins", params={"group_by": "x"})
    assert response.status_code == 422
