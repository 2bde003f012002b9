"""Approval rules and multi-level approval over HTTP, and the approver's inbox."""

from __future__ import annotations

import uuid

from .conftest import DIRECTOR, MANAGER, Procurement

MANAGER_PERMS = ("procurement:read", "procurement:approve")
DIRECTOR_PERMS = ("procurement:read", "procurement:approve", "procurement:approve_high")


async def order_of(procurement: Procurement, total_price: str, warehouse: str | None = None,
                   submit: bool = True) -> dict[str, object]:
    """A one-line order of quantity 1 at ``total_price`` (tax 0)."""
    order = await procurement.post("purchase-orders", {
        "supplier_id": await procurement.supplier(),
        "warehouse_id": warehouse or await procurement.warehouse(),
        "lines": [{"product_id": await procurement.product("0"), "quantity": 1,
                   "unit_price": total_price}]}, expect=201)
    if submit:
        order = await procurement.post(f"purchase-orders/{order['id']}/submit")
    return order


async def test_rules_are_managed_and_validated(procurement: Procurement) -> None:
    rule = await procurement.post("approval-rules", {
        "level": 2, "min_amount": "10000", "permission": "procurement:approve_high"},
        expect=201)
    assert rule["branch_id"] is None and rule["allow_self_approval"] is False
    duplicate = await procurement.post("approval-rules", {
        "level": 2, "min_amount": "5", "permission": "procurement:approve"}, expect=409)
    assert duplicate["code"] == "duplicate_rule"
    for body in ({"level": 1, "min_amount": 0, "permission": "procurement:fly"},
                 {"level": 1, "min_amount": 0, "permission": "*"},
                 {"level": 0, "min_amount": 0, "permission": "procurement:approve"},
                 {"level": 1, "min_amount": -1, "permission": "procurement:approve"},
                 {"level": 1, "min_amount": 0, "permission": "procurement:approve", "x": 1}):
        await procurement.post("approval-rules", body, expect=422)
    buyer = procurement.as_user("procurement:read", "procurement:write")
    await procurement.post("approval-rules", {
        "level": 1, "min_amount": 0, "permission": "procurement:approve"}, expect=403,
        client=buyer)
    assert [r["level"] for r in await procurement.get("approval-rules")] == [2]  # type: ignore
    gone = await procurement.client.delete(f"/api/v1/procurement/approval-rules/{rule['id']}")
    assert gone.status_code == 204
    again = await procurement.client.delete(f"/api/v1/procurement/approval-rules/{rule['id']}")
    assert again.status_code == 404


async def test_above_threshold_needs_approve_high_level_by_level(
        procurement: Procurement) -> None:
    await procurement.post("approval-rules", {
        "level": 1, "min_amount": "0", "permission": "procurement:approve"}, expect=201)
    await procurement.post("approval-rules", {
        "level": 2, "min_amount": "10000", "permission": "procurement:approve_high"},
        expect=201)
    manager = procurement.as_user(*MANAGER_PERMS, subject=MANAGER)
    director = procurement.as_user(*DIRECTOR_PERMS, subject=DIRECTOR)

    small = await order_of(procurement, "500")
    assert [a["level"] for a in small["approvals"]] == [1]  # type: ignore[index]
    done = await procurement.post(f"purchase-orders/{small['id']}/approve", client=manager)
    assert done["status"] == "approved"

    big = await order_of(procurement, "25000")
    assert [a["permission"] for a in big["approvals"]] == [  # type: ignore[index]
        "procurement:approve", "procurement:approve_high"]
    first = await procurement.post(f"purchase-orders/{big['id']}/approve", client=manager)
    assert (first["status"], first["pending_level"]) == ("submitted", 2)
    assert len(await procurement.events("PurchaseOrderApproved")) == 1
    refused = await procurement.post(f"purchase-orders/{big['id']}/approve", expect=403,
                                     client=manager)
    assert refused["reason"] == "missing_permission"
    assert refused["missing"] == ["procurement:approve_high"]
    approved = await procurement.post(f"purchase-orders/{big['id']}/approve", client=director)
    assert approved["status"] == "approved"
    assert [(a["level"], a["decided_by"]) for a in approved["approvals"]] == [
        (1, MANAGER), (2, DIRECTOR)]
    events = await procurement.events("PurchaseOrderApproved")
    assert [e["order_id"] for e in events] == [small["id"], big["id"]]
    assert events[1]["total"] == "25000.0000"


async def test_branch_rules_override_and_self_approval(procurement: Procurement) -> None:
    branch = uuid.uuid4()
    store = await procurement.warehouse(branch)
    await procurement.post("approval-rules", {
        "level": 1, "min_amount": "0", "permission": "procurement:approve_high"}, expect=201)
    await procurement.post("approval-rules", {
        "branch_id": str(branch), "level": 1, "min_amount": "0",
        "permission": "procurement:approve", "allow_self_approval": True}, expect=201)
    local = await order_of(procurement, "100", warehouse=store)
    assert local["pending_permission"] == "procurement:approve"
    # The branch's rule allows the buyer to approve their own order.
    assert (await procurement.post(f"purchase-orders/{local['id']}/approve"))[
        "status"] == "approved"
    elsewhere = await order_of(procurement, "100")
    assert elsewhere["pending_permission"] == "procurement:approve_high"
    self_approval = await procurement.post(f"purchase-orders/{elsewhere['id']}/approve",
                                           expect=403)
    assert self_approval["reason"] == "self_approval_forbidden"


async def test_inbox_lists_what_the_caller_may_approve_newest_first(
        procurement: Procurement) -> None:
    north, south = uuid.uuid4(), uuid.uuid4()
    north_store, south_store = (await procurement.warehouse(north),
                                await procurement.warehouse(south))
    await procurement.post("approval-rules", {
        "level": 1, "min_amount": "0", "permission": "procurement:approve"}, expect=201)
    await procurement.post("approval-rules", {
        "level": 2, "min_amount": "10000", "permission": "procurement:approve_high"},
        expect=201)
    old = await order_of(procurement, "100", north_store)
    big = await order_of(procurement, "20000", north_store)
    southern = await order_of(procurement, "300", south_store)
    await order_of(procurement, "50", north_store, submit=False)

    manager = procurement.as_user(*MANAGER_PERMS)
    inbox = await procurement.get("approvals/inbox", client=manager)
    assert [i["id"] for i in inbox["items"]] == [southern["id"], big["id"], old["id"]]
    item = inbox["items"][1]
    assert (item["number"], item["supplier_name"], item["total"], item["lines_count"],
            item["level"], item["levels"]) == (big["number"], "Acme Tea", "20000.0000", 1, 1, 2)
    assert item["approve_url"].endswith(f"/purchase-orders/{big['id']}/approve")

    page = await procurement.get("approvals/inbox", client=manager, limit=2)
    rest = await procurement.get("approvals/inbox", client=manager, limit=2,
                                 cursor=page["next_cursor"])
    assert [i["id"] for i in page["items"] + rest["items"]] == [i["id"] for i in inbox["items"]]

    northerner = procurement.as_user(*MANAGER_PERMS, branches=[str(north)])
    await procurement.post(f"purchase-orders/{big['id']}/approve", client=northerner)
    assert [i["id"] for i in (await procurement.get(
        "approvals/inbox", client=northerner))["items"]] == [old["id"]]
    director = procurement.as_user(*DIRECTOR_PERMS, subject="director")
    mine = await procurement.get("approvals/inbox", client=director)
    assert [(i["id"], i["level"]) for i in mine["items"]] == [
        (southern["id"], 1), (big["id"], 2), (old["id"], 1)]
    # The buyer created them all and may not approve them: nothing to do.
    assert (await procurement.get("approvals/inbox"))["items"] == []
    clerk = procurement.as_user("procurement:read")
    assert (await clerk.get("/api/v1/procurement/approvals/inbox")).status_code == 403
