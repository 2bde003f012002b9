"""The scorecard and the spend classification from procurement's contract
events (and the product replica from inventory's), published to the real
Kafka broker and consumed by supplier's worker; a redelivered or re-sent
event changes nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import select

from jxc.contracts.procurement import (
    GoodsReceived,
    GoodsReturned,
    PurchaseLine,
    PurchaseOrderApproved,
    PurchaseOrderCancelled,
    PurchaseOrderClosed,
    ReceiptLine,
    ReturnLine,
)
from jxc.platform.envelope import new_id
from jxc.platform.testing import Infrastructure, eventually, send, serving
from jxc.supplier.adapters.tables import purchase_order_fact
from jxc.supplier.domain.scorecard import month_of

from .conftest import Supplier, product_upserted, supplier_app

D = Decimal
WAREHOUSE = uuid.uuid4()
PRODUCT = uuid.uuid4()
NOW = datetime.now(UTC).replace(microsecond=0)
T = (NOW - timedelta(days=50)).replace(hour=8, minute=0, second=0)


def approved(order_id: uuid.UUID, supplier_id: uuid.UUID, price: str, revision: int,
             at: datetime, quantity: str = "100") -> PurchaseOrderApproved:
    net = D(price) * D(quantity)
    return PurchaseOrderApproved(
        order_id=order_id, number=f"PO-{order_id.hex[:6]}", supplier_id=supplier_id,
        warehouse_id=WAREHOUSE, currency="CNY",
        lines=(PurchaseLine(product_id=PRODUCT, quantity=D(quantity), unit_price=D(price),
                            tax_rate=D("0.13")),),
        net=net, tax=D(0), total=net, approved_at=at, expected_at=T + timedelta(days=9),
        revision=revision)


def received(receipt_id: uuid.UUID, order_id: uuid.UUID, supplier_id: uuid.UUID,
             accepted: str, rejected: str, at: datetime,
             due_at: datetime | None = None) -> GoodsReceived:
    return GoodsReceived(
        receipt_id=receipt_id, order_id=order_id, number=f"GR-{receipt_id.hex[:6]}",
        supplier_id=supplier_id, warehouse_id=WAREHOUSE, currency="CNY",
        lines=(ReceiptLine(product_id=PRODUCT, quantity=D(accepted), unit_cost=D("10.5"),
                           tax_rate=D("0.13"), rejected_quantity=D(rejected)),),
        received_at=at, due_at=due_at)


def returned(order_id: uuid.UUID, supplier_id: uuid.UUID, quantity: str,
             at: datetime) -> GoodsReturned:
    return GoodsReturned(
        return_id=uuid.uuid4(), order_id=order_id, supplier_id=supplier_id,
        warehouse_id=WAREHOUSE, currency="CNY",
        lines=(ReturnLine(product_id=PRODUCT, quantity=D(quantity), unit_cost=D("10.5"),
                          tax_rate=D("0.13"), reason="damaged"),),
        returned_at=at)


async def test_scorecard_and_classification_from_procurement_events(
        supplier: Supplier, infra: Infrastructure) -> None:
    acme = await supplier.new_supplier("ACME", category="packaging")
    bolt = await supplier.new_supplier("BOLT", category="packaging")
    coil = await supplier.new_supplier("COIL", category="hardware")
    acme_id, bolt_id = uuid.UUID(acme["id"]), uuid.UUID(bolt["id"])

    po1, po2, po3 = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    gr1, gr2 = uuid.uuid4(), uuid.uuid4()
    first_receipt = received(gr1, po1, acme_id, "60", "2", T + timedelta(days=8))
    first_receipt_id = new_id()
    old_revision = approved(po1, acme_id, "11", 1, T)
    events: list[tuple[Any, uuid.UUID]] = [
        (old_revision, new_id()),
        (approved(po1, acme_id, "10.5", 2, T + timedelta(days=1)), new_id()),
        (first_receipt, first_receipt_id),
        (received(gr2, po1, acme_id, "38", "0", T + timedelta(days=41),
                  due_at=T + timedelta(days=39)), new_id()),
        (returned(po1, acme_id, "5", T + timedelta(days=45)), new_id()),
        (PurchaseOrderClosed(order_id=po1, number="PO-1"), new_id()),
        (approved(po2, acme_id, "20", 1, T + timedelta(days=2)), new_id()),
        (PurchaseOrderCancelled(order_id=po2, number="PO-2", reason="duplicate"), new_id()),
        (approved(po3, bolt_id, "1", 1, T + timedelta(days=3)), new_id()),
    ]
    window = {"from": str((T - timedelta(days=1)).date()), "to": str(NOW.date())}
    path = f"suppliers/{acme['id']}/scorecard"

    async with serving(supplier_app(supplier.url, infra, supplier.issuer)) as base, \
            httpx.AsyncClient(base_url=base, timeout=60,
                              headers=supplier.issuer.headers("supplier:read")) as client:
        supplier.client = client
        # the product reaches the replica from inventory's event on the bus
        await send(infra, product_upserted(PRODUCT), new_id())

        async def priced() -> bool:
            response = await client.post(f"/api/v1/supplier/suppliers/{acme['id']}/prices", json={
                "product_id": str(PRODUCT), "unit_price": "10", "min_quantity": "1",
                "lead_time_days": 7, "valid_from": str((T - timedelta(days=10)).date())},
                headers=supplier.issuer.headers("supplier:write"))
            assert response.status_code in (201, 422), response.text
            return response.status_code == 201
        await eventually(priced, timeout=120, what="the product in the replica")

        for message, event_id in events:
            await send(infra, message, event_id)

        expected = {
            "deliveries": 2, "promised_deliveries": 2, "on_time_deliveries": 1,
            "ordered_quantity": "100.0000", "filled_quantity": "98.0000",
            "accepted_quantity": "98.0000", "rejected_quantity": "2.0000",
            "returned_quantity": "5.0000", "on_time_rate": "50.00", "fill_rate": "98.00",
            "quality_acceptance_rate": "98.00", "price_variance": "5.00",
            "average_lead_time_days": "24.50"}

        async def complete() -> Any:
            card = await supplier.get(path, **window)
            return card if card["totals"] == expected else None
        card = await eventually(complete, timeout=120, what=f"ACME's scorecard {expected}")
        history = {m["month"]: m for m in card["history"]}
        assert set(history) == {month_of(T + timedelta(days=1)), month_of(T + timedelta(days=8)),
                                month_of(T + timedelta(days=41)),
                                month_of(T + timedelta(days=45)), month_of(NOW)}
        assert sum(m["deliveries"] for m in card["history"]) == 2
        assert history[month_of(NOW)]["fill_rate"] == "98.00"
        assert card["from"] == window["from"]

        async def other_orders_seen() -> bool:
            async with supplier.db.session() as session:
                rows = (await session.execute(
                    select(purchase_order_fact.c.order_id, purchase_order_fact.c.cancelled_at)
                    .where(purchase_order_fact.c.order_id.in_([po2, po3])))).all()
            return {order_id: cancelled is not None for order_id, cancelled in rows} == {
                po2: True, po3: False}
        await eventually(other_orders_seen, timeout=120, what="PO2 cancelled and PO3")
        classes = await supplier.get("classification", months=12)
        by_code = {s["code"]: s for s in classes["suppliers"]}
        assert [(s["code"], s["spend_class"]) for s in classes["suppliers"]] == [
            ("ACME", "A"), ("BOLT", "B"), ("COIL", "C")]
        assert (by_code["ACME"]["spend"], by_code["BOLT"]["spend"]) == ("1050.0000", "100.0000")
        in_packaging = await supplier.get("classification", category="packaging")
        assert [s["code"] for s in in_packaging["suppliers"]] == ["ACME", "BOLT"]
        assert coil["id"] == by_code["COIL"]["supplier_id"]

        # redelivered (same id: the inbox) and re-sent (new id: unique facts) events,
        # then a marker on the same partition: once it counts, the others were seen
        await send(infra, first_receipt, first_receipt_id)
        await send(infra, first_receipt, new_id())
        await send(infra, old_revision, new_id())
        await send(infra, PurchaseOrderClosed(order_id=po1, number="PO-1"), new_id())
        await send(infra, returned(po1, acme_id, "1", T + timedelta(days=45)), new_id())

        async def marker_counted() -> Any:
            again = await supplier.get(path, **window)
            return again if again["totals"]["returned_quantity"] == "6.0000" else None
        again = await eventually(marker_counted, timeout=120, what="the marker return")
        assert again["totals"] == {**expected, "returned_quantity": "6.0000"}
        assert again["history"] == [
            {**m, "returned_quantity": "6.0000"} if m["month"] == month_of(
                T + timedelta(days=45)) else m for m in card["history"]]

        refused = await supplier.get(path, expect=422,
                                     **{"from": "2026-02-01", "to": "2026-01-01"})
        assert refused["code"] == "validation_error"
        await supplier.get(f"suppliers/{uuid.uuid4()}/scorecard", expect=404)
