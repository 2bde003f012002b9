"""Supplier bills matched line by line against procurement's approved order
and its receipts and returns (contract events through Kafka): within
tolerance a bill is matched; beyond it the exceptions are listed for review
and the bill is on hold for payment until approved."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from jxc.contracts.procurement import (
    GoodsReceived,
    GoodsReturned,
    PurchaseLine,
    PurchaseOrderApproved,
    PurchaseOrderClosed,
    ReceiptLine,
    ReturnLine,
)
from jxc.finance.adapters.tables import (
    grni_document,
    grni_line,
    purchase_order,
    purchase_order_line,
)
from jxc.finance.service_layer import matching
from jxc.platform.envelope import new_id
from jxc.platform.testing import Infrastructure, eventually, send

from .conftest import Finance, whole_service

D = Decimal
WHEN = datetime(2022, 5, 2, 9, 0, tzinfo=UTC)
SUBJECT = "00000000-0000-0000-0000-0000000000a7"


async def test_bill_lines_are_matched_and_exceptions_reviewed(
        finance: Finance, infra: Infrastructure) -> None:
    supplier, warehouse, order, unreceived = (uuid.uuid4() for _ in range(4))
    widget, gadget, stranger = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    def approved(number: str, order_id: uuid.UUID, price: str) -> PurchaseOrderApproved:
        return PurchaseOrderApproved(
            order_id=order_id, number=number, supplier_id=supplier, warehouse_id=warehouse,
            currency="CNY", net=D(1100), tax=D(143), total=D(1243), approved_at=WHEN,
            lines=(PurchaseLine(product_id=widget, quantity=D(10), unit_price=D(price),
                                tax_rate=D("0.13")),
                   PurchaseLine(product_id=gadget, quantity=D(5), unit_price=D(20),
                                tax_rate=D("0.13"))))

    order_approved = approved("PO-1", order, "100")
    received = GoodsReceived(
        receipt_id=uuid.uuid4(), order_id=order, number="GR-1", supplier_id=supplier,
        warehouse_id=warehouse, currency="CNY", received_at=WHEN,
        lines=(ReceiptLine(product_id=widget, quantity=D(10), unit_cost=D(100),
                           tax_rate=D("0.13")),
               ReceiptLine(product_id=gadget, quantity=D(5), unit_cost=D(20),
                           tax_rate=D("0.13"))))
    returned = GoodsReturned(
        return_id=uuid.uuid4(), order_id=order, supplier_id=supplier, warehouse_id=warehouse,
        currency="CNY", returned_at=WHEN,
        lines=(ReturnLine(product_id=gadget, quantity=D(1), unit_cost=D(20),
                          tax_rate=D("0.13"), reason="damaged"),))
    async with whole_service(finance, infra, subject=SUBJECT):
        event_id = new_id()
        for message, message_id in (
                (order_approved, event_id), (order_approved, event_id),  # redelivered
                (approved("PO-1", order, "150"), new_id()),  # re-sent, changed: ignored
                (received, new_id()), (received, new_id()),  # re-sent: once
                (returned, new_id()),
                (approved("PO-2", unreceived, "100"), new_id()),
                (PurchaseOrderClosed(order_id=unreceived, number="PO-2"), new_id())):
            await send(infra, message, message_id)

        async def known() -> bool:
            async with finance.db.session() as session:
                documents = (await session.execute(
                    select(func.count()).select_from(grni_document)
                    .where(grni_document.c.order_id == order))).scalar_one()
                closed = (await session.execute(select(purchase_order.c.status).where(
                    purchase_order.c.order_id == unreceived))).scalar_one_or_none()
            return documents == 2 and closed == "closed"
        await eventually(known, timeout=120, what="the orders, the receipt and the return")
        async with finance.db.session() as session:
            order_lines = (await session.execute(
                select(purchase_order_line.c.product_id, purchase_order_line.c.unit_price)
                .where(purchase_order_line.c.order_id == order)
                .order_by(purchase_order_line.c.line_no))).all()
            goods_lines = (await session.execute(
                select(grni_line.c.product_id, grni_line.c.quantity)
                .where(grni_line.c.order_id == order)
                .order_by(grni_line.c.quantity))).all()
        assert [tuple(r) for r in order_lines] == [(widget, D(100)), (gadget, D(20))]
        assert sorted((p, q) for p, q in goods_lines) == sorted(
            [(widget, D(10)), (gadget, D(5)), (gadget, D(-1))])

        async def bill(number: str, lines: list[tuple[uuid.UUID, str, str]],
                       order_id: uuid.UUID | None = order, expect: int = 201,
                       net: str | None = None) -> dict[str, Any]:
            total = sum((D(q) * D(p) for _, q, p in lines), D(0))
            return await finance.post("bills", {
                "supplier_id": str(supplier), "number": number, "net": net or f"{total:.2f}",
                "tax": "0", "billed_on": "2022-05-05",
                "order_id": str(order_id) if order_id else None,
                "lines": [{"product_id": str(p), "quantity": q, "unit_price": u}
                          for p, q, u in lines]}, expect=expect)

        # Within tolerance: 101 is 1 % above the order's 100.
        matched = await bill("B-1", [(widget, "4", "101"), (gadget, "2", "20")])
        assert matched["match_status"] == "matched"
        assert [(x["line_no"], x["quantity"], x["unit_price"], x["net"])
                for x in matched["lines"]] == [(1, "4.0000", "101.0000", "404.00"),
                                               (2, "2.0000", "20.0000", "40.00")]

        # 6 widgets left to bill, 2 gadgets (5 received, 1 returned, 2 billed).
        held = await bill("B-2", [(widget, "7", "100"), (gadget, "1", "25"),
                                  (stranger, "1", "10")])
        assert held["match_status"] == "exception"
        before = await finance.ledger_size()
        mismatch = await bill("B-3", [(widget, "1", "100")], net="99.00", expect=422)
        assert [e["field"] for e in mismatch["errors"]] == ["lines"]
        assert await finance.ledger_size() == before

        listed = (await finance.get("bills/exceptions", supplier_id=str(supplier)))["items"]
        assert sorted((x["bill_number"], x["kind"], x["product_id"], x["expected"],
                       x["actual"], x["tolerance"], x["difference"]) for x in listed) == sorted([
            ("B-2", "quantity_over_received", str(widget), "6.0000", "7.0000", "0.0000",
             "1.0000"),
            ("B-2", "price_over_order", str(gadget), "20.0000", "25.0000", "2.0000", "5.0000"),
            ("B-2", "not_on_order", str(stranger), "0.0000", "1.0000", None, "1.0000")])
        assert {x["status"] for x in listed} == {"open"}
        first = await finance.get("bills/exceptions", supplier_id=str(supplier), limit=2)
        rest = await finance.get("bills/exceptions", supplier_id=str(supplier), limit=2,
                                 cursor=first["next_cursor"])
        assert [x["id"] for x in first["items"] + rest["items"]] == [x["id"] for x in listed]
        assert rest["next_cursor"] is None
        assert (await finance.get("bills/exceptions", status="accepted",
                                  supplier_id=str(supplier)))["items"] == []

        # Held: the whole payment is refused, nothing posted or allocated.
        before = await finance.ledger_size()
        refused = await finance.post("payments", {
            "supplier_id": str(supplier), "amount": "1179.00", "paid_on": "2022-05-06",
            "allocations": [{"bill_id": matched["id"], "amount": "444.00"},
                            {"bill_id": held["id"], "amount": "735.00"}]}, expect=409)
        assert refused["code"] == "bill_on_hold"
        assert await finance.ledger_size() == before
        assert (await finance.get(f"bills/{matched['id']}"))["allocated"] == "0.00"

        reader = {"headers": finance.issuer.headers("finance:read")}
        forbidden = await finance.client.post(
            f"/api/v1/finance/bills/{held['id']}/exceptions/approve", json={"note": "ok"},
            **reader)
        assert forbidden.status_code == 403
        approved_bill = await finance.post(f"bills/{held['id']}/exceptions/approve",
                                           {"note": "price rise agreed by phone"}, expect=200)
        assert approved_bill["match_status"] == "approved"
        accepted = (await finance.get("bills/exceptions", status="accepted",
                                      supplier_id=str(supplier)))["items"]
        assert len(accepted) == 3
        assert {(x["resolved_by"], x["resolution_note"]) for x in accepted} == {
            (SUBJECT, "price rise agreed by phone")}
        assert (await finance.get("bills/exceptions", supplier_id=str(supplier)))["items"] == []
        again = await finance.post(f"bills/{held['id']}/exceptions/approve", {}, expect=409)
        assert again["code"] == "no_open_exceptions"
        await finance.post("payments", {
            "supplier_id": str(supplier), "amount": "735.00", "paid_on": "2022-05-06",
            "allocations": [{"bill_id": held["id"], "amount": "735.00"}]})
        assert (await finance.get(f"bills/{held['id']}"))["open_amount"] == "0.00"

        # Nothing received of the second order; bills without lines or an
        # order are not matched.
        early = await bill("B-4", [(widget, "1", "100")], order_id=unreceived)
        assert early["match_status"] == "exception"
        kinds = {x["bill_number"]: x["kind"] for x in (await finance.get(
            "bills/exceptions", supplier_id=str(supplier)))["items"]}
        assert kinds == {"B-4": "not_received"}
        await finance.post(f"bills/{early['id']}/exceptions/reject", {}, expect=422)
        disputed = await finance.post(f"bills/{early['id']}/exceptions/reject",
                                      {"note": "billed before delivery"}, expect=200)
        assert disputed["match_status"] == "exception", "a disputed bill stays on hold"
        rejected = (await finance.get("bills/exceptions", status="rejected",
                                      supplier_id=str(supplier)))["items"]
        assert [(x["bill_number"], x["resolution_note"]) for x in rejected] == [
            ("B-4", "billed before delivery")]
        on_hold = await finance.post("payments", {
            "supplier_id": str(supplier), "amount": "100.00", "paid_on": "2022-05-06",
            "allocations": [{"bill_id": early["id"], "amount": "100.00"}]}, expect=409)
        assert on_hold["code"] == "bill_on_hold"
        settled = await finance.post(f"bills/{early['id']}/exceptions/approve",
                                     {"note": "goods arrived after all"}, expect=200)
        assert settled["match_status"] == "approved"
        assert (await bill("B-5", [(widget, "1", "100")], order_id=None))[
            "match_status"] == "not_matched"
        plain = await finance.post("bills", {"supplier_id": str(supplier), "number": "B-6",
                                             "net": "100", "tax": "13",
                                             "order_id": str(order)})
        assert (plain["match_status"], plain["lines"]) == ("not_matched", [])
        listed_bills = (await finance.get("bills", supplier_id=str(supplier)))["items"]
        assert {b["number"]: (b["match_status"], len(b["lines"])) for b in listed_bills} == {
            "B-1": ("matched", 2), "B-2": ("approved", 3), "B-4": ("approved", 1),
            "B-5": ("not_matched", 1), "B-6": ("not_matched", 0)}


async def test_concurrent_bills_of_an_order_are_matched_one_after_the_other(
        finance: Finance, infra: Infrastructure) -> None:
    supplier, warehouse, order, widget = (uuid.uuid4() for _ in range(4))
    async with whole_service(finance, infra):
        await send(infra, PurchaseOrderApproved(
            order_id=order, number="PO-9", supplier_id=supplier, warehouse_id=warehouse,
            currency="CNY", net=D(1000), tax=D(130), total=D(1130), approved_at=WHEN,
            lines=(PurchaseLine(product_id=widget, quantity=D(10), unit_price=D(100),
                                tax_rate=D("0.13")),)), new_id())
        await send(infra, GoodsReceived(
            receipt_id=uuid.uuid4(), order_id=order, number="GR-9", supplier_id=supplier,
            warehouse_id=warehouse, currency="CNY", received_at=WHEN,
            lines=(ReceiptLine(product_id=widget, quantity=D(10), unit_cost=D(100),
                               tax_rate=D("0.13")),)), new_id())

        async def received() -> bool:
            async with finance.db.session() as session:
                return (await session.execute(select(func.count()).select_from(grni_line)
                                              .where(grni_line.c.order_id == order))
                        ).scalar_one() == 1
        await eventually(received, timeout=120, what="the receipt's lines")

        def body(number: str, **extra: str) -> dict[str, Any]:
            return {"supplier_id": str(supplier), "number": number, "net": "600", "tax": "78",
                    "order_id": str(order), "billed_on": "2022-05-05", **extra,
                    "lines": [{"product_id": str(widget), "quantity": "6",
                               "unit_price": "100"}]}

        # Six of the ten each: whichever comes second finds four left.
        bills = await asyncio.gather(*(
            finance.post("bills", body(f"C-{n}", **extra))
            for n, extra in enumerate(({"received_value": "600"}, {}, {"received_value": "600"},
                                       {}))))
        assert sorted(b["match_status"] for b in bills) == ["exception"] * 3 + ["matched"]
        listed = (await finance.get("bills/exceptions", supplier_id=str(supplier)))["items"]
        assert sorted(x["expected"] for x in listed) == ["-2.0000", "-8.0000", "4.0000"]


async def test_a_reapproved_revision_replaces_the_order_lines(finance: Finance) -> None:
    order, supplier, widget, gadget = (uuid.uuid4() for _ in range(4))

    async def approve(revision: int, lines: list[tuple[uuid.UUID, str]]) -> None:
        async with finance.db.transaction() as session:
            await matching.remember_order(session, order, "PO-9", supplier, "CNY", [
                (p, D(5), D(price), D("0.13")) for p, price in lines], revision)

    async def stored() -> tuple[int, list[tuple[uuid.UUID, Decimal]]]:
        async with finance.db.session() as session:
            revision = (await session.execute(select(purchase_order.c.revision).where(
                purchase_order.c.order_id == order))).scalar_one()
            lines = (await session.execute(
                select(purchase_order_line.c.product_id, purchase_order_line.c.unit_price)
                .where(purchase_order_line.c.order_id == order)
                .order_by(purchase_order_line.c.line_no))).all()
        return revision, [tuple(r) for r in lines]  # type: ignore[misc]

    await approve(1, [(widget, "100"), (gadget, "20")])
    await approve(2, [(widget, "120")])
    assert await stored() == (2, [(widget, D(120))])
    await approve(1, [(widget, "100"), (gadget, "20")])  # late and older: ignored
    await approve(2, [(gadget, "1")])  # the same revision again: ignored
    assert await stored() == (2, [(widget, D(120))])
