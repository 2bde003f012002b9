"""The worked example, end to end through finance's API and consumers with the
contract events on real Kafka and PostgreSQL:

buy 10 @ 100 + 13 % VAT and pay; sell 6 @ 180 + 13 % VAT at average cost 100
and receive the money → revenue 1,080, COGS 600, gross profit 480, inventory
400, VAT payable 140.40 − 130 = 10.40, and every statement agrees. Redelivered
and re-sent events post once; bad settlements are refused and change nothing.

Events are dated May 2020 so that stock moves other tests publish in the same
session (dated today) stay out of the statements this test reads."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import func, select

from jxc.contracts.inventory import StockIssued, StockReceived
from jxc.contracts.sales import SalesLine, SalesOrderConfirmed, SalesOrderShipped
from jxc.finance.adapters.tables import invoice, journal_entry
from jxc.platform.envelope import new_id
from jxc.platform.testing import Infrastructure, eventually, send

from .conftest import Finance, whole_service

D = Decimal


def at(day: int, month: int = 5) -> datetime:
    return datetime(2020, month, day, 10, 0, tzinfo=UTC)


async def test_buy_pay_sell_receive_and_every_statement_agrees(
        finance: Finance, infra: Infrastructure) -> None:
    warehouse, product, supplier, customer = (uuid.uuid4() for _ in range(4))
    order_id, shipment_id = uuid.uuid4(), uuid.uuid4()
    stock = {"warehouse_id": warehouse, "product_id": product, "currency": "CNY"}
    received = StockReceived(**stock, move_id=uuid.uuid4(), quantity=D(10), unit_cost=D(100),
                             total_cost=D(1000), reason="purchase", reference="GR-1",
                             on_hand_after=D(10), occurred_at=at(3))
    issued = StockIssued(**stock, move_id=uuid.uuid4(), quantity=D(6), unit_cost=D(100),
                         total_cost=D(600), reason="sale", order_id=order_id,
                         shipment_id=shipment_id, on_hand_after=D(4), occurred_at=at(10))
    moved = StockIssued(**stock, move_id=uuid.uuid4(), quantity=D(1), unit_cost=D(100),
                        total_cost=D(100), reason="transfer", on_hand_after=D(3),
                        occurred_at=at(11))
    line = SalesLine(product_id=product, quantity=D(6), unit_price=D(180), tax_rate=D("0.13"))
    sale = {"order_id": order_id, "number": "SO-1", "customer_id": customer,
            "warehouse_id": warehouse, "currency": "CNY", "lines": (line,),
            "net": D(1080), "tax": D("140.40"), "total": D("1220.40")}
    shipped = SalesOrderShipped(**sale, shipment_id=shipment_id, complete=True,
                                shipped_at=at(10))

    async with whole_service(finance, infra):
        await send(infra, received, new_id())
        await send(infra, SalesOrderConfirmed(**sale, confirmed_at=at(9)), new_id())
        bill = await finance.post("bills", {
            "supplier_id": str(supplier), "number": "FP-0001", "net": "1000", "tax": "130",
            "billed_on": "2020-05-04", "due_on": "2020-06-03"})
        assert (bill["total"], bill["open_amount"]) == ("1130.00", "1130.00")
        paid = await finance.post("payments", {
            "supplier_id": str(supplier), "amount": "1130.00", "paid_on": "2020-05-05",
            "allocations": [{"bill_id": bill["id"], "amount": "1130"}]})
        assert paid["allocations"] == [{"document_id": bill["id"], "amount": "1130.00"}]

        shipped_id, issued_id = new_id(), new_id()
        for message, event_id in ((issued, issued_id), (moved, new_id()),
                                  (shipped, shipped_id),
                                  (issued, issued_id), (shipped, shipped_id),  # redelivered
                                  (shipped, new_id())):  # re-sent under a new id
            await send(infra, message, event_id)
        # Later facts behind the duplicates on the same partitions: once they
        # are in, the duplicates have been seen.
        june_issue = StockIssued(**stock, move_id=uuid.uuid4(), quantity=D(1),
                                 unit_cost=D(100), total_cost=D(100), reason="sale",
                                 on_hand_after=D(2), occurred_at=at(2, 6))
        june_ship = SalesOrderShipped(**{**sale, "net": D(180), "tax": D("23.40"),
                                         "total": D("203.40")},
                                      shipment_id=uuid.uuid4(), complete=True,
                                      shipped_at=at(2, 6))
        await send(infra, june_issue, new_id())
        await send(infra, june_ship, new_id())

        async def all_in() -> bool:
            items = (await finance.get("invoices", customer_id=str(customer)))["items"]
            june = await finance.get("trial-balance", **{"from": "2020-06-01",
                                                          "as_of": "2020-06-30"})
            return len(items) == 2 and {i["account_code"] for i in june["items"]} >= {
                "6401", "6001"}
        await eventually(all_in, timeout=180, what="the events posted")

        invoices = (await finance.get("invoices", customer_id=str(customer)))["items"]
        may = next(i for i in invoices if i["issued_on"] == "2020-05-10")
        assert (may["net"], may["tax"], may["total"], may["due_on"]) == (
            "1080.00", "140.40", "1220.40", "2020-06-09")
        assert may["shipment_id"] == str(shipment_id)

        async with finance.db.session() as session:
            cogs = (await session.execute(select(func.count()).select_from(journal_entry).where(
                journal_entry.c.source_type == "inventory.StockIssued",
                journal_entry.c.period == "2020-05"))).scalar_one()
            invoiced = (await session.execute(select(func.count()).select_from(invoice).where(
                invoice.c.shipment_id == shipment_id))).scalar_one()
        assert (cogs, invoiced) == (1, 1)  # the transfer posted nothing, duplicates once

        # Bad settlements: refused with problem+json, the ledger unchanged.
        before = await finance.ledger_size()
        over = await finance.post("receipts", {
            "customer_id": str(customer), "amount": "1300", "received_on": "2020-05-20",
            "allocations": [{"invoice_id": may["id"], "amount": "1220.41"}]}, expect=409)
        assert (over["code"], over["open_amount"]) == ("over_allocation", "1220.40")
        more = await finance.post("receipts", {
            "customer_id": str(customer), "amount": "100", "received_on": "2020-05-20",
            "allocations": [{"invoice_id": may["id"], "amount": "200"}]}, expect=409)
        assert more["code"] == "over_allocation"
        usd = await finance.post("receipts", {
            "customer_id": str(customer), "amount": "1220.40", "currency": "USD",
            "received_on": "2020-05-20"}, expect=422)
        assert usd["code"] == "currency_mismatch"
        stranger = await finance.post("receipts", {
            "customer_id": str(uuid.uuid4()), "amount": "10", "received_on": "2020-05-20",
            "allocations": [{"invoice_id": may["id"], "amount": "10"}]}, expect=422)
        assert stranger["code"] == "unknown_document"
        await finance.post("payments", {
            "supplier_id": str(supplier), "amount": "1", "paid_on": "2020-05-20",
            "allocations": [{"bill_id": bill["id"], "amount": "1"}]}, expect=409)
        assert await finance.ledger_size() == before

        # Partial receipts over two days settle the invoice.
        await finance.post("receipts", {
            "customer_id": str(customer), "amount": "1000", "received_on": "2020-05-20",
            "allocations": [{"invoice_id": may["id"], "amount": "1000"}]})
        aged = await finance.get("reports/ar-aging", as_of="2020-07-15")
        assert aged["buckets"]["31-60"] == "220.40"  # due 2020-06-09, 36 days late
        await finance.post("receipts", {
            "customer_id": str(customer), "amount": "220.40", "received_on": "2020-05-25",
            "allocations": [{"invoice_id": may["id"], "amount": "220.40"}]})
        assert (await finance.get(f"invoices/{may['id']}"))["open_amount"] == "0.00"
        assert (await finance.get(f"bills/{bill['id']}"))["open_amount"] == "0.00"

        income = await finance.get("reports/income-statement",
                                   **{"from": "2020-05-01", "to": "2020-05-31"})
        assert (income["revenue"], income["cost_of_sales"], income["gross_profit"],
                income["net_profit"]) == ("1080.00", "600.00", "480.00", "480.00")

        sheet = await finance.get("reports/balance-sheet", as_of="2020-05-31")
        assert sheet["assets"] == {"1002": "90.40", "1405": "400.00"}
        assert sheet["liabilities"] == {"2221": "10.40"}
        assert sheet["current_profit"] == "480.00"
        assert sheet["total_assets"] == sheet["total_liabilities_and_equity"] == "490.40"
        assert sheet["balanced"] is True

        trial = await finance.get("trial-balance", as_of="2020-05-31")
        balances = {i["account_code"]: i["balance"] for i in trial["items"]}
        assert balances == {"1002": "90.40", "1122": "0.00", "1405": "400.00",
                            "2202": "0.00", "220202": "0.00", "222101": "130.00",
                            "222102": "-140.40", "6001": "-1080.00", "6401": "600.00"}
        assert trial["total_debit"] == trial["total_credit"]
        assert trial["balanced"] is True
        # 1000 stock in + 1130 bill + 1130 paid + 600 COGS + 1220.40 invoiced + 1220.40 received
        assert D(trial["total_debit"]) == D("6300.80")

        cash = await finance.get("reports/cash-flow", **{"from": "2020-05-01",
                                                          "to": "2020-05-31"})
        assert (cash["opening_cash"], cash["receipts_from_customers"],
                cash["payments_to_suppliers"], cash["other"], cash["net_change"],
                cash["closing_cash"]) == ("0.00", "1220.40", "-1130.00", "0.00", "90.40",
                                          "90.40")
        assert (await finance.get("reports/ap-aging", as_of="2020-07-15"))["total"] == "0.00"
