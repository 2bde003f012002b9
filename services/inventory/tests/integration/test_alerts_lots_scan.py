"""Reorder alerts raise once and clear on recovery; incoming supply counts;
lots with expiry are issued first-expired-first; barcodes and RFID resolve."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from pyepc import SGTIN
from sqlalchemy import select

from jxc.inventory.service_layer.watch import expiry_alerts
from jxc.platform.db.tables import outbox

from .conftest import Inventory


async def _alert_kinds(inventory: Inventory, wh: str) -> list[str]:
    response = await inventory.client.get("/api/v1/inventory/alerts",
                                          params={"warehouse_id": wh})
    assert response.status_code == 200, response.text
    return sorted(a["kind"] for a in response.json()["items"])


async def test_reorder_rule_raises_and_clears_alerts(inventory: Inventory) -> None:
    wh = await inventory.warehouse()
    product = await inventory.product()
    await inventory.move("receipt", wh, {"product_id": product, "quantity": 20,
                                         "unit_cost": 1})
    rule = await inventory.client.post("/api/v1/inventory/reorder-rules", json={
        "product_id": product, "warehouse_id": wh, "min_qty": 10, "max_qty": 50})
    assert rule.status_code == 201, rule.text
    assert await _alert_kinds(inventory, wh) == []

    await inventory.move("issue", wh, {"product_id": product, "quantity": 12})
    await inventory.move("issue", wh, {"product_id": product, "quantity": 1})
    assert await _alert_kinds(inventory, wh) == ["low"]
    await inventory.move("receipt", wh, {"product_id": product, "quantity": 60,
                                         "unit_cost": 1})
    assert await _alert_kinds(inventory, wh) == ["high"]
    await inventory.move("issue", wh, {"product_id": product, "quantity": 30})
    assert await _alert_kinds(inventory, wh) == []

    async with inventory.db.session() as session:
        kinds = (await session.execute(select(outbox.c.type, outbox.c.payload).where(
            outbox.c.type.like("%StockLevel%")).order_by(outbox.c.id))).all()
    assert [k.type.split(".")[2] for k in kinds] == [
        "StockLevelLow", "StockLevelNormal", "StockLevelHigh", "StockLevelNormal"]
    assert kinds[0].payload["suggested_qty"] == "42.0000"  # 50 − 8 after the first issue

    bad = await inventory.client.post("/api/v1/inventory/reorder-rules", json={
        "product_id": product, "warehouse_id": wh, "min_qty": 10, "max_qty": 5})
    assert bad.status_code == 422


async def test_lots_are_issued_first_expired_first(inventory: Inventory) -> None:
    wh = await inventory.warehouse()
    milk = await inventory.product(lot_tracked=True, shelf_life_days=10)
    today = datetime.now(UTC).date()
    await inventory.move("receipt", wh,
                         {"product_id": milk, "quantity": 5, "unit_cost": 3, "lot": "LATE",
                          "expires_on": (today + timedelta(days=20)).isoformat()},
                         {"product_id": milk, "quantity": 5, "unit_cost": 3, "lot": "SOON",
                          "expires_on": (today + timedelta(days=2)).isoformat()},
                         {"product_id": milk, "quantity": 5, "unit_cost": 3, "lot": "SHELF"})
    no_lot = await inventory.move("receipt", wh, {"product_id": milk, "quantity": 1,
                                                  "unit_cost": 3}, expect=422)
    assert no_lot["errors"][0]["field"] == "lines[0].lot"
    lots = (await inventory.client.get("/api/v1/inventory/stock/lots", params={
        "product_id": milk, "warehouse_id": wh})).json()
    assert [(lot["lot"], lot["expires_on"]) for lot in lots] == [
        ("SOON", (today + timedelta(days=2)).isoformat()),
        ("SHELF", (today + timedelta(days=10)).isoformat()),
        ("LATE", (today + timedelta(days=20)).isoformat())]
    suggestion = (await inventory.client.get("/api/v1/inventory/stock/fefo", params={
        "product_id": milk, "warehouse_id": wh, "quantity": 7})).json()
    assert [(line["lot"], line["quantity"]) for line in suggestion["lines"]] == [
        ("SOON", "5.0000"), ("SHELF", "2.0000")]

    issued = await inventory.move("issue", wh, {"product_id": milk, "quantity": 7})
    assert [(line["lot"], line["quantity"]) for line in issued["lines"]] == [
        ("SOON", "-5.0000"), ("SHELF", "-2.0000")]
    too_much = await inventory.move("issue", wh, {"product_id": milk, "quantity": 4,
                                                  "lot": "SHELF"}, expect=409)
    assert too_much["shortages"][0]["lot"] == "SHELF"

    async with inventory.db.transaction() as session:
        assert await expiry_alerts(session, warning_days=15) == 1  # SHELF, day 10
    assert await _alert_kinds(inventory, wh) == ["expiry"]
    check = (await inventory.client.get("/api/v1/inventory/check")).json()
    assert check["consistent"] is True, check


async def test_barcode_and_rfid_scans(inventory: Inventory) -> None:
    wh = await inventory.warehouse()
    product = await inventory.product(barcodes=["4006381333931", "96385074"],
                                      units=[{"unit": "箱", "factor": "12"}])
    looked_up = await inventory.client.post("/api/v1/inventory/scan",
                                            json={"code": "4006381333931"})
    assert looked_up.status_code == 200, looked_up.text
    assert looked_up.json()["product_id"] == product

    received = await inventory.client.post("/api/v1/inventory/scan", json={
        "code": "(01)04006381333931(10)B7(17)301231", "action": "receipt",
        "warehouse_id": wh, "quantity": 3, "unit_cost": "2.5"})
    assert received.status_code == 200, received.text
    assert received.json()["lot"] == "B7"
    assert received.json()["expires_on"] == date(2030, 12, 31).isoformat()
    assert (await inventory.stock(product, wh))["on_hand"] == "3.0000"

    bad = await inventory.client.post("/api/v1/inventory/scan", json={"code": "4006381333932"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "code"
    unknown = await inventory.client.post("/api/v1/inventory/scan",
                                          json={"code": "036000291452"})
    assert unknown.status_code == 404
    no_warehouse = await inventory.client.post("/api/v1/inventory/scan", json={
        "code": "96385074", "action": "issue"})
    assert no_warehouse.status_code == 422

    count = (await inventory.client.post("/api/v1/inventory/counts",
                                         json={"warehouse_id": wh})).json()
    # SGTIN-96 of GTIN 04006381333931 with serials 1 and 2, one read twice, plus junk.
    epcs = [SGTIN("4006381", "0", "33393", str(serial)).encode() for serial in (1, 2)]
    read = await inventory.client.post("/api/v1/inventory/scan/rfid", json={
        "epcs": [*epcs, epcs[0], "E2801160600002084E6A1234"], "action": "count",
        "count_id": count["id"]})
    assert read.status_code == 200, read.text
    body = read.json()
    assert [(i["product_id"], i["tags"]) for i in body["items"]] == [(product, 2)]
    assert body["unknown"] == ["E2801160600002084E6A1234"]
    variances = (await inventory.client.get(
        f"/api/v1/inventory/counts/{count['id']}/variances")).json()
    assert [(v["counted"], v["expected"]) for v in variances] == [("2.0000", "3.0000")]
