"""Stocktaking: a snapshot, parallel scanners, moves while counting, all
variances posted at current cost in one move; every bad entry reported."""

from __future__ import annotations

import asyncio
import uuid

from .conftest import Inventory


async def test_count_accounts_for_moves_after_the_snapshot(inventory: Inventory) -> None:
    wh = await inventory.warehouse()
    tea, cups, jars = [await inventory.product(costing_method="average") for _ in range(3)]
    await inventory.move("receipt", wh, {"product_id": tea, "quantity": 10, "unit_cost": 5},
                         {"product_id": cups, "quantity": 20, "unit_cost": 2},
                         {"product_id": jars, "quantity": 4, "unit_cost": 10})
    opened = await inventory.client.post("/api/v1/inventory/counts", json={"warehouse_id": wh})
    assert opened.status_code == 201, opened.text
    count = opened.json()
    second = await inventory.client.post("/api/v1/inventory/counts", json={"warehouse_id": wh})
    assert second.status_code == 409

    entries = f"/api/v1/inventory/counts/{count['id']}/entries"
    # Two scanners in parallel: tea is on two shelves (6 + 3 = 9, one missing).
    results = await asyncio.gather(
        inventory.client.post(entries, json={"scanner": "A", "entries": [
            {"product_id": tea, "quantity": 6}, {"product_id": jars, "quantity": 4}]}),
        inventory.client.post(entries, json={"scanner": "B", "entries": [
            {"product_id": tea, "quantity": 3}]}))
    assert [r.status_code for r in results] == [201, 201]
    # 5 cups are sold while people count; the cups are counted afterwards: 15 found + 1 extra.
    await inventory.move("issue", wh, {"product_id": cups, "quantity": 5})
    counted = await inventory.client.post(entries, json={"entries": [
        {"product_id": cups, "quantity": 16}]})
    assert counted.status_code == 201

    preview = (await inventory.client.get(
        f"/api/v1/inventory/counts/{count['id']}/variances")).json()
    assert {(v["product_id"], v["difference"]) for v in preview} == {
        (tea, "-1.0000"), (cups, "1.0000"), (jars, "0.0000")}

    posted = await inventory.client.post(f"/api/v1/inventory/counts/{count['id']}/post")
    assert posted.status_code == 200, posted.text
    result = posted.json()
    assert result["count"]["status"] == "posted"
    assert result["value_change"] == "-3.0000"  # −1 tea at 5, +1 cup at 2
    assert (await inventory.stock(tea, wh))["on_hand"] == "9.0000"
    assert (await inventory.stock(cups, wh))["on_hand"] == "16.0000"
    assert (await inventory.stock(jars, wh))["on_hand"] == "4.0000"
    again = await inventory.client.post(f"/api/v1/inventory/counts/{count['id']}/post")
    assert again.status_code == 409
    check = (await inventory.client.get("/api/v1/inventory/check")).json()
    assert check["consistent"] is True, check


async def test_every_invalid_entry_is_reported_and_none_recorded(
        inventory: Inventory) -> None:
    wh = await inventory.warehouse()
    plain = await inventory.product()
    lotted = await inventory.product(lot_tracked=True)
    count = (await inventory.client.post("/api/v1/inventory/counts",
                                         json={"warehouse_id": wh})).json()
    bad = await inventory.client.post(f"/api/v1/inventory/counts/{count['id']}/entries", json={
        "entries": [{"product_id": plain, "quantity": 1},
                    {"product_id": str(uuid.uuid4()), "quantity": 1},
                    {"product_id": lotted, "quantity": 2},
                    {"product_id": plain, "quantity": 1, "lot": "L1"}]})
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == [
        "entries[1].product_id", "entries[2].lot", "entries[3].lot"]
    preview = (await inventory.client.get(
        f"/api/v1/inventory/counts/{count['id']}/variances")).json()
    assert preview == []


async def test_full_count_zeroes_what_nobody_found(inventory: Inventory) -> None:
    wh = await inventory.warehouse()
    found, lost = await inventory.product(), await inventory.product()
    await inventory.move("receipt", wh, {"product_id": found, "quantity": 2, "unit_cost": 1},
                         {"product_id": lost, "quantity": 3, "unit_cost": 7})
    count = (await inventory.client.post("/api/v1/inventory/counts",
                                         json={"warehouse_id": wh})).json()
    await inventory.client.post(f"/api/v1/inventory/counts/{count['id']}/entries", json={
        "entries": [{"product_id": found, "quantity": 2}]})
    posted = await inventory.client.post(f"/api/v1/inventory/counts/{count['id']}/post",
                                         json={"full": True})
    assert posted.status_code == 200, posted.text
    assert posted.json()["value_change"] == "-21.0000"
    assert (await inventory.stock(lost, wh))["on_hand"] == "0.0000"
