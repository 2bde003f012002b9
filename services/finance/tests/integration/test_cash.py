"""Cash management: balances per cash/bank account over time from the
journal (a bank-to-cash transfer is a manual entry), and the forecast from
open receivables and payables by due date."""

from __future__ import annotations

import uuid

from .conftest import Finance


async def test_balances_per_account_and_interval(finance: Finance) -> None:
    await finance.post("accounts", {"code": "100201", "name": "ICBC", "type": "asset"},
                       expect=201)
    await finance.post("journal-entries", {"posted_on": "2024-01-31", "lines": [
        {"account_code": "1002", "debit": "1000"}, {"account_code": "4001", "credit": "1000"}]})
    await finance.post("journal-entries", {"posted_on": "2024-02-05", "lines": [
        {"account_code": "100201", "debit": "500"}, {"account_code": "4001", "credit": "500"}]})
    # a bank-to-cash transfer (提现): a manual entry, total unchanged
    await finance.post("journal-entries", {"posted_on": "2024-02-07", "memo": "提现", "lines": [
        {"account_code": "1001", "debit": "200"}, {"account_code": "1002", "credit": "200"}]})
    await finance.post("journal-entries", {"posted_on": "2024-02-14", "lines": [
        {"account_code": "6602", "debit": "50"}, {"account_code": "1001", "credit": "50"}]})

    weekly = await finance.get("cash/balances", interval="week",
                               **{"from": "2024-02-01", "to": "2024-02-14"})
    by_code = {a["account_code"]: a for a in weekly["accounts"]}
    assert set(by_code) == {"1001", "1002", "100201"}
    assert [(p["start"], p["end"]) for p in weekly["total"]] == [
        ("2024-02-01", "2024-02-04"), ("2024-02-05", "2024-02-11"),
        ("2024-02-12", "2024-02-14")]
    assert by_code["1002"]["opening_balance"] == "1000.00"
    assert [p["balance"] for p in by_code["1002"]["points"]] == ["1000.00", "800.00", "800.00"]
    assert [p["balance"] for p in by_code["1001"]["points"]] == ["0.00", "200.00", "150.00"]
    assert [(p["debit"], p["credit"]) for p in by_code["1001"]["points"]] == [
        ("0.00", "0.00"), ("200.00", "0.00"), ("0.00", "50.00")]
    assert [p["balance"] for p in by_code["100201"]["points"]] == ["0.00", "500.00", "500.00"]
    assert [p["balance"] for p in weekly["total"]] == ["1000.00", "1500.00", "1450.00"]

    monthly = await finance.get("cash/balances", interval="month",
                                **{"from": "2024-01-15", "to": "2024-02-29"})
    assert [(p["start"], p["end"], p["balance"]) for p in monthly["total"]] == [
        ("2024-01-15", "2024-01-31", "1000.00"), ("2024-02-01", "2024-02-29", "1450.00")]
    daily = await finance.get("cash/balances", interval="day",
                              **{"from": "2024-02-06", "to": "2024-02-08"})
    assert [p["balance"] for p in daily["total"]] == ["1500.00"] * 3
    # matches the cash-flow report's closing cash
    flow = await finance.get("reports/cash-flow", **{"from": "2024-02-01", "to": "2024-02-14"})
    assert flow["closing_cash"] == weekly["total"][-1]["balance"]
    for params in ({"interval": "year"}, {"from": "2024-02-02", "to": "2024-02-01"}):
        response = await finance.client.get("/api/v1/finance/cash/balances", params={
            "from": "2024-02-01", "to": "2024-02-14", **params})
        assert response.status_code == 422


async def test_forecast_by_due_date(finance: Finance) -> None:
    customer, supplier = str(uuid.uuid4()), str(uuid.uuid4())
    await finance.post("journal-entries", {"posted_on": "2024-06-01", "lines": [
        {"account_code": "1002", "debit": "10000"}, {"account_code": "4001", "credit": "10000"}]})
    overdue = await finance.post("invoices", {"customer_id": customer, "net": "100", "tax": "0",
                                              "issued_on": "2024-05-01", "due_on": "2024-05-31"})
    inv = await finance.post("invoices", {"customer_id": customer, "net": "1000", "tax": "130",
                                          "issued_on": "2024-06-01", "due_on": "2024-06-20"})
    await finance.post("receipts", {"customer_id": customer, "amount": "130",
                                    "received_on": "2024-06-05",
                                    "allocations": [{"invoice_id": inv["id"], "amount": "130"}]})
    bill = await finance.post("bills", {"supplier_id": supplier, "number": "F-1", "net": "2000",
                                        "tax": "260", "billed_on": "2024-06-02",
                                        "due_on": "2024-06-12"})
    await finance.post("invoices", {"customer_id": customer, "net": "5000", "tax": "0",
                                    "issued_on": "2024-06-01", "due_on": "2024-12-31"})
    f = await finance.get("cash/forecast", days=21, as_of="2024-06-10")
    assert (f["opening_cash"], f["closing_cash"]) == ("10130.00", "8970.00")
    assert [(w["start"], w["end"]) for w in f["weeks"]] == [
        ("2024-06-10", "2024-06-16"), ("2024-06-17", "2024-06-23"), ("2024-06-24", "2024-06-30")]
    one, two, three = f["weeks"]
    assert (one["receipts"], one["payments"], one["net"], one["closing_cash"]) == (
        "100.00", "2260.00", "-2160.00", "7970.00")
    assert [(x["kind"], x["document_id"], x["amount"], x["overdue"]) for x in one["lines"]] == [
        ("receipt", overdue["id"], "100.00", True), ("payment", bill["id"], "2260.00", False)]
    assert (two["receipts"], two["closing_cash"]) == ("1000.00", "8970.00")
    assert [x["document_id"] for x in two["lines"]] == [inv["id"]]
    assert (three["lines"], three["closing_cash"]) == ([], "8970.00")
    response = await finance.client.get("/api/v1/finance/cash/forecast", params={"days": 0})
    assert response.status_code == 422
