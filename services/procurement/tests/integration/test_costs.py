"""Purchase cost control over HTTP: the price history approved orders leave,
per-supplier last / average / best prices, an order's variance against the
best list prices, the savings report, the price-list replica over Kafka, and
the last price paid pricing a conversion."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update

from jxc.contracts.supplier import PreferredSupplierSet, SupplierPriceUpserted
from jxc.platform.envelope import new_id
from jxc.platform.testing import Infrastructure, eventually, send, serving
from jxc.procurement.adapters.tables import purchase_price_history
from jxc.procurement.domain.costs import SAVINGS_DEFINITION
from jxc.procurement.service_layer import costs

from .conftest import MANAGER, Procurement, procurement_app
from .test_requisitions import TODAY, list_price

D = Decimal
APPROVER = ("procurement:read", "procurement:approve")


async def approved(procurement: Procurement, supplier: str, warehouse: str,
                   *lines: tuple[str, str, str], days_ago: int = 0) -> str:
    """An approved order of (product, quantity, unit price) lines; its price
    history moved ``days_ago`` back, as if it had been approved then."""
    order = await procurement.post("purchase-orders", {
        "supplier_id": supplier, "warehouse_id": warehouse, "lines": [
            {"product_id": p, "quantity": q, "unit_price": price} for p, q, price in lines]},
        expect=201)
    await procurement.post(f"purchase-orders/{order['id']}/submit")
    manager = procurement.as_user(*APPROVER, subject=MANAGER)
    done = await procurement.post(f"purchase-orders/{order['id']}/approve", client=manager)
    assert done["status"] == "approved"
    async with procurement.db.transaction() as session:
        await session.execute(update(purchase_price_history).where(
            purchase_price_history.c.order_id == uuid.UUID(order["id"])).values(
            priced_on=TODAY - timedelta(days=days_ago)))
    return str(order["id"])


async def test_price_history_variance_and_savings(procurement: Procurement) -> None:
    branch = uuid.uuid4()
    warehouse = await procurement.warehouse(branch)
    s1, s2, s3 = [await procurement.supplier(name=n) for n in ("One", "Two", "Three")]
    tea, coffee = await procurement.product(), await procurement.product()
    await list_price(procurement, s3, tea, "10.00", "15")
    await list_price(procurement, s1, tea, "10.80")
    await list_price(procurement, s2, tea, "9.00", valid_to=TODAY - timedelta(days=1))

    await approved(procurement, s1, warehouse, (tea, "10", "10.00"), days_ago=60)
    await approved(procurement, s2, warehouse, (tea, "30", "12.00"), days_ago=40)
    recent = await approved(procurement, s1, warehouse, (tea, "20", "10.50"),
                            (coffee, "4", "30.00"))
    await approved(procurement, s2, warehouse, (tea, "5", "12.00"))

    prices = await procurement.get(f"products/{tea}/prices")
    assert [(h["supplier_id"], h["quantity"], h["unit_price"]) for h in prices["history"]][-2:] \
        == [(s2, "30.0000", "12.0000"), (s1, "10.0000", "10.0000")]
    assert prices["history"][0]["priced_on"] == TODAY.isoformat()
    summaries = {s["supplier_id"]: s for s in prices["suppliers"]}
    assert summaries[s1] | {"supplier_id": None} == {
        "supplier_id": None, "currency": "CNY", "purchases": 2, "quantity": "30.0000",
        "last_price": "10.5000", "last_on": TODAY.isoformat(), "average_price": "10.3333",
        "best_price": "10.0000"}
    assert (summaries[s2]["average_price"], summaries[s2]["quantity"]) == ("12.0000", "35.0000")

    page = await procurement.get(f"products/{tea}/prices", limit=3)
    rest = await procurement.get(f"products/{tea}/prices", limit=3, cursor=page["next_cursor"])
    assert [h["order_id"] for h in page["history"] + rest["history"]] == [
        h["order_id"] for h in prices["history"]]
    assert rest["next_cursor"] is None and len(rest["history"]) == 1
    only_s2 = await procurement.get(f"products/{tea}/prices", supplier_id=s2)
    assert {h["supplier_id"] for h in only_s2["history"]} == {s2}
    assert [s["supplier_id"] for s in only_s2["suppliers"]] == [s2]

    variance = await procurement.get(f"purchase-orders/{recent}/price-variance")
    by_product = {ln["product_id"]: ln for ln in variance["lines"]}
    assert variance["priced_on"] == TODAY.isoformat()
    assert by_product[tea]["best_list_price"]["supplier_id"] == s3
    assert (by_product[tea]["difference"], by_product[tea]["difference_pct"],
            by_product[tea]["line_excess"]) == ("0.5000", "5.00", "10.0000")
    assert by_product[coffee]["best_list_price"] is None
    assert by_product[coffee]["difference"] is None

    report = await procurement.get("reports/savings", **{
        "from": (TODAY - timedelta(days=7)).isoformat(), "to": TODAY.isoformat()})
    assert report["definition"] == SAVINGS_DEFINITION
    rows = {(r["product_id"], r["supplier_id"]): r for r in report["rows"]}
    assert set(rows) == {(tea, s1), (tea, s2), (coffee, s1)}
    tea_s1 = rows[(tea, s1)]
    assert (tea_s1["quantity"], tea_s1["paid"], tea_s1["at_best_list_price"],
            tea_s1["average_price"], tea_s1["at_average_price"], tea_s1["savings"],
            tea_s1["list_premium"]) == ("20.0000", "210.0000", "200.0000", "11.5000",
                                        "230.0000", "20.0000", "10.0000")
    tea_s2 = rows[(tea, s2)]
    assert (tea_s2["paid"], tea_s2["at_best_list_price"], tea_s2["savings"]) == (
        "60.0000", "54.0000", "-2.5000")
    coffee_s1 = rows[(coffee, s1)]
    assert (coffee_s1["savings"], coffee_s1["unlisted_quantity"],
            coffee_s1["list_premium"]) == ("0.0000", "4.0000", "0.0000")

    other = procurement.as_user("procurement:read", branches=[str(uuid.uuid4())])
    assert (await procurement.get(f"products/{tea}/prices", client=other))["history"] == []
    hidden = await other.get(f"/api/v1/procurement/purchase-orders/{recent}/price-variance")
    assert hidden.status_code == 404
    assert (await procurement.get("reports/savings", client=other, **{
        "from": TODAY.isoformat(), "to": TODAY.isoformat()}))["rows"] == []
    own = procurement.as_user("procurement:read", branches=[str(branch)])
    assert len((await procurement.get(f"products/{tea}/prices", client=own))["history"]) == 4
    nobody = procurement.as_user("procurement:requisition")
    refused = await nobody.get(f"/api/v1/procurement/products/{tea}/prices")
    assert refused.status_code == 403

    for params in ({"from": TODAY.isoformat(), "to": (TODAY - timedelta(days=1)).isoformat()},
                   {"to": TODAY.isoformat()}, {"from": "yesterday", "to": TODAY.isoformat()}):
        bad = await procurement.client.get("/api/v1/procurement/reports/savings",
                                           params=params)
        assert bad.status_code == 422, params
        assert bad.headers["content-type"] == "application/problem+json"


async def test_recording_an_approval_again_replaces_its_prices(procurement: Procurement) -> None:
    warehouse, supplier = await procurement.warehouse(), await procurement.supplier()
    tea = await procurement.product()
    order = await approved(procurement, supplier, warehouse, (tea, "3", "5.00"))
    async with procurement.db.transaction() as session:
        await costs.record_approved_prices(session, uuid.UUID(order))
        count = (await session.execute(select(func.count()).select_from(
            purchase_price_history))).scalar_one()
    assert count == 1


async def test_conversion_falls_back_to_the_last_price_paid(procurement: Procurement) -> None:
    warehouse, supplier = await procurement.warehouse(), await procurement.supplier()
    tea = await procurement.product()
    await approved(procurement, supplier, warehouse, (tea, "3", "5.00"), days_ago=9)
    await approved(procurement, supplier, warehouse, (tea, "3", "5.60"), days_ago=2)
    requisition = await procurement.post("requisitions", {"warehouse_id": warehouse, "lines": [
        {"product_id": tea, "quantity": "7", "supplier_id": supplier}]}, expect=201)
    [made] = (await procurement.post("requisitions/convert", {
        "requisition_ids": [requisition["id"]]}, expect=201))["orders"]
    order = await procurement.get(f"purchase-orders/{made['order_id']}")
    assert [(ln["quantity"], ln["unit_price"]) for ln in order["lines"]] == [("7.0000", "5.6000")]


async def test_price_lists_arrive_from_supplier_events(procurement: Procurement,
                                                       infra: Infrastructure) -> None:
    supplier, tea = uuid.uuid4(), uuid.uuid4()
    price_id = uuid.uuid4()

    def version(n: int, price: str, active: bool = True) -> SupplierPriceUpserted:
        return SupplierPriceUpserted(
            price_id=price_id, supplier_id=supplier, product_id=tea, unit_price=D(price),
            min_quantity=D(1), lead_time_days=2, valid_from=TODAY, active=active, version=n)

    async def offer() -> list[Any]:
        async with procurement.db.session() as session:
            return (await session.execute(select(costs.prices).where(
                costs.prices.c.price_id == price_id))).all()

    async def preferred() -> bool:
        async with procurement.db.session() as session:
            return await costs.preferred_supplier(session, tea) == supplier

    async with serving(procurement_app(procurement.url, infra, procurement.issuer,
                                       role="worker")):
        for event in (version(2, "8.00"), version(1, "9.00"),  # an older one arrives late
                      PreferredSupplierSet(product_id=tea, supplier_id=supplier, version=1)):
            await send(infra, event, new_id())
        await eventually(preferred, what="the events up to the preferred supplier")
        [row] = await offer()
        assert (row.unit_price, row.version, row.active) == (D("8.0000"), 2, True)
        async with procurement.db.session() as session:
            assert [o.price_id for o in await costs.offers(session, [tea])] == [price_id]
        known = await procurement.get(f"products/{tea}/offers")
        assert known["preferred_supplier_id"] == str(supplier)
        assert [(o["price_id"], o["unit_price"]) for o in known["offers"]] == [
            (str(price_id), "8.0000")]

        await send(infra, version(3, "7.50", active=False), new_id())

        async def withdrawn() -> bool:
            return not (await offer())[0].active
        await eventually(withdrawn, what="the withdrawal")
    [row] = await offer()
    assert (row.unit_price, row.version) == (D("7.5000"), 3)
    async with procurement.db.session() as session:
        assert await costs.offers(session, [tea]) == []
