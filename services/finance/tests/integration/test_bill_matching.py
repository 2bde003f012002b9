"""Supplier bills matched against procurement's receipts and returns of the
order: GRNI is cleared at the value received, a price difference goes to
goods, partial bills clear part by part."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import func, select

from jxc.contracts.procurement import GoodsReceived, GoodsReturned, ReceiptLine, ReturnLine
from jxc.finance.adapters.tables import grni_document
from jxc.platform.envelope import new_id
from jxc.platform.testing import Infrastructure, eventually, send

from .conftest import Finance, goods_recorded, ten_received_three_returned, whole_service

D = Decimal
WHEN = datetime(2022, 4, 2, 9, 0, tzinfo=UTC)


async def test_bills_clear_grni_per_order(finance: Finance, infra: Infrastructure) -> None:
    supplier, warehouse, product = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    dearer, split, returned = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    def goods(order: uuid.UUID) -> GoodsReceived:
        return GoodsReceived(receipt_id=uuid.uuid4(), order_id=order, number="GR",
                             supplier_id=supplier, warehouse_id=warehouse, currency="CNY",
                             lines=(ReceiptLine(product_id=product, quantity=D(10),
                                                unit_cost=D(100), tax_rate=D("0.13")),),
                             received_at=WHEN)

    back = GoodsReturned(return_id=uuid.uuid4(), order_id=returned, supplier_id=supplier,
                         warehouse_id=warehouse, currency="CNY", returned_at=WHEN,
                         lines=(ReturnLine(product_id=product, quantity=D(2), unit_cost=D(100),
                                           tax_rate=D("0.13"), reason="damaged"),))
    async with whole_service(finance, infra):
        first = goods(dearer)
        for message, event_id in ((first, new_id()), (first, new_id()),  # re-sent: once
                                  (goods(split), new_id()), (goods(returned), new_id()),
                                  (back, new_id())):
            await send(infra, message, event_id)

        async def recorded() -> bool:
            async with finance.db.session() as session:
                return (await session.execute(select(func.count()).select_from(grni_document)
                                              .where(grni_document.c.supplier_id == supplier))
                        ).scalar_one() == 4
        await eventually(recorded, timeout=120, what="receipts and returns of the orders")

        async def bill(order: uuid.UUID, number: str, net: str) -> dict[str, str]:
            created = await finance.post("bills", {
                "supplier_id": str(supplier), "number": number, "net": net,
                "tax": str(D(net) * D("0.13")), "order_id": str(order),
                "billed_on": "2022-04-05"})
            entry = await finance.get(f"journal-entries/{created['entry_id']}")
            assert created["received_value"] == entry["lines"][0]["debit"]
            return {x["account_code"]: x["debit"] or x["credit"] for x in entry["lines"]
                    if x["debit"] != "0.00"} | {"received": created["received_value"]}

        assert await bill(dearer, "B-1", "1050") == {
            "220202": "1000.00", "1405": "50.00", "222101": "136.50", "received": "1000.00"}
        assert (await bill(split, "B-2", "400"))["received"] == "400.00"
        assert await bill(split, "B-3", "600") == {
            "220202": "600.00", "222101": "78.00", "received": "600.00"}
        assert (await bill(returned, "B-4", "800"))["received"] == "800.00"
        duplicate = await finance.post("bills", {
            "supplier_id": str(supplier), "number": "B-4", "net": "1", "tax": "0"}, expect=409)
        assert duplicate["code"] == "duplicate_bill"
        grni = await finance.get("trial-balance", **{"from": "2022-04-05",
                                                      "as_of": "2022-04-05"})
        balances = {i["account_code"]: i["balance"] for i in grni["items"]}
        assert balances["220202"] == "2800.00"  # 1000 + 400 + 600 + 800 cleared
        assert balances["2202"] == "-3220.50"  # 2850 net + 370.50 VAT, owed


async def test_a_return_after_the_bill_raises_a_debit_note(finance: Finance,
                                                           infra: Infrastructure) -> None:
    supplier, warehouse, product, order = (uuid.uuid4() for _ in range(4))
    received, back = ten_received_three_returned(order, supplier, warehouse, product,
                                                 WHEN, "GR-7")
    async with whole_service(finance, infra):
        await send(infra, received, new_id())

        await eventually(lambda: goods_recorded(finance, order, 1), timeout=120,
                         what="the receipt")
        billed = await finance.post("bills", {
            "supplier_id": str(supplier), "number": "B-70", "net": "1000", "tax": "130",
            "order_id": str(order), "billed_on": "2022-04-03"})
        assert billed["received_value"] == "1000.00"
        event_id = new_id()
        await send(infra, back, event_id)
        await send(infra, back, event_id)  # redelivered
        await send(infra, back, new_id())  # re-sent

        # A later receipt of the order, behind the duplicates on its partition.
        await send(infra, received.model_copy(update={"receipt_id": uuid.uuid4()}), new_id())

        await eventually(lambda: goods_recorded(finance, order, 3), timeout=120,
                         what="the return and the later receipt")
        items = (await finance.get("bills", supplier_id=str(supplier)))["items"]
        assert len(items) == 2
        note = next(b for b in items if b["number"].startswith("DN-"))
        assert (note["net"], note["tax"], note["total"], note["received_value"]) == (
            "-300.00", "-39.00", "-339.00", "-300.00")
        entry = await finance.get(f"journal-entries/{note['entry_id']}")
        assert sorted((x["account_code"], x["debit"], x["credit"]) for x in entry["lines"]) == [
            ("2202", "339.00", "0.00"), ("220202", "0.00", "300.00"),
            ("222101", "0.00", "39.00")]
