"""Purchase orders over HTTP: drafting against the replicas, totals, numbers,
the life cycle, revisions, cancel and close, lists and data scope."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from jxc.contracts.inventory import WarehouseUpserted
from jxc.contracts.supplier import SupplierUpserted
from jxc.platform.envelope import new_id
from jxc.platform.testing import Infrastructure, eventually, send, serving

from .conftest import MANAGER, Procurement, procurement_app

APPROVER = ("procurement:read", "procurement:approve")


async def draft(procurement: Procurement, *, lines: list[dict[str, object]] | None = None,
                supplier: str | None = None, warehouse: str | None = None,
                **fields: object) -> dict[str, object]:
    supplier = supplier or await procurement.supplier()
    warehouse = warehouse or await procurement.warehouse()
    if lines is None:
        lines = [{"product_id": await procurement.product(), "quantity": "10",
                  "unit_price": "8.125"}]
    return await procurement.post("purchase-orders", {
        "supplier_id": supplier, "warehouse_id": warehouse, "lines": lines, **fields},
        expect=201)


async def test_draft_computes_totals_numbers_and_takes_product_tax(
        procurement: Procurement) -> None:
    tea, cups = await procurement.product("0.13"), await procurement.product("0.09")
    order = await draft(procurement, lines=[
        {"product_id": tea, "quantity": "3", "unit_price": "10.005"},
        {"product_id": cups, "quantity": 2, "unit_price": "0.125", "tax_rate": "0.06"}])
    month = f"{datetime.now(UTC):%Y%m}"
    assert order["number"] == f"PO-{month}-00001" and order["status"] == "draft"
    assert [(x["tax_rate"], x["net"], x["backorder"]) for x in order["lines"]] == [
        ("0.1300", "30.0200", "3.0000"), ("0.0600", "0.2500", "2.0000")]
    # 30.015 + 0.25 = 30.265 -> 30.27; tax 3.90195 + 0.015 = 3.91695 -> 3.92
    assert (order["net"], order["tax"], order["total"]) == ("30.2700", "3.9200", "34.1900")
    assert order["currency"] == "CNY" and order["revision"] == 1
    second = await draft(procurement)
    assert second["number"] == f"PO-{month}-00002"


async def test_bad_drafts_are_problems(procurement: Procurement) -> None:
    blocked = await procurement.supplier(status="blocked")
    problem = await procurement.post("purchase-orders", {
        "supplier_id": blocked, "warehouse_id": await procurement.warehouse(),
        "lines": [{"product_id": await procurement.product(), "quantity": 1,
                   "unit_price": 1}]}, expect=409)
    assert problem["code"] == "supplier_blocked"
    warehouse, product = await procurement.warehouse(), await procurement.product()
    supplier = await procurement.supplier(currency="USD")
    cases: list[tuple[dict[str, object], int, str]] = [
        ({"supplier_id": str(uuid.uuid4()), "warehouse_id": warehouse, "lines": [
            {"product_id": product, "quantity": 1, "unit_price": 1}]}, 422, "unknown_supplier"),
        ({"supplier_id": supplier, "warehouse_id": str(uuid.uuid4()), "lines": [
            {"product_id": product, "quantity": 1, "unit_price": 1}]}, 422, "unknown_warehouse"),
        ({"supplier_id": supplier, "warehouse_id": warehouse, "currency": "CNY", "lines": [
            {"product_id": product, "quantity": 1, "unit_price": 1}]}, 422,
         "currency_mismatch"),
        ({"supplier_id": supplier, "warehouse_id": warehouse, "lines": [
            {"product_id": str(uuid.uuid4()), "quantity": 1, "unit_price": 1}]}, 422,
         "validation_error"),
        ({"supplier_id": supplier, "warehouse_id": warehouse, "lines": [
            {"product_id": product, "quantity": 1, "unit_price": 1},
            {"product_id": product, "quantity": 2, "unit_price": 1}]}, 422, "validation_error"),
        ({"supplier_id": supplier, "warehouse_id": warehouse, "lines": [
            {"product_id": product, "quantity": 0, "unit_price": 1}]}, 422, "validation_error"),
        ({"supplier_id": supplier, "warehouse_id": warehouse, "lines": [
            {"product_id": product, "quantity": 1, "unit_price": -1}]}, 422, "validation_error"),
        ({"supplier_id": supplier, "warehouse_id": warehouse, "lines": [
            {"product_id": product, "quantity": "NaN", "unit_price": 1}]}, 422,
         "validation_error"),
        ({"supplier_id": supplier, "warehouse_id": warehouse, "lines": []}, 422,
         "validation_error"),
        ({"supplier_id": supplier, "warehouse_id": warehouse, "expected_at": "2030-01-01T10:00",
          "lines": [{"product_id": product, "quantity": 1, "unit_price": 1}]}, 422,
         "validation_error"),
    ]
    for body, status, code in cases:
        problem = await procurement.post("purchase-orders", body, expect=status)
        assert problem["code"] == code, (body, problem)
    assert (await procurement.get("purchase-orders"))["items"] == []


async def test_life_cycle_without_rules_needs_procurement_approve(
        procurement: Procurement) -> None:
    order = await draft(procurement, expected_at="2030-01-02T08:00:00+08:00")
    oid = order["id"]
    submitted = await procurement.post(f"purchase-orders/{oid}/submit")
    assert submitted["status"] == "submitted" and submitted["pending_level"] == 1
    assert submitted["pending_permission"] == "procurement:approve"
    # The buyer created it: approving it themselves is refused.
    problem = await procurement.post(f"purchase-orders/{oid}/approve", expect=403)
    assert problem["reason"] == "self_approval_forbidden"
    clerk = procurement.as_user("procurement:read", "procurement:receive")
    await procurement.post(f"purchase-orders/{oid}/approve", expect=403, client=clerk)
    manager = procurement.as_user(*APPROVER)
    approved = await procurement.post(f"purchase-orders/{oid}/approve", {"comment": "ok"},
                                      client=manager)
    assert approved["status"] == "approved" and approved["approvals"][0]["decided_by"] == MANAGER
    events = await procurement.events("PurchaseOrderApproved")
    assert len(events) == 1 and events[0]["revision"] == 1
    assert events[0]["lines"][0]["quantity"] == "10.0000"
    assert events[0]["expected_at"].startswith("2030-01-02T00:00:00")
    await procurement.post(f"purchase-orders/{oid}/approve", expect=409, client=manager)
    await procurement.post(f"purchase-orders/{oid}/submit", expect=409)


async def test_revision_needs_reapproval_and_announces_the_new_lines(
        procurement: Procurement) -> None:
    order = await draft(procurement)
    oid, product = order["id"], order["lines"][0]["product_id"]
    manager = procurement.as_user(*APPROVER)
    await procurement.post(f"purchase-orders/{oid}/submit")
    await procurement.post(f"purchase-orders/{oid}/approve", client=manager)
    await procurement.post(f"purchase-orders/{oid}/receipts", {"lines": [
        {"product_id": product, "quantity": 4}]}, expect=201)
    current = await procurement.client.get(f"/api/v1/procurement/purchase-orders/{oid}")
    stale = await procurement.client.patch(
        f"/api/v1/procurement/purchase-orders/{oid}", json={"note": "x"},
        headers={"If-Match": 'W/"1"'})
    assert stale.status_code == 412, stale.text
    too_few = await procurement.client.patch(
        f"/api/v1/procurement/purchase-orders/{oid}", json={"lines": [
            {"product_id": product, "quantity": 3, "unit_price": "8.125"}]})
    assert too_few.status_code == 422, too_few.text
    revised = await procurement.client.patch(
        f"/api/v1/procurement/purchase-orders/{oid}", headers={
            "If-Match": current.headers["ETag"]}, json={"lines": [
                {"product_id": product, "quantity": 12, "unit_price": "8.125"}],
                "expected_at": "2031-05-01T00:00:00Z"})
    assert revised.status_code == 200, revised.text
    body = revised.json()
    assert (body["status"], body["revision"], body["lines"][0]["received"],
            body["lines"][0]["backorder"]) == ("submitted", 2, "4.0000", "8.0000")
    await procurement.post(f"purchase-orders/{oid}/receipts", {"lines": [
        {"product_id": product, "quantity": 1}]}, expect=409)
    again = await procurement.post(f"purchase-orders/{oid}/approve", client=manager)
    assert again["status"] == "partially_received"
    approved = await procurement.events("PurchaseOrderApproved")
    assert [(e["revision"], e["lines"][0]["quantity"]) for e in approved] == [
        (1, "10.0000"), (2, "12.0000")]
    # A note alone does not need a new approval.
    noted = await procurement.client.patch(f"/api/v1/procurement/purchase-orders/{oid}",
                                           json={"note": "call before delivery"})
    assert noted.json()["revision"] == 2 and noted.json()["status"] == "partially_received"


async def test_cancel_reject_and_close(procurement: Procurement) -> None:
    manager = procurement.as_user(*APPROVER)
    drafted = await draft(procurement)
    cancelled = await procurement.post(f"purchase-orders/{drafted['id']}/cancel",
                                       {"reason": "duplicate"})
    assert cancelled["status"] == "cancelled" and cancelled["lines"][0]["backorder"] == "0.0000"

    rejected = await draft(procurement)
    await procurement.post(f"purchase-orders/{rejected['id']}/submit")
    await procurement.post(f"purchase-orders/{rejected['id']}/reject", {}, expect=422,
                           client=manager)
    after = await procurement.post(f"purchase-orders/{rejected['id']}/reject",
                                   {"reason": "too expensive"}, client=manager)
    assert after["status"] == "rejected" and after["end_reason"] == "too expensive"
    assert await procurement.events("PurchaseOrderCancelled") == []

    approved = await draft(procurement)
    await procurement.post(f"purchase-orders/{approved['id']}/submit")
    await procurement.post(f"purchase-orders/{approved['id']}/approve", client=manager)
    await procurement.post(f"purchase-orders/{approved['id']}/close", expect=409)
    await procurement.post(f"purchase-orders/{approved['id']}/cancel", {"reason": "late"})
    assert [e["reason"] for e in await procurement.events("PurchaseOrderCancelled")] == ["late"]

    partial = await draft(procurement)
    product = partial["lines"][0]["product_id"]
    await procurement.post(f"purchase-orders/{partial['id']}/submit")
    await procurement.post(f"purchase-orders/{partial['id']}/approve", client=manager)
    await procurement.post(f"purchase-orders/{partial['id']}/receipts", {"lines": [
        {"product_id": product, "quantity": 4}]}, expect=201)
    problem = await procurement.post(f"purchase-orders/{partial['id']}/cancel",
                                     {"reason": "late"}, expect=409)
    assert problem["code"] == "invalid_state"
    closed = await procurement.post(f"purchase-orders/{partial['id']}/close",
                                    {"reason": "rest not needed"})
    assert closed["status"] == "closed" and closed["lines"][0]["backorder"] == "0.0000"
    assert [e["order_id"] for e in await procurement.events("PurchaseOrderClosed")] == [
        partial["id"]]


async def test_lists_filter_paginate_and_respect_scope(procurement: Procurement) -> None:
    north, south = uuid.uuid4(), uuid.uuid4()
    north_store = await procurement.warehouse(north)
    south_store = await procurement.warehouse(south)
    supplier = await procurement.supplier()
    orders = [await draft(procurement, supplier=supplier, warehouse=w)
              for w in (north_store, north_store, south_store)]
    first = await procurement.get("purchase-orders", limit=2)
    rest = await procurement.get("purchase-orders", limit=2, cursor=first["next_cursor"])
    assert [o["number"] for o in first["items"] + rest["items"]] == [
        o["number"] for o in reversed(orders)] and rest["next_cursor"] is None
    assert len((await procurement.get("purchase-orders", warehouse_id=south_store))["items"]) == 1
    assert len((await procurement.get("purchase-orders", status="draft",
                                      supplier_id=supplier))["items"]) == 3
    northerner = procurement.as_user("procurement:read", "procurement:write",
                                     branches=[str(north)])
    seen = await procurement.get("purchase-orders", client=northerner)
    assert {o["warehouse_id"] for o in seen["items"]} == {north_store}
    hidden = await northerner.get(f"/api/v1/procurement/purchase-orders/{orders[2]['id']}")
    assert hidden.status_code == 404
    refused = await northerner.post("/api/v1/procurement/purchase-orders", json={
        "supplier_id": supplier, "warehouse_id": south_store, "lines": [
            {"product_id": await procurement.product(), "quantity": 1, "unit_price": 1}]})
    assert refused.status_code == 403, refused.text
    bad = await procurement.client.get("/api/v1/procurement/purchase-orders",
                                       params={"cursor": "nonsense", "status": "nope"})
    assert bad.status_code == 422


async def test_replicas_follow_supplier_and_inventory_events(
        procurement: Procurement, infra: Infrastructure) -> None:
    supplier_id, warehouse_id, branch = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    worker = procurement_app(procurement.url, infra, procurement.issuer, role="worker")


    async with serving(worker):
        await send(infra, SupplierUpserted(supplier_id=supplier_id, code="S1", name="Old",
                                           version=2, email="a@b.example"), new_id())
        await send(infra, SupplierUpserted(supplier_id=supplier_id, code="S1", name="Older",
                                           version=1), new_id())
        await send(infra, SupplierUpserted(supplier_id=supplier_id, code="S1", name="Blocked",
                                           version=3, status="blocked"), new_id())
        await send(infra, WarehouseUpserted(warehouse_id=warehouse_id, code="W1", name="North",
                                            branch_id=branch, version=1), new_id())

        async def blocked() -> bool:
            response = await procurement.client.post("/api/v1/procurement/purchase-orders",
                                                     json={
                "supplier_id": str(supplier_id), "warehouse_id": str(warehouse_id),
                "lines": [{"product_id": product, "quantity": 1, "unit_price": 1}]})
            return response.status_code == 409 and response.json()["code"] == "supplier_blocked"
        product = await procurement.product()
        await eventually(blocked, timeout=120, what="replicas kept")
    await procurement.supplier(supplier_id=supplier_id, version=4, name="Unblocked")
    order = await draft(procurement, supplier=str(supplier_id), warehouse=str(warehouse_id))
    assert order["branch_id"] == str(branch) and order["supplier_name"] == "Unblocked"
