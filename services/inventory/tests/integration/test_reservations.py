"""Reservations never oversell under concurrency, and the saga's stock commands
arriving over Kafka have one effect however often they are delivered, also
across a restart of the service."""

from __future__ import annotations

import asyncio
import random
import uuid
from decimal import Decimal

import httpx
from sqlalchemy import func, select

from jxc.contracts.base import Message, decode
from jxc.contracts.inventory import (
    IssueReservedStock,
    ReleaseReservation,
    ReservationLine,
    ReserveStock,
)
from jxc.inventory.adapters.stock_tables import reservations
from jxc.inventory.bootstrap import build
from jxc.inventory.settings import InventorySettings
from jxc.platform.app import create_app
from jxc.platform.envelope import new_id
from jxc.platform.testing import Infrastructure, eventually, send, serving, topic_reader

from .conftest import Inventory


async def _reserve(client: httpx.AsyncClient, product: str, wh: str, quantity: int) -> int:
    response = await client.post("/api/v1/inventory/reservations", json={
        "order_id": str(uuid.uuid4()),
        "lines": [{"product_id": product, "warehouse_id": wh, "quantity": quantity}]})
    assert response.status_code in (201, 409), response.text
    return response.status_code


async def test_200_concurrent_reservations_on_one_sku_never_oversell(
        inventory: Inventory) -> None:
    wh = await inventory.warehouse()
    product = await inventory.product()
    await inventory.move("receipt", wh, {"product_id": product, "quantity": 100,
                                         "unit_cost": 1})
    outcomes = await asyncio.gather(*(_reserve(inventory.client, product, wh, 3)
                                      for _ in range(200)))
    assert outcomes.count(201) == 33
    stock = await inventory.stock(product, wh)
    assert (stock["on_hand"], stock["reserved"], stock["available"]) == (
        "100.0000", "99.0000", "1.0000")


async def test_mixed_concurrent_orders_and_receipts_over_many_skus(
        inventory: Inventory) -> None:
    wh = await inventory.warehouse()
    products = [await inventory.product() for _ in range(12)]
    for product in products:
        await inventory.move("receipt", wh, {"product_id": product, "quantity": 10,
                                             "unit_cost": "2.5"})
    chooser = random.Random(7)

    async def order() -> int:
        lines = [{"product_id": p, "warehouse_id": wh, "quantity": chooser.randint(1, 4)}
                 for p in chooser.sample(products, 3)]
        response = await inventory.client.post("/api/v1/inventory/reservations", json={
            "order_id": str(uuid.uuid4()), "lines": lines})
        assert response.status_code in (201, 409), response.text
        return response.status_code

    async def receipt() -> int:
        response = await inventory.client.post("/api/v1/inventory/moves", json={
            "type": "receipt", "warehouse_id": wh, "lines": [
                {"product_id": chooser.choice(products), "quantity": 3, "unit_cost": 3}]})
        assert response.status_code == 201, response.text
        return 0

    work = [order() for _ in range(120)] + [receipt() for _ in range(30)]
    chooser.shuffle(work)
    outcomes = await asyncio.gather(*work)
    assert 0 < outcomes.count(201) < 120
    async with inventory.db.session() as session:
        held = dict((await session.execute(
            select(reservations.c.product_id, func.sum(reservations.c.quantity))
            .group_by(reservations.c.product_id))).all())
    for product in products:
        stock = await inventory.stock(product, wh)
        assert Decimal(stock["available"]) >= 0
        assert Decimal(stock["reserved"]) == held.get(uuid.UUID(product), Decimal(0))
    check = (await inventory.client.get("/api/v1/inventory/check")).json()
    assert check["consistent"] is True, check


async def test_redelivered_and_repeated_commands_have_one_effect(
        inventory: Inventory, infra: Infrastructure) -> None:
    wh = await inventory.warehouse()
    product = await inventory.product()
    await inventory.move("receipt", wh, {"product_id": product, "quantity": 10,
                                         "unit_cost": 4})
    order_id, shipment_id = uuid.uuid4(), uuid.uuid4()
    line = ReservationLine(product_id=uuid.UUID(product), warehouse_id=uuid.UUID(wh),
                           quantity=Decimal(3))
    reserve = ReserveStock(order_id=order_id, lines=(line,))
    first_id = new_id()

    def worker() -> object:
        spec = build(InventorySettings(database_url=inventory.url,
                                       kafka_bootstrap=infra.kafka_bootstrap,
                                       outbox_poll_seconds=0.2))
        spec.jwks_fetcher = inventory.issuer.fetcher
        return create_app(spec, role="worker")

    async def replies_for_order(reader: object, count: int) -> list[Message]:
        records = await reader.read(count, timeout=120)  # type: ignore[attr-defined]
        found = []
        for record in records:
            headers = reader.headers(record)  # type: ignore[attr-defined]
            message = decode(headers.get("ce_type", ""), record.value)
            if message is not None and getattr(message, "order_id", None) == order_id:
                found.append(message)
        return found

    async with topic_reader(infra.kafka_bootstrap, "inventory.replies.v1") as reader:
        async with serving(worker()):
            await send(infra, reserve, first_id)
            await send(infra, reserve, first_id)  # a redelivery: same message id
            await send(infra, reserve, new_id())  # the saga retrying: same order

            async def reserved_once() -> bool:
                stock = await inventory.stock(product, wh)
                return stock["reserved"] == "3.0000" and len(
                    [m for m in await replies_for_order(reader, 0)
                     if type(m).__name__ == "StockReserved"]) == 2
            await eventually(reserved_once, timeout=120, what="one reservation, two replies")

        # A restarted service sees the same messages again: still one effect.
        async with serving(worker()):
            await send(infra, reserve, first_id)
            issue = IssueReservedStock(order_id=order_id, shipment_id=shipment_id,
                                       lines=(line,))
            issue_id = new_id()
            await send(infra, issue, issue_id)
            await send(infra, issue, issue_id)
            await send(infra, issue, new_id())
            await send(infra, ReleaseReservation(order_id=order_id), new_id())

            async def settled() -> bool:
                stock = await inventory.stock(product, wh)
                kinds = [type(m).__name__ for m in await replies_for_order(reader, 0)]
                return (stock["on_hand"], stock["reserved"]) == ("7.0000", "0.0000") and \
                    kinds.count("ReservedStockIssued") == 2 and \
                    "ReservationReleased" in kinds
            await eventually(settled, timeout=120, what="one issue, then released")
        issued = [m for m in await replies_for_order(reader, 0)
                  if type(m).__name__ == "ReservedStockIssued"]

    assert issued[0].lines[0].total_cost == Decimal("12.0000")  # type: ignore[attr-defined]
    ledger = (await inventory.client.get("/api/v1/inventory/ledger",
                                         params={"product_id": product})).json()["items"]
    assert [row["type"] for row in ledger] == ["receipt", "issue"]


async def test_reservation_of_unavailable_stock_fails_with_shortages(
        inventory: Inventory) -> None:
    wh = await inventory.warehouse()
    tea, cups = await inventory.product(), await inventory.product()
    await inventory.move("receipt", wh, {"product_id": tea, "quantity": 5, "unit_cost": 1})
    refused = await inventory.client.post("/api/v1/inventory/reservations", json={
        "order_id": str(uuid.uuid4()), "lines": [
            {"product_id": tea, "warehouse_id": wh, "quantity": 5},
            {"product_id": cups, "warehouse_id": wh, "quantity": 1}]})
    assert refused.status_code == 409
    assert [s["product_id"] for s in refused.json()["shortages"]] == [cups]
    assert (await inventory.stock(tea, wh))["reserved"] == "0.0000"
    order_id = str(uuid.uuid4())
    body = {"order_id": order_id, "lines": [{"product_id": tea, "warehouse_id": wh,
                                             "quantity": 2}]}
    assert (await inventory.client.post("/api/v1/inventory/reservations",
                                        json=body)).status_code == 201
    assert (await inventory.client.post("/api/v1/inventory/reservations",
                                        json=body)).status_code == 201
    assert (await inventory.stock(tea, wh))["reserved"] == "2.0000"
    blocked = await inventory.move("issue", wh, {"product_id": tea, "quantity": 4}, expect=409)
    assert blocked["shortages"][0]["available"] == "3.0000"
    released = await inventory.client.post(f"/api/v1/inventory/reservations/{order_id}/release")
    assert released.status_code == 200
    assert (await inventory.stock(tea, wh))["available"] == "5.0000"
