"""Purchase requisitions: raised from inventory's StockLevelLow over Kafka
(one open per product and warehouse, kept at the suggested quantity, the
preferred supplier else the best-priced one), raised by buyers in their data
scope, and converted into draft purchase orders grouped by supplier and
warehouse, all or nothing."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from jxc.contracts.inventory import StockLevelLow, WarehouseUpserted
from jxc.contracts.supplier import PreferredSupplierSet, SupplierPriceUpserted
from jxc.platform.envelope import new_id
from jxc.platform.testing import Infrastructure, eventually, send, serving
from jxc.procurement.service_layer import costs, replicas, requisitions

from .conftest import Procurement, procurement_app

D = Decimal
TODAY = costs.today()


def price_event(supplier: str, product: str, unit_price: str, min_quantity: str = "1", *,
                valid_from: date | None = None, valid_to: date | None = None,
                version: int = 1, price_id: uuid.UUID | None = None,
                currency: str = "CNY") -> SupplierPriceUpserted:
    return SupplierPriceUpserted(
        price_id=price_id or uuid.uuid4(), supplier_id=uuid.UUID(supplier),
        product_id=uuid.UUID(product), unit_price=D(unit_price), currency=currency,
        min_quantity=D(min_quantity), lead_time_days=3,
        valid_from=valid_from or TODAY - timedelta(days=30), valid_to=valid_to, version=version)


async def list_price(procurement: Procurement, *args: Any, **kw: Any) -> None:
    """A price-list line in the replica, as the consumer writes it."""
    async with procurement.db.transaction() as session:
        await costs.keep_price(session, price_event(*args, **kw))


def low(warehouse: str, product: str, suggested: str) -> StockLevelLow:
    return StockLevelLow(warehouse_id=uuid.UUID(warehouse), product_id=uuid.UUID(product),
                         available=D(2), min_qty=D(5), max_qty=D(20), suggested_qty=D(suggested))


async def open_requisitions(procurement: Procurement, warehouse: str) -> list[dict[str, Any]]:
    page = await procurement.get("requisitions", status="open", warehouse_id=warehouse)
    return page["items"]  # type: ignore[no-any-return]


async def test_stock_alerts_keep_one_open_requisition_per_product_and_warehouse(
        procurement: Procurement, infra: Infrastructure) -> None:
    branch = uuid.uuid4()
    warehouse = await procurement.warehouse(branch)
    preferred, cheap, dear = [await procurement.supplier(name=n)
                              for n in ("Pref", "Cheap", "Dear")]
    tea, coffee, salt = [await procurement.product() for _ in range(3)]
    async with serving(procurement_app(procurement.url, infra, procurement.issuer,
                                       role="worker")):
        for event in (PreferredSupplierSet(product_id=uuid.UUID(tea),
                                           supplier_id=uuid.UUID(preferred), version=1),
                      price_event(cheap, tea, "1.00"),            # cheaper, but not preferred
                      price_event(cheap, coffee, "7.00", "100"),  # minimum not reached
                      price_event(dear, coffee, "9.00"),
                      price_event(cheap, coffee, "6.00",          # expired
                                  valid_to=TODAY - timedelta(days=1))):
            await send(infra, event, new_id())

        async def replicated() -> bool:
            async with procurement.db.session() as session:
                return (await costs.preferred_supplier(session, uuid.UUID(tea)) is not None
                        and len(await costs.offers(session, [uuid.UUID(coffee)])) == 3)
        await eventually(replicated, what="the price lists")

        first = low(warehouse, tea, "18")
        await send(infra, first, first_id := new_id())
        [raised] = await eventually(lambda: open_requisitions(procurement, warehouse),
                                    what="the requisition")
        assert raised["source"] == "auto" and raised["branch_id"] == str(branch)
        assert raised["number"].startswith(f"PR-{TODAY.year}-")
        [line] = raised["lines"]
        assert (line["product_id"], line["quantity"], line["supplier_id"]) == (
            tea, "18.0000", preferred)

        await send(infra, low(warehouse, tea, "15"), new_id())

        async def updated() -> dict[str, Any] | None:
            found = await open_requisitions(procurement, warehouse)
            return found[0] if found and found[0]["lines"][0]["quantity"] == "15.0000" else None
        again = await eventually(updated, what="the updated quantity")
        assert again["id"] == raised["id"] and again["version"] == 2

        await send(infra, first, first_id)  # a redelivery changes nothing
        await send(infra, low(warehouse, coffee, "40"), new_id())
        await send(infra, low(warehouse, salt, "3"), new_id())

        async def three() -> list[dict[str, Any]] | None:
            found = await open_requisitions(procurement, warehouse)
            return found if len(found) == 3 else None
        by_product = {r["lines"][0]["product_id"]: r for r in await eventually(three)}
        assert by_product[tea]["lines"][0]["quantity"] == "15.0000"
        assert by_product[coffee]["lines"][0]["supplier_id"] == dear
        assert by_product[salt]["lines"][0]["supplier_id"] is None

        # once converted, the next alert raises a new requisition
        await list_price(procurement, preferred, tea, "3.10")
        await procurement.post("requisitions/convert", {"requisition_ids": [raised["id"]]},
                               expect=201)
        await send(infra, low(warehouse, tea, "5"), new_id())

        async def renewed() -> list[dict[str, Any]] | None:
            found = [r for r in await open_requisitions(procurement, warehouse)
                     if r["lines"][0]["product_id"] == tea]
            return found or None
        [fresh] = await eventually(renewed, what="a new requisition")
        assert fresh["id"] != raised["id"] and fresh["lines"][0]["quantity"] == "5.0000"


async def test_conversion_makes_one_draft_order_per_supplier_and_warehouse(
        procurement: Procurement) -> None:
    north, south = await procurement.warehouse(), await procurement.warehouse()
    s1, s2 = await procurement.supplier(name="One"), await procurement.supplier(name="Two")
    tea, coffee, cups = [await procurement.product() for _ in range(3)]
    await list_price(procurement, s1, tea, "10.00")
    await list_price(procurement, s1, tea, "9.00", "15")          # reached by 10 + 5
    await list_price(procurement, s1, tea, "8.00", "15", valid_from=TODAY + timedelta(days=1))
    await list_price(procurement, s1, cups, "2.50")
    await list_price(procurement, s2, coffee, "30.00")
    await list_price(procurement, s2, tea, "1.00")                 # another supplier's price

    needed = (TODAY + timedelta(days=10)).isoformat()
    r1 = await procurement.post("requisitions", {
        "warehouse_id": north, "note": "spring stock", "lines": [
            {"product_id": tea, "quantity": "10", "supplier_id": s1, "needed_by": needed},
            {"product_id": coffee, "quantity": "4", "supplier_id": s2}]}, expect=201)
    r2 = await procurement.post("requisitions", {"warehouse_id": north, "lines": [
        {"product_id": tea, "quantity": "5", "supplier_id": s1},
        {"product_id": cups, "quantity": "100"}]}, expect=201)
    r3 = await procurement.post("requisitions", {"warehouse_id": south, "lines": [
        {"product_id": tea, "quantity": "1", "supplier_id": s1}]}, expect=201)
    assert (r1["source"], r1["status"], r1["version"]) == ("manual", "open", 1)
    ids = [r1["id"], r2["id"], r3["id"]]

    missing = await procurement.post("requisitions/convert", {"requisition_ids": ids},
                                     expect=422)
    assert missing["code"] == "supplier_missing"
    assert missing["errors"][0]["message"] == f"{r2['number']} line 2 has no supplier"

    response = await procurement.client.patch(
        f"/api/v1/procurement/requisitions/{r2['id']}/lines/2", json={"supplier_id": s1},
        headers={"If-Match": 'W/"1"'})
    assert response.status_code == 200, response.text
    assert response.headers["ETag"] == 'W/"2"'
    stale = await procurement.client.patch(
        f"/api/v1/procurement/requisitions/{r2['id']}/lines/2", json={"quantity": "90"},
        headers={"If-Match": 'W/"1"'})
    assert stale.status_code == 412

    converted = await procurement.post("requisitions/convert", {"requisition_ids": ids},
                                       expect=201)
    by_group = {(o["supplier_id"], o["warehouse_id"]): o for o in converted["orders"]}
    assert set(by_group) == {(s1, north), (s2, north), (s1, south)}
    assert set(by_group[(s1, north)]["requisition_ids"]) == {r1["id"], r2["id"]}

    order = await procurement.get(f"purchase-orders/{by_group[(s1, north)]['order_id']}")
    assert order["status"] == "draft" and order["number"] == by_group[(s1, north)]["number"]
    assert {(ln["product_id"], ln["quantity"], ln["unit_price"]) for ln in order["lines"]} == {
        (tea, "15.0000", "9.0000"), (cups, "100.0000", "2.5000")}
    assert order["expected_at"].startswith(needed)
    south_order = await procurement.get(
        f"purchase-orders/{by_group[(s1, south)]['order_id']}")
    assert [(ln["quantity"], ln["unit_price"]) for ln in south_order["lines"]] == [
        ("1.0000", "10.0000")]
    # Whoever converted the requisitions drafted the order: they may not approve it.
    await procurement.post(f"purchase-orders/{south_order['id']}/submit", expect=200)
    own = await procurement.post(f"purchase-orders/{south_order['id']}/approve", expect=403)
    assert own["reason"] == "self_approval_forbidden"

    done = await procurement.get(f"requisitions/{r1['id']}")
    assert done["status"] == "converted" and done["closed_at"] is not None
    assert {ln["product_id"]: ln["order_id"] for ln in done["lines"]} == {
        tea: by_group[(s1, north)]["order_id"], coffee: by_group[(s2, north)]["order_id"]}
    twice = await procurement.post("requisitions/convert", {"requisition_ids": [r3["id"]]},
                                   expect=409)
    assert twice["code"] == "requisition_closed"
    assert (await procurement.get("requisitions", status="converted"))["items"] != []
    assert (await procurement.get("requisitions", status="open"))["items"] == []


async def test_conversion_is_all_or_nothing(procurement: Procurement) -> None:
    warehouse = await procurement.warehouse()
    good, blocked = await procurement.supplier(), await procurement.supplier()
    tea, salt = await procurement.product(), await procurement.product()
    await list_price(procurement, good, tea, "4.00")
    await list_price(procurement, blocked, tea, "3.00")
    priced = await procurement.post("requisitions", {"warehouse_id": warehouse, "lines": [
        {"product_id": tea, "quantity": "2", "supplier_id": good}]}, expect=201)
    unpriced = await procurement.post("requisitions", {"warehouse_id": warehouse, "lines": [
        {"product_id": salt, "quantity": "2", "supplier_id": good}]}, expect=201)

    problem = await procurement.post(
        "requisitions/convert", {"requisition_ids": [priced["id"], unpriced["id"]]}, expect=422)
    assert problem["code"] == "price_missing"
    assert [(e["supplier_id"], e["product_id"]) for e in problem["errors"]] == [(good, salt)]

    await procurement.supplier(supplier_id=uuid.UUID(blocked), status="blocked", version=2)
    to_blocked = await procurement.post("requisitions", {"warehouse_id": warehouse, "lines": [
        {"product_id": tea, "quantity": "2", "supplier_id": blocked}]}, expect=201)
    refused = await procurement.post(
        "requisitions/convert", {"requisition_ids": [priced["id"], to_blocked["id"]]},
        expect=409)
    assert refused["code"] == "supplier_blocked"

    unknown = await procurement.post(
        "requisitions/convert", {"requisition_ids": [priced["id"], str(uuid.uuid4())]},
        expect=404)
    assert unknown["code"] == "not_found"
    assert (await procurement.get("purchase-orders"))["items"] == []
    still = await procurement.get("requisitions", status="open")
    assert len(still["items"]) == 3

    cancelled = await procurement.post(f"requisitions/{unpriced['id']}/cancel", expect=200)
    assert cancelled["status"] == "cancelled"
    again = await procurement.post(f"requisitions/{unpriced['id']}/cancel", expect=409)
    assert again["requisition_status"] == "cancelled"


async def test_requisitions_are_checked_and_kept_in_the_callers_scope(
        procurement: Procurement) -> None:
    branch = uuid.uuid4()
    mine, theirs = await procurement.warehouse(branch), await procurement.warehouse()
    tea = await procurement.product()
    requisition = {"warehouse_id": theirs, "lines": [{"product_id": tea, "quantity": "1"}]}
    await procurement.post("requisitions", requisition, expect=201)

    clerk = procurement.as_user("procurement:requisition", "procurement:read",
                                branches=[str(branch)])
    outside = await procurement.post("requisitions", requisition, expect=403, client=clerk)
    assert outside["code"] == "forbidden"
    await procurement.post("requisitions", {**requisition, "warehouse_id": mine}, expect=201,
                           client=clerk)
    seen = await procurement.get("requisitions", client=clerk)
    assert [r["warehouse_id"] for r in seen["items"]] == [mine]
    assert len((await procurement.get("requisitions"))["items"]) == 2

    reader = procurement.as_user("procurement:read")
    await procurement.post("requisitions", requisition, expect=403, client=reader)
    converter = procurement.as_user("procurement:requisition")
    await procurement.post("requisitions/convert", {"requisition_ids": [str(uuid.uuid4())]},
                           expect=403, client=converter)

    bad = await procurement.post("requisitions", {"warehouse_id": mine, "lines": [
        {"product_id": str(uuid.uuid4()), "quantity": "1", "supplier_id": str(uuid.uuid4())},
        {"product_id": tea, "quantity": "0"}]}, expect=422)
    assert bad["code"] == "validation_error"
    bad = await procurement.post("requisitions", {"warehouse_id": mine, "lines": [
        {"product_id": str(uuid.uuid4()), "quantity": "1", "supplier_id": str(uuid.uuid4())}]},
        expect=422)
    assert {e["field"] for e in bad["errors"]} == {"lines.0.product_id", "lines.0.supplier_id"}
    unknown = await procurement.post("requisitions", {**requisition,
                                                      "warehouse_id": str(uuid.uuid4())},
                                     expect=422)
    assert unknown["code"] == "unknown_warehouse"


async def test_requisition_pages(procurement: Procurement) -> None:
    warehouse = await procurement.warehouse()
    tea = await procurement.product()
    numbers = [(await procurement.post("requisitions", {"warehouse_id": warehouse, "lines": [
        {"product_id": tea, "quantity": "1"}]}, expect=201))["number"] for _ in range(3)]
    first = await procurement.get("requisitions", limit=2)
    rest = await procurement.get("requisitions", limit=2, cursor=first["next_cursor"])
    assert [r["number"] for r in first["items"] + rest["items"]] == numbers
    assert rest["next_cursor"] is None
    response = await procurement.client.get("/api/v1/procurement/requisitions",
                                            params={"cursor": "bogus"})
    assert response.status_code == 422


async def test_a_later_alert_fills_in_what_the_replicas_lacked(procurement: Procurement) -> None:
    warehouse, branch = uuid.uuid4(), uuid.uuid4()
    tea = await procurement.product()

    async def alert(suggested: str) -> None:
        async with procurement.db.transaction() as session:
            await requisitions.on_stock_low(session, low(str(warehouse), tea, suggested))

    await alert("4")
    [raised] = await open_requisitions(procurement, str(warehouse))
    assert (raised["branch_id"], raised["lines"][0]["supplier_id"]) == (None, None)

    supplier = await procurement.supplier()
    async with procurement.db.transaction() as session:
        await replicas.keep_warehouse(session, WarehouseUpserted(
            warehouse_id=warehouse, code="LATE", name="Late store", branch_id=branch,
            version=1))
        await costs.keep_preferred(session, PreferredSupplierSet(
            product_id=uuid.UUID(tea), supplier_id=uuid.UUID(supplier), version=1))
    await alert("6")
    await alert("0")  # not a shortage: ignored
    [again] = await open_requisitions(procurement, str(warehouse))
    assert (again["id"], again["version"], again["branch_id"]) == (raised["id"], 2, str(branch))
    assert (again["lines"][0]["quantity"], again["lines"][0]["supplier_id"]) == (
        "6.0000", supplier)
