"""Customer and supplier statements (往来对账单): a worked example where
closing = opening + invoiced − received, line by line."""

from __future__ import annotations

import uuid

from .conftest import Finance


async def test_customer_statement_worked_example(finance: Finance) -> None:
    customer, other = str(uuid.uuid4()), str(uuid.uuid4())
    # before the period: invoice 1,130, receipt 500 → opening 630
    old = await finance.post("invoices", {"customer_id": customer, "net": "1000", "tax": "130",
                                          "issued_on": "2024-02-10"})
    await finance.post("receipts", {"customer_id": customer, "amount": "500",
                                    "received_on": "2024-02-20",
                                    "allocations": [{"invoice_id": old["id"], "amount": "500"}]})
    # in March: invoice 226, credit note −113, receipt 630 (+ an advance of 100)
    inv = await finance.post("invoices", {"customer_id": customer, "net": "200", "tax": "26",
                                          "issued_on": "2024-03-05"})
    note = await finance.post("invoices", {"customer_id": customer, "net": "-100",
                                           "tax": "-13", "issued_on": "2024-03-12"})
    receipt = await finance.post("receipts", {
        "customer_id": customer, "amount": "730", "received_on": "2024-03-20",
        "allocations": [{"invoice_id": old["id"], "amount": "630"}]})
    # after the period, and another customer: not on the statement
    await finance.post("invoices", {"customer_id": customer, "net": "50", "tax": "6.5",
                                    "issued_on": "2024-04-01"})
    await finance.post("invoices", {"customer_id": other, "net": "999", "tax": "0",
                                    "issued_on": "2024-03-06"})

    s = await finance.get(f"customers/{customer}/statement", **{"from": "2024-03-01",
                                                                 "to": "2024-03-31"})
    assert (s["opening_balance"], s["charged"], s["settled"], s["closing_balance"]) == (
        "630.00", "113.00", "730.00", "13.00")
    assert [(x["on"], x["kind"], x["document_id"], x["charged"], x["settled"], x["balance"])
            for x in s["lines"]] == [
        ("2024-03-05", "invoice", inv["id"], "226.00", "0.00", "856.00"),
        ("2024-03-12", "credit_note", note["id"], "-113.00", "0.00", "743.00"),
        ("2024-03-20", "receipt", receipt["id"], "0.00", "730.00", "13.00")]
    assert s["lines"][0]["number"] == inv["number"]
    # the next period opens where this one closed
    april = await finance.get(f"customers/{customer}/statement", **{"from": "2024-04-01",
                                                                     "to": "2024-04-30"})
    assert (april["opening_balance"], april["closing_balance"]) == ("13.00", "69.50")
    # a party with nothing booked
    empty = await finance.get(f"customers/{uuid.uuid4()}/statement",
                              **{"from": "2024-01-01", "to": "2024-12-31"})
    assert (empty["opening_balance"], empty["closing_balance"], empty["lines"]) == (
        "0.00", "0.00", [])


async def test_supplier_statement(finance: Finance) -> None:
    supplier = str(uuid.uuid4())
    first = await finance.post("bills", {"supplier_id": supplier, "number": "S-1",
                                         "net": "1000", "tax": "130", "billed_on": "2024-05-03"})
    second = await finance.post("bills", {"supplier_id": supplier, "number": "S-2",
                                          "net": "500", "tax": "65", "billed_on": "2024-06-02"})
    payment = await finance.post("payments", {
        "supplier_id": supplier, "amount": "800", "paid_on": "2024-06-15",
        "allocations": [{"bill_id": first["id"], "amount": "800"}]})
    s = await finance.get(f"suppliers/{supplier}/statement", **{"from": "2024-06-01",
                                                                 "to": "2024-06-30"})
    assert (s["opening_balance"], s["charged"], s["settled"], s["closing_balance"]) == (
        "1130.00", "565.00", "800.00", "895.00")
    assert [(x["kind"], x["document_id"], x["balance"]) for x in s["lines"]] == [
        ("bill", second["id"], "1695.00"), ("payment", payment["id"], "895.00")]
    bad = await finance.client.get(f"/api/v1/finance/suppliers/{supplier}/statement",
                                   params={"from": "2024-06-30", "to": "2024-06-01"})
    assert bad.status_code == 422
    missing = await finance.client.get(f"/api/v1/finance/suppliers/{supplier}/statement")
    assert missing.status_code == 422
