"""Stock moves through the HTTP API on a real database: valuation, the 409
that changes nothing, transfers that keep their cost, reversals, the ledger,
and the events finance and reporting read."""

from __future__ import annotations

import uuid

from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from jxc.contracts.inventory import StockAdjusted
from jxc.inventory.adapters.tables import ProductRow
from jxc.platform.db.tables import outbox

from .conftest import Inventory


async def test_average_cost_receipts_issue_and_events(inventory: Inventory) -> None:
    wh = await inventory.warehouse()
    product = await inventory.product(costing_method="average")
    await inventory.move("receipt", wh, {"product_id": product, "quantity": 10,
                                         "unit_cost": "100"})
    await inventory.move("receipt", wh, {"product_id": product, "quantity": "10",
                                         "unit_cost": 200})
    issued = await inventory.move("issue", wh, {"product_id": product, "quantity": 5},
                                  reference="SO-1")
    line = issued["lines"][0]
    assert (line["quantity"], line["unit_cost"], line["total_cost"]) == (
        "-5.0000", "150.0000", "-750.0000")
    stock = await inventory.stock(product, wh)
    assert (stock["on_hand"], stock["available"], stock["unit_cost"], stock["value"]) == (
        "15.0000", "15.0000", "150.0000", "2250.0000")

    async with inventory.db.session() as session:
        events = (await session.execute(select(outbox.c.type, outbox.c.payload)
                                        .where(outbox.c.type.like("%Stock%"))
                                        .order_by(outbox.c.id))).all()
    assert [e.type for e in events] == ["jxc.inventory.StockReceived.v1"] * 2 + [
        "jxc.inventory.StockIssued.v1"]
    assert events[-1].payload["total_cost"] == "750.0000"
    assert events[-1].payload["reference"] == "SO-1"


async def test_fifo_issue_takes_the_oldest_layers(inventory: Inventory) -> None:
    wh = await inventory.warehouse()
    product = await inventory.product(costing_method="fifo")
    await inventory.move("receipt", wh, {"product_id": product, "quantity": 10,
                                         "unit_cost": 100},
                         {"product_id": product, "quantity": 10, "unit_cost": 200})
    issued = await inventory.move("issue", wh, {"product_id": product, "quantity": 15})
    assert issued["lines"][0]["total_cost"] == "-2000.0000"
    stock = await inventory.stock(product, wh)
    assert (stock["on_hand"], stock["value"], stock["unit_cost"]) == (
        "5.0000", "1000.0000", "200.0000")


async def test_issue_beyond_available_is_refused_and_changes_nothing(
        inventory: Inventory) -> None:
    wh = await inventory.warehouse()
    apples, pears = await inventory.product(), await inventory.product()
    await inventory.move("receipt", wh, {"product_id": apples, "quantity": 5, "unit_cost": 1},
                         {"product_id": pears, "quantity": 5, "unit_cost": 1})
    refused = await inventory.move("issue", wh, {"product_id": apples, "quantity": 2},
                                   {"product_id": pears, "quantity": 7}, expect=409)
    assert refused["code"] == "insufficient_stock"
    assert refused["shortages"] == [{"product_id": pears, "warehouse_id": wh, "lot": None,
                                     "requested": "7.0000", "available": "5.0000",
                                     "missing": "2.0000"}]
    assert (await inventory.stock(apples, wh))["on_hand"] == "5.0000"
    ledger = (await inventory.client.get("/api/v1/inventory/ledger",
                                         params={"warehouse_id": wh})).json()["items"]
    assert len(ledger) == 2


async def test_bad_input(inventory: Inventory) -> None:
    wh = await inventory.warehouse()
    product = await inventory.product(units=[{"unit": "箱", "factor": "12"}])
    no_cost = await inventory.move("receipt", wh, {"product_id": product, "quantity": 1},
                                   expect=422)
    assert no_cost["errors"][0]["field"] == "lines[0].unit_cost"
    negative = await inventory.move("issue", wh, {"product_id": product, "quantity": -1},
                                    expect=422)
    assert negative["errors"][0]["field"] == "lines[0].quantity"
    zero = await inventory.move("receipt", wh, {"product_id": product, "quantity": 0,
                                                "unit_cost": 1}, expect=422)
    assert zero["errors"][0]["field"] == "lines[0].quantity"
    bad_unit = await inventory.move("receipt", wh, {"product_id": product, "quantity": 1,
                                                    "unit": "吨", "unit_cost": 1}, expect=422)
    assert bad_unit["errors"][0]["field"] == "lines[0].unit"
    unknown = await inventory.move(
        "issue", wh, {"product_id": "00000000-0000-0000-0000-000000000009", "quantity": 1},
        expect=404)
    assert unknown["code"] == "unknown_product"
    nowhere = await inventory.move(
        "issue", "00000000-0000-0000-0000-000000000009",
        {"product_id": product, "quantity": 1}, expect=404)
    assert nowhere["code"] == "unknown_warehouse"
    ledger = (await inventory.client.get("/api/v1/inventory/ledger")).json()["items"]
    assert ledger == []


async def test_units_are_converted_exactly(inventory: Inventory) -> None:
    wh = await inventory.warehouse()
    product = await inventory.product(units=[{"unit": "箱", "factor": "12"}])
    received = await inventory.move("receipt", wh, {"product_id": product, "quantity": 2,
                                                    "unit": "箱", "unit_cost": "120"})
    assert received["lines"][0]["quantity"] == "24.0000"
    assert received["lines"][0]["unit_cost"] == "10.0000"
    assert received["lines"][0]["total_cost"] == "240.0000"


async def test_transfer_in_two_steps_keeps_cost(inventory: Inventory) -> None:
    north, south = await inventory.warehouse(), await inventory.warehouse()
    product = await inventory.product(costing_method="fifo")
    await inventory.move("receipt", north, {"product_id": product, "quantity": 10,
                                            "unit_cost": 100},
                         {"product_id": product, "quantity": 10, "unit_cost": 200})
    sent = await inventory.move("transfer", north, {"product_id": product, "quantity": 15},
                                to_warehouse_id=south)
    assert sent["lines"][0]["total_cost"] == "-2000.0000"
    in_transit = await inventory.stock(product, south)
    assert (in_transit["on_hand"], in_transit["in_transit"]) == ("0.0000", "15.0000")
    transfer = (await inventory.client.get(
        f"/api/v1/inventory/transfers/{sent['transfer_id']}")).json()
    assert transfer["status"] == "dispatched"

    received = await inventory.client.post(
        f"/api/v1/inventory/transfers/{sent['transfer_id']}/receive")
    assert received.status_code == 201, received.text
    arrived = await inventory.stock(product, south)
    assert (arrived["on_hand"], arrived["in_transit"], arrived["value"]) == (
        "15.0000", "0.0000", "2000.0000")
    again = await inventory.client.post(
        f"/api/v1/inventory/transfers/{sent['transfer_id']}/receive")
    assert again.status_code == 409
    # The FIFO layers crossed over: issuing 10 in the south takes 10 @ 100.
    issued = await inventory.move("issue", south, {"product_id": product, "quantity": 10})
    assert issued["lines"][0]["total_cost"] == "-1000.0000"


async def test_reversal_restores_stock_and_cost(inventory: Inventory) -> None:
    wh = await inventory.warehouse()
    product = await inventory.product(costing_method="fifo")
    first = await inventory.move("receipt", wh, {"product_id": product, "quantity": 10,
                                                 "unit_cost": 100})
    second = await inventory.move("receipt", wh, {"product_id": product, "quantity": 10,
                                                  "unit_cost": 200})
    issue = await inventory.move("issue", wh, {"product_id": product, "quantity": 5})
    # Half of the first receipt has been issued: it cannot be taken back yet.
    blocked = await inventory.client.post(f"/api/v1/inventory/moves/{first['id']}/reverse")
    assert blocked.status_code == 422
    assert blocked.json()["code"] == "cannot_reverse"

    reversal = await inventory.client.post(f"/api/v1/inventory/moves/{issue['id']}/reverse")
    assert reversal.status_code == 201, reversal.text
    assert reversal.json()["reverses_id"] == issue["id"]
    assert reversal.json()["lines"][0]["total_cost"] == "500.0000"
    stock = await inventory.stock(product, wh)
    assert (stock["on_hand"], stock["value"]) == ("20.0000", "3000.0000")
    twice = await inventory.client.post(f"/api/v1/inventory/moves/{issue['id']}/reverse")
    assert twice.status_code == 409
    assert twice.json()["code"] == "already_reversed"

    undone = await inventory.client.post(f"/api/v1/inventory/moves/{second['id']}/reverse")
    assert undone.status_code == 201, undone.text
    stock = await inventory.stock(product, wh)
    assert (stock["on_hand"], stock["value"]) == ("10.0000", "1000.0000")
    # The restored layer is the oldest again: the next issue takes it at 100.
    again = await inventory.move("issue", wh, {"product_id": product, "quantity": 10})
    assert again["lines"][0]["total_cost"] == "-1000.0000"

    check = (await inventory.client.get("/api/v1/inventory/check")).json()
    assert check["consistent"] is True, check
    ledger = (await inventory.client.get("/api/v1/inventory/ledger",
                                         params={"product_id": product})).json()["items"]
    assert [row["type"] for row in ledger] == ["receipt", "receipt", "issue", "reversal",
                                               "reversal", "issue"]
    assert [row["seq"] for row in ledger] == sorted(row["seq"] for row in ledger)
    async with inventory.db.session() as session:
        reversals = (await session.execute(select(outbox.c.payload).where(
            outbox.c.type == StockAdjusted.type_name,
            outbox.c.payload["reason"].astext.like("reversal of %")).order_by(outbox.c.id))
        ).scalars().all()
    # Finance reverses the original's entry (cost of sales, GRNI), not a loss.
    assert [(r["reverses_reason"], r["total_cost"]) for r in reversals] == [
        ("sale", "500.0000"), ("purchase", "-2000.0000")]


async def test_ledger_rows_cannot_be_changed(inventory: Inventory) -> None:
    wh = await inventory.warehouse()
    product = await inventory.product()
    await inventory.move("receipt", wh, {"product_id": product, "quantity": 1, "unit_cost": 1})
    async with inventory.db.session() as session:
        try:
            await session.execute(text("UPDATE stock_ledger SET quantity = 2"))
        except DBAPIError as exc:
            assert "append-only" in str(exc)
        else:
            raise AssertionError("the ledger accepted an UPDATE")


async def test_permissions_and_data_scope(inventory: Inventory) -> None:
    wh, other = await inventory.warehouse(), await inventory.warehouse()
    product = await inventory.product()
    clerk = inventory.issuer.headers("inventory:read", "inventory:post", warehouses=[wh])
    line = {"product_id": product, "quantity": 1, "unit_cost": 1}
    ok = await inventory.client.post("/api/v1/inventory/moves", headers=clerk, json={
        "type": "receipt", "warehouse_id": wh, "lines": [line]})
    assert ok.status_code == 201, ok.text
    outside = await inventory.client.post("/api/v1/inventory/moves", headers=clerk, json={
        "type": "receipt", "warehouse_id": other, "lines": [line]})
    assert outside.status_code == 403
    adjust = await inventory.client.post("/api/v1/inventory/moves", headers=clerk, json={
        "type": "adjustment", "warehouse_id": wh, "lines": [line]})
    assert adjust.status_code == 403
    assert adjust.json()["missing"] == ["inventory:adjust"]
    visible = (await inventory.client.get("/api/v1/inventory/stock", headers=clerk)).json()
    assert {item["warehouse_id"] for item in visible["items"]} == {wh}


async def test_opening_stock_import_is_all_or_nothing(inventory: Inventory) -> None:
    await inventory.warehouse("MAIN")
    tea = await inventory.product("TEA-OPEN")
    url = "/api/v1/inventory/opening-stock/import"
    bad = await inventory.client.post(url, files={"file": ("open.csv", (
        b"sku,warehouse_code,quantity,unit_cost\n"
        b"TEA-OPEN,MAIN,10,2.5\n"
        b"NOPE,MAIN,1,1\n"
        b"TEA-OPEN,ELSEWHERE,-1,x\n"), "text/csv")})
    assert bad.status_code == 422
    assert [(e["row"], e["field"]) for e in bad.json()["errors"]] == [
        (3, "sku"), (4, "warehouse_code"), (4, "quantity"), (4, "unit_cost")]
    assert (await inventory.client.get("/api/v1/inventory/ledger")).json()["items"] == []

    good = await inventory.client.post(url, files={"file": ("open.csv", (
        b"sku,warehouse_code,quantity,unit_cost\nTEA-OPEN,MAIN,10,2.5\n"), "text/csv")})
    assert good.status_code == 201, good.text
    assert (good.json()["lines"], good.json()["value"]) == (1, "25.0000")
    ledger = (await inventory.client.get("/api/v1/inventory/ledger",
                                         params={"product_id": tea})).json()["items"]
    assert [(row["type"], row["reason"]) for row in ledger] == [("receipt", "opening")]


async def test_same_idempotency_key_posts_once(inventory: Inventory) -> None:
    wh = await inventory.warehouse()
    product = await inventory.product()
    body = {"type": "receipt", "warehouse_id": wh,
            "lines": [{"product_id": product, "quantity": 4, "unit_cost": 3}]}
    headers = {"Idempotency-Key": "receipt-2026-11-25-001"}
    first = await inventory.client.post("/api/v1/inventory/moves", json=body, headers=headers)
    second = await inventory.client.post("/api/v1/inventory/moves", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.content == first.content
    assert second.headers["idempotent-replayed"] == "true"
    assert (await inventory.stock(product, wh))["on_hand"] == "4.0000"


async def test_costing_method_is_fixed_while_stock_is_held(inventory: Inventory) -> None:
    wh = await inventory.warehouse()
    product = await inventory.product(costing_method="fifo")
    url = f"/api/v1/inventory/products/{product}"
    await inventory.move("receipt", wh, {"product_id": product, "quantity": 2, "unit_cost": 5})
    refused = await inventory.client.patch(url, json={"costing_method": "average"})
    assert refused.status_code == 409
    assert refused.json()["code"] == "product_has_stock"
    await inventory.move("issue", wh, {"product_id": product, "quantity": 2})
    changed = await inventory.client.patch(url, json={"costing_method": "average"})
    assert changed.status_code == 200, changed.text
    await inventory.move("receipt", wh, {"product_id": product, "quantity": 1, "unit_cost": 4},
                         {"product_id": product, "quantity": 1, "unit_cost": 6})
    assert (await inventory.stock(product, wh))["costing_method"] == "average"
    issued = await inventory.move("issue", wh, {"product_id": product, "quantity": 1})
    assert issued["lines"][0]["total_cost"] == "-5.0000"


async def test_a_move_may_touch_ten_thousand_positions(inventory: Inventory) -> None:
    """Far past where a literal (product, warehouse) IN list breaks PostgreSQL."""
    wh = await inventory.warehouse()
    ids = [uuid.uuid4() for _ in range(10_000)]
    async with inventory.db.transaction() as session:
        await session.execute(ProductRow.__table__.insert(), [{
            "id": pid, "sku": f"BULK-{n:05d}-{pid.hex[:6]}", "name": "Bulk", "unit": "个",
            "costing_method": "fifo" if n % 2 else "average", "sale_price": 1,
            "currency": "CNY", "tax_rate": "0.13", "lot_tracked": False, "active": True,
            "version": 1} for n, pid in enumerate(ids)])
    received = await inventory.move("receipt", wh, *(
        {"product_id": str(pid), "quantity": 2, "unit_cost": "1.5"} for pid in ids))
    assert len(received["lines"]) == 10_000
    issued = await inventory.move("issue", wh, *(
        {"product_id": str(pid), "quantity": 1} for pid in ids))
    assert {line["total_cost"] for line in issued["lines"]} == {"-1.5000"}
    check = (await inventory.client.get("/api/v1/inventory/check")).json()
    assert (check["checked"], check["consistent"]) == (10_000, True)


async def test_warehouses_outside_the_callers_branches_do_not_exist_for_it(
        inventory: Inventory) -> None:
    branch_a, branch_b = str(uuid.uuid4()), str(uuid.uuid4())
    mine = await inventory.warehouse(branch_id=branch_a)
    theirs = await inventory.warehouse(branch_id=branch_b)
    clerk = inventory.issuer.headers("inventory:read", "inventory:manage", branches=[branch_a])
    listed = (await inventory.client.get("/api/v1/inventory/warehouses", headers=clerk)).json()
    assert [w["id"] for w in listed["items"]] == [mine]
    hidden = await inventory.client.get(f"/api/v1/inventory/warehouses/{theirs}", headers=clerk)
    assert hidden.status_code == 404
    renamed = await inventory.client.patch(f"/api/v1/inventory/warehouses/{theirs}",
                                           headers=clerk, json={"name": "mine now"})
    assert renamed.status_code == 404
    moved = await inventory.client.patch(f"/api/v1/inventory/warehouses/{mine}",
                                         headers=clerk, json={"branch_id": branch_b})
    assert moved.status_code == 403
    created = await inventory.client.post("/api/v1/inventory/warehouses", headers=clerk,
                                          json={"code": "B-ONLY", "name": "x",
                                                "branch_id": branch_b})
    assert created.status_code == 403
    ok = await inventory.client.post("/api/v1/inventory/warehouses", headers=clerk,
                                     json={"code": "A-TWO", "name": "x", "branch_id": branch_a})
    assert ok.status_code == 201, ok.text
    product = await inventory.product()
    line = {"product_id": product, "quantity": 1, "unit_cost": 1}
    await inventory.move("receipt", theirs, line)
    clerk_posts = inventory.issuer.headers("inventory:read", "inventory:post",
                                           branches=[branch_a])
    refused = await inventory.client.post("/api/v1/inventory/moves", headers=clerk_posts, json={
        "type": "receipt", "warehouse_id": theirs, "lines": [line]})
    assert refused.status_code == 403
    allowed = await inventory.client.post("/api/v1/inventory/moves", headers=clerk_posts, json={
        "type": "receipt", "warehouse_id": mine, "lines": [line]})
    assert allowed.status_code == 201, allowed.text
    stock = (await inventory.client.get("/api/v1/inventory/stock", headers=clerk_posts)).json()
    assert {item["warehouse_id"] for item in stock["items"]} == {mine}


async def test_bin_locations(inventory: Inventory) -> None:
    wh = await inventory.warehouse()
    url = f"/api/v1/inventory/warehouses/{wh}/bins"
    assert (await inventory.client.post(url, json={"code": "A-01-02"})).status_code == 201
    assert (await inventory.client.post(url, json={"code": "A-01-02"})).status_code == 409
    assert (await inventory.client.post(url, json={"code": "bad code!"})).status_code == 422
    assert [b["code"] for b in (await inventory.client.get(url)).json()] == ["A-01-02"]
    missing = await inventory.client.get(f"/api/v1/inventory/warehouses/{uuid.uuid4()}/bins")
    assert missing.status_code == 404


async def test_text_that_cannot_be_stored_is_a_422(inventory: Inventory) -> None:
    bad = await inventory.client.post("/api/v1/inventory/warehouses",
                                      json={"code": "NUL1", "name": "a\u0000"})
    assert bad.status_code == 422, bad.text
    assert bad.json()["code"] == "unstorable_text"
    query = await inventory.client.get("/api/v1/inventory/products", params={"q": "a\u0000"})
    assert query.status_code == 422, query.text
