"""Invoicing on demand (``invoicing="on_demand"``): shipments from sales'
events wait uninvoiced — still open for the credit check — until one invoice
is issued for some or all of a customer's shipments."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from jxc.contracts.crm import CustomerUpserted
from jxc.contracts.sales import SalesLine, SalesOrderConfirmed, SalesOrderShipped
from jxc.finance.adapters.tables import invoice_line, uninvoiced_shipment
from jxc.finance.service_layer import credit
from jxc.platform.envelope import new_id
from jxc.platform.testing import Infrastructure, eventually, send

from .conftest import Finance, whole_service

D = Decimal
AT = datetime(2024, 5, 6, 9, 0, tzinfo=UTC)


def _line(quantity: int, price: str) -> SalesLine:
    return SalesLine(product_id=uuid.uuid4(), quantity=D(quantity), unit_price=D(price),
                     tax_rate=D("0.13"))


def _confirmed(order: uuid.UUID, customer: uuid.UUID, net: str) -> SalesOrderConfirmed:
    tax = D(net) * D("0.13")
    return SalesOrderConfirmed(order_id=order, number="SO", customer_id=customer,
                               warehouse_id=uuid.uuid4(), currency="CNY",
                               lines=(_line(1, net),), net=D(net), tax=tax,
                               total=D(net) + tax, confirmed_at=AT)


def _shipped(order: uuid.UUID, customer: uuid.UUID, *lines: SalesLine) -> SalesOrderShipped:
    net = sum((x.quantity * x.unit_price for x in lines), D(0))
    return SalesOrderShipped(order_id=order, number="SO", shipment_id=uuid.uuid4(),
                             customer_id=customer, warehouse_id=uuid.uuid4(), currency="CNY",
                             lines=lines, net=net, tax=net * D("0.13"),
                             total=net * D("1.13"), complete=False, shipped_at=AT)


async def test_shipments_are_invoiced_on_demand(finance: Finance,
                                                infra: Infrastructure) -> None:
    customer, stranger = uuid.uuid4(), uuid.uuid4()
    big, small, theirs = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    a1 = _shipped(big, customer, _line(1, "60"), _line(2, "20"))
    a2 = _shipped(big, customer, _line(3, "100"))
    b1 = _shipped(small, customer, _line(1, "100"))
    x1 = _shipped(theirs, stranger, _line(1, "10"))

    async def exposure() -> Decimal:
        async with finance.db.session() as session:
            return await credit.exposure(session, customer)

    async with whole_service(finance, infra, invoicing="on_demand"):
        await send(infra, CustomerUpserted(customer_id=customer, code="C-OD", name="Tea house",
                                           credit_limit=D(5000), payment_terms_days=20,
                                           version=1), new_id())
        for message in (_confirmed(big, customer, "400"), _confirmed(small, customer, "100"),
                        _confirmed(theirs, stranger, "10"), a1, a2, b1, x1):
            await send(infra, message, new_id())
        await send(infra, a1, new_id())  # re-sent: kept once

        async def waiting() -> list[dict[str, Any]]:
            response = await finance.client.get("/api/v1/finance/shipments/uninvoiced",
                                        params={"customer_id": str(customer)})
            return response.json()  # type: ignore[no-any-return]

        async def all_waiting() -> bool:
            credit_known = await finance.client.get(f"/api/v1/finance/customers/{customer}/credit")
            return len(await waiting()) == 3 and credit_known.status_code == 200
        await eventually(all_waiting, timeout=120, what="the shipments waiting for invoices")
        assert sorted((s["shipment_id"], s["net"], s["tax"]) for s in await waiting()) == sorted(
            [(str(a1.shipment_id), "100.0000", "13.0000"),
             (str(a2.shipment_id), "300.0000", "39.0000"),
             (str(b1.shipment_id), "100.0000", "13.0000")])
        assert (await finance.get("invoices", customer_id=str(customer)))["items"] == []
        assert (await finance.get("journal-entries", source_type="finance.Invoice"))[
            "items"] == []
        assert await exposure() == D("565")  # both orders still open in full

        before = await finance.ledger_size()
        for body, status, code in (
                ({"shipment_ids": [str(x1.shipment_id)]}, 422, "unknown_shipment"),
                ({"shipment_ids": [str(uuid.uuid4())]}, 422, "unknown_shipment"),
                ({"shipment_ids": [str(a1.shipment_id)] * 2}, 422, "duplicate_shipment"),
                ({"shipment_ids": []}, 422, "validation_error")):
            problem = await finance.post("invoices/from-shipments",
                                         {"customer_id": str(customer), **body}, expect=status)
            assert problem["code"] == code, body
        denied = await finance.client.post("/api/v1/finance/invoices/from-shipments",
                                   json={"customer_id": str(customer)},
                                   headers=finance.issuer.headers("finance:read"))
        assert denied.status_code == 403
        assert await finance.ledger_size() == before
        assert len(await waiting()) == 3

        two = await finance.post("invoices/from-shipments", {
            "customer_id": str(customer), "issued_on": "2024-05-10",
            "shipment_ids": [str(b1.shipment_id), str(a1.shipment_id)]})
        assert (two["net"], two["tax"], two["total"], two["order_id"], two["shipment_id"]) == (
            "200.00", "26.00", "226.00", None, None)
        assert (two["issued_on"], two["due_on"]) == ("2024-05-10", "2024-05-30")  # 20 days
        entry = await finance.get(f"journal-entries/{two['entry_id']}")
        assert [(x["account_code"], x["debit"], x["credit"]) for x in entry["lines"]] == [
            ("1122", "226.00", "0.00"), ("6001", "0.00", "200.00"),
            ("222102", "0.00", "26.00")]
        async with finance.db.session() as session:
            lines = (await session.execute(select(func.count()).select_from(invoice_line).where(
                invoice_line.c.invoice_id == uuid.UUID(two["id"])))).scalar_one()
            marked = (await session.execute(select(uninvoiced_shipment.c.invoice_id).where(
                uninvoiced_shipment.c.shipment_id == a1.shipment_id))).scalar_one()
        assert (lines, marked) == (3, uuid.UUID(two["id"]))
        assert await exposure() == D("565")  # 226 invoiced + 339 of the big order open

        again = await finance.post("invoices/from-shipments", {
            "customer_id": str(customer), "shipment_ids": [str(a1.shipment_id)]}, expect=409)
        assert (again["code"], again["invoice_id"]) == ("already_invoiced", two["id"])

        rest = await finance.post("invoices/from-shipments", {"customer_id": str(customer),
                                                              "issued_on": "2024-05-11"})
        assert (rest["net"], rest["total"], rest["order_id"], rest["shipment_id"]) == (
            "300.00", "339.00", str(big), str(a2.shipment_id))
        assert await waiting() == []
        nothing = await finance.post("invoices/from-shipments", {"customer_id": str(customer)},
                                     expect=422)
        assert nothing["code"] == "nothing_to_invoice"
        assert await exposure() == D("565")  # all invoiced, nothing left on the orders
        aged = await finance.get("reports/ar-aging", as_of="2024-05-12")
        assert aged["buckets"]["current"] == "565.00"
