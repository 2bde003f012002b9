"""Price lists: versioned lines, overlaps refused by the database with
nothing changed, every supplier's prices for a product best first, and the
preferred supplier (a blocked one refused, and withdrawn when blocked);
products must be known to the replica and active."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from sqlalchemy import func, select

from jxc.supplier.adapters.tables import SupplierPrice

from .conftest import Supplier

PRODUCT_ID = uuid.uuid4()
PRODUCT = str(PRODUCT_ID)


def price(**fields: Any) -> dict[str, Any]:
    return {"product_id": PRODUCT, "unit_price": "10.5000", "min_quantity": "1",
            "lead_time_days": 7, "valid_from": "2026-01-01", "valid_to": "2026-06-30", **fields}


async def count_prices(supplier: Supplier) -> int:
    async with supplier.db.session() as session:
        return int((await session.execute(
            select(func.count()).select_from(SupplierPrice))).scalar_one())


async def test_price_lines_are_versioned_and_announced(supplier: Supplier) -> None:
    await supplier.known_product(PRODUCT_ID)
    acme = await supplier.new_supplier("ACME")
    line = await supplier.post(f"suppliers/{acme['id']}/prices", price())
    assert (line["unit_price"], line["min_quantity"], line["version"]) == ("10.5000", "1.0000", 1)
    changed = await supplier.call("PATCH", f"suppliers/{acme['id']}/prices/{line['id']}",
                                  {"unit_price": "9.9", "valid_to": None},
                                  headers={"If-Match": 'W/"1"'})
    assert (changed["unit_price"], changed["valid_to"], changed["version"]) == (
        "9.9000", None, 2)
    withdrawn = await supplier.call("DELETE", f"suppliers/{acme['id']}/prices/{line['id']}")
    assert (withdrawn["active"], withdrawn["version"]) == (False, 3)
    assert (await supplier.get(f"suppliers/{acme['id']}/prices"))["items"] == []
    assert len((await supplier.get(f"suppliers/{acme['id']}/prices",
                                   include_withdrawn="true"))["items"]) == 1

    events = await supplier.outbox("SupplierPriceUpserted")
    assert [(e["price_id"], e["unit_price"], e["active"], e["version"]) for e in events] == [
        (line["id"], "10.5000", True, 1), (line["id"], "9.9000", True, 2),
        (line["id"], "9.9000", False, 3)]
    assert events[0]["supplier_id"] == acme["id"] and events[0]["product_id"] == PRODUCT


async def test_overlap_is_refused_and_nothing_changes(supplier: Supplier) -> None:
    await supplier.known_product(PRODUCT_ID)
    acme = await supplier.new_supplier("ACME")
    path = f"suppliers/{acme['id']}/prices"
    first = await supplier.post(path, price())
    before = (await count_prices(supplier), await supplier.outbox())

    overlap = await supplier.post(path, price(valid_from="2026-06-30", valid_to=None,
                                              unit_price="8"), expect=409)
    assert overlap["code"] == "price_overlap"
    open_ended = await supplier.post(path, price(valid_from="2025-01-01", valid_to="2026-01-01"),
                                     expect=409)
    assert open_ended["code"] == "price_overlap"
    second = await supplier.post(path, price(valid_from="2026-07-01", valid_to=None))
    moved = await supplier.call("PATCH", f"{path}/{first['id']}", {"valid_to": "2026-07-15"},
                                expect=409)
    assert moved["code"] == "price_overlap"
    assert (await supplier.get(f"{path}/{first['id']}"))["version"] == 1
    await supplier.call("PATCH", f"{path}/{first['id']}", {"unit_price": None}, expect=422)

    # other minimum quantities, products and suppliers do not overlap
    await supplier.post(path, price(min_quantity="100", unit_price="9"))
    await supplier.post(path, price(product_id=str(await supplier.known_product())))
    bolt = await supplier.new_supplier("BOLT")
    await supplier.post(f"suppliers/{bolt['id']}/prices", price())

    invalid = await supplier.post(path, price(valid_from="2027-02-01", valid_to="2027-01-01"),
                                  expect=422)
    assert invalid["code"] == "validation_error"
    for bad in ({"unit_price": "-1"}, {"min_quantity": "0"}, {"unit_price": "1.00001"},
                {"currency": "rmb"}, {"lead_time_days": -1}):
        await supplier.post(path, price(valid_from="2030-01-01", **bad), expect=422)
    await supplier.post(f"suppliers/{uuid.uuid4()}/prices", price(), expect=404)

    assert await count_prices(supplier) == before[0] + 4
    assert second["id"] in {e["price_id"] for e in await supplier.outbox("SupplierPriceUpserted")}


async def test_product_prices_best_first(supplier: Supplier) -> None:
    await supplier.known_product(PRODUCT_ID)
    acme, bolt, coil = [await supplier.new_supplier(code) for code in ("ACME", "BOLT", "COIL")]
    await supplier.post(f"suppliers/{acme['id']}/prices", price(unit_price="12"))
    await supplier.post(f"suppliers/{bolt['id']}/prices", price(unit_price="11",
                                                                min_quantity="50"))
    await supplier.post(f"suppliers/{bolt['id']}/prices", price(unit_price="13"))
    await supplier.post(f"suppliers/{coil['id']}/prices", price(unit_price="10",
                                                                valid_from="2026-07-01",
                                                                valid_to=None))
    found = await supplier.get(f"products/{PRODUCT}/prices", on="2026-03-01")
    assert [(p["supplier_code"], p["unit_price"]) for p in found] == [
        ("BOLT", "11.0000"), ("ACME", "12.0000"), ("BOLT", "13.0000")]
    small = await supplier.get(f"products/{PRODUCT}/prices", on="2026-03-01", quantity="5")
    assert [p["supplier_code"] for p in small] == ["ACME", "BOLT"]
    later = await supplier.get(f"products/{PRODUCT}/prices", on="2026-08-01")
    assert [p["supplier_code"] for p in later] == ["COIL"]

    await supplier.post(f"suppliers/{acme['id']}/block", {"reason": "audit"}, expect=200)
    blocked_left_out = await supplier.get(f"products/{PRODUCT}/prices", on="2026-03-01")
    assert "ACME" not in {p["supplier_code"] for p in blocked_left_out}


async def test_preferred_supplier(supplier: Supplier) -> None:
    await supplier.known_product(PRODUCT_ID)
    acme = await supplier.new_supplier("ACME")
    bolt = await supplier.new_supplier("BOLT")
    path = f"products/{PRODUCT}/preferred-supplier"
    assert (await supplier.get(path))["supplier_id"] is None

    first = await supplier.call("PUT", path, {"supplier_id": acme["id"]})
    assert (first["supplier_id"], first["version"]) == (acme["id"], 1)
    same = await supplier.call("PUT", path, {"supplier_id": acme["id"]})
    assert same["version"] == 1

    await supplier.post(f"suppliers/{bolt['id']}/block", {"reason": "late twice"}, expect=200)
    before = await supplier.outbox()
    refused = await supplier.call("PUT", path, {"supplier_id": bolt["id"]}, expect=409)
    assert refused["code"] == "supplier_blocked"
    unknown = await supplier.call("PUT", path, {"supplier_id": str(uuid.uuid4())}, expect=404)
    assert unknown["code"] == "not_found"
    assert await supplier.outbox() == before
    assert (await supplier.get(path))["supplier_id"] == acme["id"]

    # blocking the preferred supplier withdraws the preference
    await supplier.post(f"suppliers/{acme['id']}/block", {"reason": "audit"}, expect=200)
    assert (await supplier.get(path)) == {"product_id": PRODUCT, "supplier_id": None,
                                          "version": 2}
    cleared = await supplier.call("PUT", path, {"supplier_id": None})
    assert cleared["version"] == 2

    events = await supplier.outbox("PreferredSupplierSet")
    assert [(e["product_id"], e["supplier_id"], e["version"]) for e in events] == [
        (PRODUCT, acme["id"], 1), (PRODUCT, None, 2)]


async def test_concurrent_overlapping_prices_one_wins(supplier: Supplier) -> None:
    await supplier.known_product(PRODUCT_ID)
    acme = await supplier.new_supplier("ACME")
    path = f"/api/v1/supplier/suppliers/{acme['id']}/prices"
    responses = await asyncio.gather(*[
        supplier.client.post(path, json=price(unit_price=str(n), valid_from=f"2026-0{n}-01",
                                              valid_to=None)) for n in range(1, 7)])
    assert sorted(r.status_code for r in responses) == [201] + [409] * 5
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"price_overlap"}
    assert await count_prices(supplier) == 1


async def test_products_must_be_known_and_active(supplier: Supplier) -> None:
    acme = await supplier.new_supplier("ACME")
    path = f"suppliers/{acme['id']}/prices"
    unknown = await supplier.post(path, price(product_id=str(uuid.uuid4())), expect=422)
    assert unknown["code"] == "unknown_product"
    assert unknown["errors"][0]["field"] == "product_id"
    retired = await supplier.known_product(active=False)
    inactive = await supplier.post(path, price(product_id=str(retired)), expect=409)
    assert inactive["code"] == "product_inactive"
    not_there = await supplier.call("PUT", f"products/{uuid.uuid4()}/preferred-supplier",
                                    {"supplier_id": acme["id"]}, expect=404)
    assert not_there["code"] == "unknown_product"
    assert await count_prices(supplier) == 0
    assert await supplier.outbox("SupplierPriceUpserted") == []

    # the replica keeps the highest version: an older event does not revive it
    await supplier.known_product(retired, active=True, version=1)
    await supplier.known_product(retired, active=False, version=2)
    await supplier.known_product(retired, active=True, version=1)
    await supplier.post(path, price(product_id=str(retired)), expect=409)
    await supplier.known_product(retired, active=True, version=3)
    await supplier.post(path, price(product_id=str(retired)))
