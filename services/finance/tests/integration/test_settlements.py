"""Receipts and payments with allocation over HTTP: partial and across
several documents, never above what is open — also under concurrency — and
the unallocated rest as an advance or prepayment."""

from __future__ import annotations

import asyncio
import uuid

from .conftest import Finance


async def test_allocation_across_invoices_and_advances(finance: Finance) -> None:
    customer = str(uuid.uuid4())
    one = await finance.post("invoices", {"customer_id": customer, "net": "100", "tax": "13",
                                          "issued_on": "2023-01-10", "due_on": "2023-02-09"})
    two = await finance.post("invoices", {"customer_id": customer, "net": "200", "tax": "26",
                                          "issued_on": "2023-01-20"})
    assert two["due_on"] == "2023-02-19"  # 30 days by default
    receipt = await finance.post("receipts", {
        "customer_id": customer, "amount": "400", "received_on": "2023-01-25",
        "allocations": [{"invoice_id": one["id"], "amount": "113"},
                        {"invoice_id": two["id"], "amount": "100"}]})
    entry = await finance.get(f"journal-entries/{receipt['entry_id']}")
    assert [(x["account_code"], x["debit"], x["credit"]) for x in entry["lines"]] == [
        ("1002", "400.00", "0.00"), ("1122", "0.00", "213.00"), ("2203", "0.00", "187.00")]
    open_ = (await finance.get("invoices", customer_id=customer, open="true"))["items"]
    assert [(i["id"], i["open_amount"]) for i in open_] == [(two["id"], "126.00")]
    aged = await finance.get("reports/ar-aging", as_of="2023-03-01")
    assert aged["buckets"]["1-30"] == "126.00"
    first = await finance.get("invoices", customer_id=customer, limit=1)
    second = await finance.get("invoices", customer_id=customer, limit=1,
                               cursor=first["next_cursor"])
    assert second["next_cursor"] is None
    assert {first["items"][0]["id"], second["items"][0]["id"]} == {one["id"], two["id"]}

    before = await finance.ledger_size()
    for bad, code in (
            ({"amount": "200", "allocations": [{"invoice_id": two["id"], "amount": "60"},
                              {"invoice_id": two["id"], "amount": "60"}]},
             "duplicate_allocation"),
            ({"amount": "50", "allocations": [{"invoice_id": two["id"], "amount": "60"}]},
             "over_allocation"),
            ({"amount": "0"}, "validation_error"),
            ({"amount": "10.001"}, "validation_error")):
        body = {"customer_id": customer, "amount": "100", "received_on": "2023-01-26", **bad}
        status = 409 if code == "over_allocation" else 422
        assert (await finance.post("receipts", body, expect=status))["code"] == code
    assert await finance.ledger_size() == before


async def test_concurrent_allocations_never_exceed_the_open_amount(finance: Finance) -> None:
    supplier = str(uuid.uuid4())
    bill = await finance.post("bills", {"supplier_id": supplier, "number": "B-9",
                                        "net": "1000", "tax": "130", "billed_on": "2023-05-02"})

    async def pay() -> int:
        response = await finance.client.post("/api/v1/finance/payments", json={
            "supplier_id": supplier, "amount": "300", "paid_on": "2023-05-03",
            "allocations": [{"bill_id": bill["id"], "amount": "300"}]})
        return response.status_code
    outcomes = await asyncio.gather(*(pay() for _ in range(6)))
    assert sorted(outcomes) == [201, 201, 201, 409, 409, 409]
    assert (await finance.get(f"bills/{bill['id']}"))["open_amount"] == "230.00"
    entries = await finance.get("journal-entries", source_type="finance.Payment")
    assert len(entries["items"]) == 3


async def test_manual_invoices_are_checked(finance: Finance) -> None:
    customer = str(uuid.uuid4())
    before = await finance.ledger_size()
    for body in ({"net": "0"}, {"net": "10.005"}, {"net": "100", "tax": "-13"},
                 {"net": "100", "currency": "EUR"}):
        problem = await finance.post("invoices", {"customer_id": customer, **body}, expect=422)
        assert problem["detail"]
    assert await finance.ledger_size() == before
    note = await finance.post("invoices", {"customer_id": customer, "net": "-100",
                                           "tax": "-13", "issued_on": "2023-06-01"})
    assert (note["number"][:3], note["total"]) == ("CN-", "-113.00")
