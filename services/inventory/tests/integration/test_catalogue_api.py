"""The catalogue on a migrated database: products with several barcodes and
unit conversions, the category tree, and the all-or-nothing bulk import, each
change announced through the outbox in its own transaction."""

from __future__ import annotations

import contextlib
import io
from collections.abc import AsyncIterator
from typing import Any

import httpx
from sqlalchemy import func, select

from jxc.contracts.topics import AUDIT_EVENTS
from jxc.inventory.bootstrap import MIGRATIONS, build
from jxc.inventory.settings import InventorySettings
from jxc.platform.app import create_app
from jxc.platform.db import Database
from jxc.platform.db.tables import outbox
from jxc.platform.testing import Infrastructure, TokenIssuer, migrated_database, serving

API = "/api/v1/inventory"
EAN = "4006381333931"
CASE = "14006381333938"  # GTIN-14 of a case
UPC = "036000291452"
HEADER = ("sku,name,unit,barcodes,category_code,costing_method,sale_price,tax_rate,"
          "lot_tracked,shelf_life_days,units\n")


@contextlib.asynccontextmanager
async def catalogue(infra: Infrastructure) -> AsyncIterator[tuple[httpx.AsyncClient, Database,
                                                                  TokenIssuer]]:
    url = await migrated_database(infra, MIGRATIONS, "inventory")
    issuer = TokenIssuer()
    spec = build(InventorySettings(database_url=url, kafka_bootstrap=infra.kafka_bootstrap))
    spec.jwks_fetcher = issuer.fetcher
    db = Database(url)
    try:
        async with serving(create_app(spec, role="api")) as base, \
                httpx.AsyncClient(base_url=base, headers=issuer.headers("inventory:*"),
                                  timeout=60) as client:
            yield client, db, issuer
    finally:
        await db.dispose()


async def events(db: Database) -> list[dict[str, Any]]:
    async with db.session() as session:
        rows = (await session.execute(select(outbox.c.type, outbox.c.payload)
                                      .where(outbox.c.topic != AUDIT_EVENTS)
                                      .order_by(outbox.c.id))).all()
    assert {r.type for r in rows} <= {"jxc.inventory.ProductUpserted.v1"}
    return [r.payload for r in rows]


def fields(response: httpx.Response) -> set[str]:
    return {e["field"] for e in response.json().get("errors", [])}


async def test_products_with_barcodes_units_and_categories(infra: Infrastructure) -> None:
    async with catalogue(infra) as (client, db, _):
        drinks = (await client.post(f"{API}/categories", json={
            "code": "DRINK", "name": "饮料"})).json()
        tea = (await client.post(f"{API}/categories", json={
            "code": "TEA", "name": "茶饮料", "parent_id": drinks["id"]})).json()

        created = await client.post(f"{API}/products", json={
            "sku": "TEA-500", "name": "Green tea 500ml", "unit": "个",
            "barcodes": [EAN, {"code": CASE, "unit": "箱"}], "units": [
                {"unit": "箱", "factor": "12"}, {"unit": "打", "factor": 12}],
            "category_id": tea["id"], "lot_tracked": True, "shelf_life_days": 365,
            "sale_price": "3.5"})
        assert created.status_code == 201, created.text
        product = created.json()
        assert product["barcode"] == EAN
        assert product["barcodes"] == [{"code": EAN, "unit": "个"},
                                       {"code": CASE, "unit": "箱"}]
        assert {u["unit"]: u["factor"] for u in product["units"]} == {
            "箱": "12.000000", "打": "12.000000"}
        assert product["lot_tracked"] is True and product["shelf_life_days"] == 365

        scan = await client.get(f"{API}/products/by-barcode/{CASE}")
        assert scan.status_code == 200, scan.text
        assert scan.json()["unit"] == "箱"
        assert scan.json()["factor"] == "12.000000"
        assert scan.json()["product"]["id"] == product["id"]
        single = (await client.get(f"{API}/products/by-barcode/{EAN}")).json()
        assert (single["unit"], single["factor"]) == ("个", "1.000000")

        # The v1 single barcode: a UPC-A is kept as its EAN-13 and found by either form.
        legacy = await client.post(f"{API}/products", json={
            "sku": "COLA-1", "name": "Cola", "unit": "瓶", "barcode": UPC})
        assert legacy.status_code == 201, legacy.text
        assert legacy.json()["barcode"] == "0" + UPC
        for form in (UPC, "0" + UPC, "00" + UPC):
            found = await client.get(f"{API}/products/by-barcode/{form}")
            assert found.json()["product"]["sku"] == "COLA-1"

        # Lists: by barcode (any form), category with its subcategories, name, activity.
        async def skus(**params: Any) -> list[str]:
            page = await client.get(f"{API}/products", params=params)
            assert page.status_code == 200, page.text
            return [p["sku"] for p in page.json()["items"]]

        assert await skus(barcode=UPC) == ["COLA-1"]
        assert await skus(category_id=drinks["id"]) == ["TEA-500"]
        assert await skus(category_id=tea["id"]) == ["TEA-500"]
        assert await skus(q="GREEN") == ["TEA-500"]
        assert await skus(q="%") == []
        assert await skus(active="true") == ["COLA-1", "TEA-500"]
        assert await skus(active="false") == []
        assert await skus(sku="COLA-1") == ["COLA-1"]

        # Bad input is a 422 naming the field, never a 500.
        body = {"sku": "X-1", "name": "X", "unit": "个"}
        bad_digit = await client.post(f"{API}/products", json={
            **body, "barcodes": ["4006381333932"]})
        assert bad_digit.status_code == 422
        assert fields(bad_digit) == {"barcodes"}
        assert "check digit" in bad_digit.json()["errors"][0]["message"]
        bad_primary = await client.post(f"{API}/products", json={**body, "barcode": "12345"})
        assert fields(bad_primary) == {"barcode"}
        bad_unit = await client.post(f"{API}/products", json={
            **body, "barcodes": [{"code": "96385074", "unit": "桶"}]})
        assert bad_unit.status_code == 422
        assert fields(bad_unit) == {"barcodes"}
        assert "桶" in bad_unit.json()["errors"][0]["message"]
        zero = await client.post(f"{API}/products", json={
            **body, "units": [{"unit": "箱", "factor": "0"}]})
        assert zero.status_code == 422
        assert fields(zero) == {"units.0.factor"}
        base_again = await client.post(f"{API}/products", json={
            **body, "units": [{"unit": "个", "factor": "1"}]})
        assert fields(base_again) == {"units"}
        no_lots = await client.post(f"{API}/products", json={**body, "shelf_life_days": 30})
        assert fields(no_lots) == {"shelf_life_days"}
        unknown_category = await client.post(f"{API}/products", json={
            **body, "category_id": "00000000-0000-0000-0000-000000000000"})
        assert fields(unknown_category) == {"category_id"}
        bad_scan = await client.get(f"{API}/products/by-barcode/4006381333932")
        assert bad_scan.status_code == 422
        assert fields(bad_scan) == {"code"}

        # A barcode belongs to one product.
        taken = await client.post(f"{API}/products", json={**body, "barcodes": [CASE]})
        assert taken.status_code == 409
        assert taken.json()["code"] == "duplicate"
        assert fields(taken) == {"barcodes"}
        assert "TEA-500" in taken.json()["errors"][0]["message"]

        # Unknown products are 404s.
        missing = "00000000-0000-0000-0000-000000000001"
        assert (await client.get(f"{API}/products/{missing}")).status_code == 404
        assert (await client.patch(f"{API}/products/{missing}", json={"name": "y"})
                ).status_code == 404
        unknown_code = await client.get(f"{API}/products/by-barcode/96385074")
        assert unknown_code.status_code == 404
        assert unknown_code.headers["content-type"] == "application/problem+json"

        # PATCH: the primary barcode moves, bare codes keep their unit, nulls clear.
        path = f"{API}/products/{product['id']}"
        moved = await client.patch(path, headers={"If-Match": created.headers["etag"]},
                                   json={"barcodes": ["96385074", CASE],
                                         "category_id": None})
        assert moved.status_code == 200, moved.text
        assert moved.json()["barcodes"] == [{"code": "96385074", "unit": "个"},
                                            {"code": CASE, "unit": "箱"}]
        assert moved.json()["category_id"] is None
        assert moved.json()["version"] == 2
        freed = await client.post(f"{API}/products", json={**body, "barcodes": [EAN]})
        assert freed.status_code == 201, freed.text
        stale = await client.patch(path, headers={"If-Match": created.headers["etag"]},
                                   json={"name": "lost"})
        assert stale.status_code == 412
        dropped_unit = await client.patch(path, json={"units": []})
        assert dropped_unit.status_code == 422
        assert fields(dropped_unit) == {"barcodes"}
        same = await client.patch(path, json={"name": "Green tea 500ml"})
        assert same.json()["version"] == 2  # nothing changed, nothing announced

    published = await events(db)
    assert len(published) == 4  # TEA-500, COLA-1, its PATCH, X-1
    first = published[0]
    assert first["barcode"] == EAN
    assert first["barcodes"] == [EAN, CASE]
    assert first["category_id"] == tea["id"]
    assert {u["unit"]: u["factor"] for u in first["units"]} == {
        "箱": "12.000000", "打": "12.000000"}
    assert first["lot_tracked"] is True and first["shelf_life_days"] == 365
    assert published[2]["barcode"] == "96385074"
    assert published[2]["category_id"] is None


async def test_the_category_tree_refuses_cycles(infra: Infrastructure) -> None:
    async with catalogue(infra) as (client, _, issuer):
        async def create(code: str, parent: dict[str, Any] | None = None) -> dict[str, Any]:
            response = await client.post(f"{API}/categories", json={
                "code": code, "name": code.title(),
                "parent_id": parent["id"] if parent else None})
            assert response.status_code == 201, response.text
            return response.json()  # type: ignore[no-any-return]

        root = await create("FOOD")
        child = await create("SNACK", root)
        grandchild = await create("NUTS", child)

        for new_parent in (grandchild, child, root):
            cycle = await client.patch(f"{API}/categories/{root['id']}",
                                       json={"parent_id": new_parent["id"]})
            assert cycle.status_code == 422, cycle.text
            assert fields(cycle) == {"parent_id"}
        unknown = await client.patch(f"{API}/categories/{child['id']}", json={
            "parent_id": "00000000-0000-0000-0000-000000000000"})
        assert fields(unknown) == {"parent_id"}

        duplicate = await client.post(f"{API}/categories", json={"code": "FOOD", "name": "x"})
        assert duplicate.status_code == 409
        bad_code = await client.post(f"{API}/categories", json={"code": "a b", "name": "x"})
        assert bad_code.status_code == 422

        moved = await client.patch(f"{API}/categories/{grandchild['id']}",
                                   headers={"If-Match": 'W/"1"'},
                                   json={"parent_id": root["id"], "name": "Nuts & seeds"})
        assert moved.status_code == 200, moved.text
        assert moved.json()["parent_id"] == root["id"]
        assert moved.json()["version"] == 2
        stale = await client.patch(f"{API}/categories/{grandchild['id']}",
                                   headers={"If-Match": 'W/"1"'}, json={"name": "x"})
        assert stale.status_code == 412
        to_root = await client.patch(f"{API}/categories/{child['id']}", json={"parent_id": None})
        assert to_root.json()["parent_id"] is None

        children = await client.get(f"{API}/categories", params={"parent_id": root["id"]})
        assert [c["code"] for c in children.json()["items"]] == ["NUTS"]
        roots = await client.get(f"{API}/categories", params={"roots": "true"})
        assert [c["code"] for c in roots.json()["items"]] == ["FOOD", "SNACK"]
        assert (await client.get(f"{API}/categories/{root['id']}")).json()["code"] == "FOOD"
        assert (await client.get(f"{API}/categories/00000000-0000-0000-0000-000000000000")
                ).status_code == 404
        reader = await client.post(f"{API}/categories", json={"code": "X", "name": "x"},
                                   headers=issuer.headers("inventory:read"))
        assert reader.status_code == 403


def upload(text: str, name: str = "products.csv") -> dict[str, Any]:
    return {"file": (name, text.encode(), "text/csv")}


async def test_csv_import_creates_and_updates_in_one_go(infra: Infrastructure) -> None:
    async with catalogue(infra) as (client, db, issuer):
        await client.post(f"{API}/categories", json={"code": "TEA", "name": "茶"})
        good = HEADER + (
            f"TEA-1,Green tea,个,{EAN}|{CASE}=箱,TEA,fifo,12.50,13%,true,365,箱=12|打=12\n"
            f"TEA-2,Black tea,个,{UPC},,average,8,0.09,,,\n"
            "\n"
            "TEA-3,\"White tea, aged\",千克,,TEA,,100.0001,,no,,克=0.001\n")
        imported = await client.post(f"{API}/products/import", files=upload(good))
        assert imported.status_code == 200, imported.text
        assert imported.json() == {"created": 3, "updated": 0, "unchanged": 0}
        assert len(await events(db)) == 3

        scan = (await client.get(f"{API}/products/by-barcode/{CASE}")).json()
        assert scan["unit"] == "箱"
        green = scan["product"]
        assert green["tax_rate"] == "0.1300"
        assert green["costing_method"] == "fifo"
        assert green["shelf_life_days"] == 365
        white = (await client.get(f"{API}/products", params={"sku": "TEA-3"})).json()["items"][0]
        assert white["name"] == "White tea, aged"
        assert white["sale_price"] == "100.0001"
        assert white["units"] == [{"unit": "克", "factor": "0.001000"}]
        assert white["lot_tracked"] is False

        again = HEADER + (
            f"TEA-1,Green tea,个,{EAN}|{CASE}=箱,TEA,fifo,12.50,13%,true,365,箱=12|打=12\n"
            "TEA-2,Black tea (new),,,,,,,,,\n"
            "TEA-4,Oolong,包,,,,,,,,\n")
        second = await client.post(f"{API}/products/import", files=upload(again))
        assert second.json() == {"created": 1, "updated": 1, "unchanged": 1}, second.text
        black = (await client.get(f"{API}/products", params={"sku": "TEA-2"})).json()["items"][0]
        assert black["name"] == "Black tea (new)"
        assert black["barcode"] == "0" + UPC  # a blank cell keeps what was there
        assert black["version"] == 2
        assert len(await events(db)) == 5

        reader = await client.post(f"{API}/products/import", files=upload(again),
                                   headers=issuer.headers("inventory:read"))
        assert reader.status_code == 403


async def test_a_csv_with_bad_rows_imports_nothing(infra: Infrastructure) -> None:
    async with catalogue(infra) as (client, db, _):
        taken = await client.post(f"{API}/products", json={
            "sku": "OLD-1", "name": "Old", "unit": "个", "barcodes": ["96385074"]})
        assert taken.status_code == 201
        bad = HEADER + (
            "A-1,Apple,个,,,average,5,,,,\n"
            "A-2,Pear,个,4006381333932,,average,-1,,,,箱=0\n"
            "A-3,Plum,个,,,,,,,,\n"
            "A-1,Peach,个,96385074|69012345677=桶,NOPE,lifo,,,,30,\n")
        rejected = await client.post(f"{API}/products/import", files=upload(bad))
        assert rejected.status_code == 422, rejected.text
        problem = rejected.json()
        assert problem["code"] == "import_rejected"
        assert "nothing was imported" in problem["detail"]
        by_row: dict[int, set[str]] = {}
        for error in problem["errors"]:
            by_row.setdefault(error["row"], set()).add(error["field"])
            assert error["message"]
        assert by_row == {3: {"barcodes", "sale_price", "units"},
                          5: {"sku", "barcodes", "category_code", "costing_method"}}
        listed = (await client.get(f"{API}/products")).json()["items"]
        assert [p["sku"] for p in listed] == ["OLD-1"]
        assert len(await events(db)) == 1

        # Cross-field rules and barcodes held by other products are row errors too.
        second = HEADER + ("B-1,Bean,个,96385074,,,,,,,\n"
                           "B-2,Corn,个,,,,,,false,30,\n"
                           ",Nameless,个,,,,,,,,\n"
                           "B-3,,,,,,,,,,\n")
        again = await client.post(f"{API}/products/import", files=upload(second))
        assert again.status_code == 422
        assert [(e["row"], e["field"]) for e in again.json()["errors"]] == [
            (2, "barcodes"), (3, "shelf_life_days"), (4, "sku"), (5, "name"), (5, "unit")]
        assert "OLD-1" in again.json()["errors"][0]["message"]


async def test_xlsx_import(infra: Infrastructure) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["SKU", "Name", "Unit", "Barcodes", "Sale_Price", "Tax_Rate", "Units",
                  "Lot_Tracked", "Shelf_Life_Days"])
    sheet.append(["XL-1", "Rice 5kg", "袋", int(EAN), 59.9, 0.09, "箱=10", True, 540])
    sheet.append([None] * 9)
    sheet.append(["XL-2", "Rice 10kg", "袋", f"{CASE}=袋", 109, "13%", None, None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    async with catalogue(infra) as (client, db, _):
        imported = await client.post(f"{API}/products/import", files={"file": (
            "products.xlsx", buffer.getvalue(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")})
        assert imported.status_code == 200, imported.text
        assert imported.json() == {"created": 2, "updated": 0, "unchanged": 0}
        rice = (await client.get(f"{API}/products/by-barcode/{EAN}")).json()["product"]
        assert rice["sale_price"] == "59.9000"  # the typed 59.9, not the float's digits
        assert rice["tax_rate"] == "0.0900"
        assert rice["units"] == [{"unit": "箱", "factor": "10.000000"}]
        assert rice["shelf_life_days"] == 540
        assert len(await events(db)) == 2


async def test_import_refuses_unreadable_and_oversized_files(infra: Infrastructure) -> None:
    async with catalogue(infra) as (client, db, _):
        async def post(content: bytes, name: str = "p.csv") -> httpx.Response:
            return await client.post(f"{API}/products/import",
                                     files={"file": (name, content, "text/csv")})

        too_big = await post(b"sku,name,unit\n" + b"x" * (5 * 1024 * 1024))
        assert too_big.status_code == 413
        assert too_big.json()["code"] == "payload_too_large"
        too_many = await post((HEADER + "".join(
            f"S-{n},Name {n},个,,,,,,,,\n" for n in range(10_001))).encode())
        assert too_many.status_code == 413
        assert "10,000" in too_many.json()["detail"]
        unknown_column = await post(b"sku,name,colour\nA,B,red\n")
        assert unknown_column.status_code == 422
        assert fields(unknown_column) == {"colour"}
        gbk = await post("sku,name,unit\nA-1,绿茶,个\n".encode("gbk"))
        assert gbk.status_code == 422
        assert fields(gbk) == {"file"}
        broken = await post(b"PK\x03\x04 not really a workbook", "p.xlsx")
        assert broken.status_code == 422
        assert fields(broken) == {"file"}
        empty = await post(b"")
        assert empty.status_code == 422
        no_file = await client.post(f"{API}/products/import")
        assert no_file.status_code == 422
        async with db.session() as session:
            assert (await session.execute(select(func.count()).select_from(outbox)
                                          .where(outbox.c.topic != AUDIT_EVENTS))
                    ).scalar_one() == 0
