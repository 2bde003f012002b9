"""Applying what a party has with us to its open documents, over HTTP: a
receipt's advance (2203) to invoices, a payment's prepayment (1123) to bills,
credit notes to invoices and debit notes to bills, and write-offs of what a
customer will not pay. Never more than is left or open — also under
concurrency — and refusals change nothing."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from jxc.finance.adapters.tables import bill as bill_table
from jxc.platform.envelope import new_id
from jxc.platform.testing import Infrastructure, eventually, send

from .conftest import Finance, goods_recorded, ten_received_three_returned, whole_service

D = Decimal


async def _balances(finance: Finance, as_of: str) -> dict[str, str]:
    tb = await finance.get("trial-balance", as_of=as_of)
    return {i["account_code"]: i["balance"] for i in tb["items"]}


async def _lines(finance: Finance, entry_id: str) -> list[tuple[str, str, str]]:
    entry = await finance.get(f"journal-entries/{entry_id}")
    return [(x["account_code"], x["debit"], x["credit"]) for x in entry["lines"]]


async def _refused(finance: Finance, path: str, cases: list[tuple[dict[str, Any], int, str]],
                   unchanged: list[str]) -> None:
    """Each body refused with its status and code; the ledger and the
    documents under ``unchanged`` as they were."""
    before = (await finance.ledger_size(), [await finance.get(p) for p in unchanged])
    for body, status, code in cases:
        assert (await finance.post(path, body, expect=status))["code"] == code, body
    assert (await finance.ledger_size(), [await finance.get(p) for p in unchanged]) == before


async def test_an_advance_settles_invoices_later(finance: Finance) -> None:
    customer, other = str(uuid.uuid4()), str(uuid.uuid4())
    one = await finance.post("invoices", {"customer_id": customer, "net": "100", "tax": "13",
                                          "issued_on": "2023-01-10", "due_on": "2023-02-09"})
    two = await finance.post("invoices", {"customer_id": customer, "net": "200", "tax": "26",
                                          "issued_on": "2023-01-20", "due_on": "2023-02-19"})
    theirs = await finance.post("invoices", {"customer_id": other, "net": "10",
                                             "issued_on": "2023-01-20"})
    advance = await finance.post("receipts", {"customer_id": customer, "amount": "300",
                                              "received_on": "2023-01-05"})
    assert (advance["applied"], advance["unapplied"], advance["applications"]) == (
        "0.00", "300.00", [])
    path = f"receipts/{advance['id']}/allocations"

    def body(*allocs: tuple[str, str], on: str = "2023-01-25") -> dict[str, Any]:
        return {"applied_on": on,
                "allocations": [{"invoice_id": i, "amount": a} for i, a in allocs]}
    await _refused(finance, path, [
        (body((one["id"], "113"), (two["id"], "188")), 409, "over_allocation"),  # > 300 left
        (body((one["id"], "113.01")), 409, "over_allocation"),  # > open
        (body((one["id"], "50"), (one["id"], "50")), 422, "duplicate_allocation"),
        (body((theirs["id"], "5")), 422, "unknown_document"),
        (body((one["id"], "10"), on="2023-01-04"), 422, "validation_error"),
        (body((one["id"], "0")), 422, "validation_error"),
        ({"allocations": []}, 422, "validation_error"),
    ], unchanged=[f"receipts/{advance['id']}", f"invoices/{one['id']}"])
    missing = await finance.post(f"receipts/{uuid.uuid4()}/allocations",
                                 body((one["id"], "1")), expect=404)
    assert missing["code"] == "not_found"

    applied = await finance.post(path, body((one["id"], "113"), (two["id"], "100")))
    assert (applied["applied"], applied["unapplied"]) == ("213.00", "87.00")
    assert sorted((a["kind"], a["document_id"], a["amount"]) for a in applied["applications"]
                  ) == sorted([("advance", one["id"], "113.00"), ("advance", two["id"], "100.00")])
    entry_id = applied["applications"][0]["entry_id"]
    assert {a["entry_id"] for a in applied["applications"]} == {entry_id}
    assert await _lines(finance, entry_id) == [("2203", "213.00", "0.00"),
                                               ("1122", "0.00", "213.00")]
    assert (await finance.get(f"invoices/{one['id']}"))["open_amount"] == "0.00"
    assert (await finance.get(f"invoices/{two['id']}"))["open_amount"] == "126.00"
    assert (await finance.get(f"receipts/{advance['id']}"))["unapplied"] == "87.00"
    listed = await finance.client.get("/api/v1/finance/applications",
                                      params={"source_id": advance["id"]})
    assert len(listed.json()["items"]) == 2

    # What is left: 87 of the advance; 126 + 10 receivable.
    rest = await finance.post(path, body((two["id"], "87"), on="2023-02-01"))
    assert (rest["applied"], rest["unapplied"]) == ("300.00", "0.00")
    assert (await finance.post(path, body((two["id"], "0.01")), expect=409))["code"] == (
        "over_allocation")
    balances = await _balances(finance, "2023-03-01")
    assert (balances["2203"], balances["1122"]) == ("0.00", "49.00")
    aged = await finance.get("reports/ar-aging", as_of="2023-03-01")
    assert aged["total"] == "49.00"  # the ageing agrees with 1122

    # A receipt's allocations at once count as applied.
    paid = await finance.post("receipts", {
        "customer_id": other, "amount": "15", "received_on": "2023-01-26",
        "allocations": [{"invoice_id": theirs["id"], "amount": "10"}]})
    assert (paid["applied"], paid["unapplied"]) == ("10.00", "5.00")


async def test_a_prepayment_settles_bills_later(finance: Finance) -> None:
    supplier = str(uuid.uuid4())
    prepaid = await finance.post("payments", {"supplier_id": supplier, "amount": "500",
                                              "paid_on": "2023-03-01"})
    assert await _lines(finance, prepaid["entry_id"]) == [("1123", "500.00", "0.00"),
                                                          ("1002", "0.00", "500.00")]
    bill = await finance.post("bills", {"supplier_id": supplier, "number": "PB-1", "net": "300",
                                        "tax": "39", "billed_on": "2023-03-05",
                                        "due_on": "2023-04-04"})
    path = f"payments/{prepaid['id']}/allocations"
    await _refused(finance, path, [
        ({"allocations": [{"bill_id": bill["id"], "amount": "339.01"}]}, 409, "over_allocation"),
    ], unchanged=[f"payments/{prepaid['id']}", f"bills/{bill['id']}"])
    not_a_receipt = await finance.post(f"receipts/{prepaid['id']}/allocations", {
        "allocations": [{"invoice_id": bill["id"], "amount": "1"}]}, expect=404)
    assert not_a_receipt["code"] == "not_found"

    applied = await finance.post(path, {"applied_on": "2023-03-06",
                                        "allocations": [{"bill_id": bill["id"],
                                                         "amount": "339"}]})
    assert (applied["applied"], applied["unapplied"]) == ("339.00", "161.00")
    assert applied["applications"][0]["kind"] == "prepayment"
    assert await _lines(finance, applied["applications"][0]["entry_id"]) == [
        ("2202", "339.00", "0.00"), ("1123", "0.00", "339.00")]
    assert (await finance.get(f"bills/{bill['id']}"))["open_amount"] == "0.00"
    balances = await _balances(finance, "2023-03-31")
    assert (balances["1123"], balances["2202"]) == ("161.00", "0.00")
    forecast = await finance.get("cash/forecast", as_of="2023-03-07", days=60)
    assert all(w["payments"] == "0.00" for w in forecast["weeks"])


async def test_a_credit_note_settles_invoices(finance: Finance) -> None:
    customer, other = str(uuid.uuid4()), str(uuid.uuid4())
    invoice = await finance.post("invoices", {"customer_id": customer, "net": "1000",
                                              "tax": "130", "issued_on": "2023-05-01",
                                              "due_on": "2023-05-31"})
    theirs = await finance.post("invoices", {"customer_id": other, "net": "100",
                                             "issued_on": "2023-05-01", "due_on": "2023-07-01"})
    note = await finance.post("invoices", {"customer_id": customer, "net": "-100",
                                           "tax": "-13", "issued_on": "2023-05-10",
                                           "due_on": "2023-05-10"})
    assert (note["total"], note["allocated"], note["open_amount"]) == ("-113.00", "0.00",
                                                                       "-113.00")
    aged = await finance.get("reports/ar-aging", as_of="2023-06-05")
    assert aged["buckets"]["1-30"] == "1017.00"  # 1130 due 05-31, −113 due 05-10
    assert (aged["buckets"]["current"], aged["total"]) == ("100.00", "1117.00")
    assert (await _balances(finance, "2023-06-05"))["1122"] == aged["total"]
    forecast = await finance.get("cash/forecast", as_of="2023-05-01", days=14)
    assert forecast["weeks"][1]["receipts"] == "-113.00"  # the note, due in the second week

    path = f"invoices/{note['id']}/apply"
    await _refused(finance, path, [
        ({"allocations": [{"invoice_id": invoice["id"], "amount": "113.01"}]}, 409,
         "over_allocation"),
        ({"allocations": [{"invoice_id": theirs["id"], "amount": "10"}]}, 422,
         "unknown_document"),
        ({"allocations": [{"invoice_id": note["id"], "amount": "10"}]}, 422,
         "unknown_document"),
    ], unchanged=[f"invoices/{note['id']}", f"invoices/{invoice['id']}"])
    positive = await finance.post(f"invoices/{invoice['id']}/apply", {
        "allocations": [{"invoice_id": theirs["id"], "amount": "1"}]}, expect=422)
    assert positive["code"] == "not_a_credit_note"

    before = await finance.ledger_size()
    applied = await finance.post(path, {"applied_on": "2023-05-12", "allocations": [
        {"invoice_id": invoice["id"], "amount": "100"}]})
    assert (applied["allocated"], applied["open_amount"]) == ("-100.00", "-13.00")
    assert await finance.ledger_size() == before  # both sit in 1122: nothing to post
    assert (await finance.get(f"invoices/{invoice['id']}"))["open_amount"] == "1030.00"
    rest = await finance.post(path, {"allocations": [{"invoice_id": invoice["id"],
                                                      "amount": "13"}]})
    assert (rest["allocated"], rest["open_amount"]) == ("-113.00", "0.00")
    aged = await finance.get("reports/ar-aging", as_of="2023-06-05")
    assert (aged["buckets"]["1-30"], aged["total"]) == ("1017.00", "1117.00")
    open_ = (await finance.get("invoices", customer_id=customer, open="true"))["items"]
    assert [i["id"] for i in open_] == [invoice["id"]]
    listed = await finance.client.get("/api/v1/finance/applications",
                                      params={"source_id": note["id"]})
    assert [(a["kind"], a["amount"], a["entry_id"]) for a in listed.json()["items"]] == [
        ("credit_note", "100.00", None), ("credit_note", "13.00", None)]


async def test_a_debit_note_settles_bills(finance: Finance, infra: Infrastructure) -> None:
    supplier, warehouse, product, order = (uuid.uuid4() for _ in range(4))
    when = datetime(2022, 4, 2, 9, 0, tzinfo=UTC)
    received, back = ten_received_three_returned(order, supplier, warehouse, product,
                                                 when, "GR-8")
    async with whole_service(finance, infra):
        await send(infra, received, new_id())

        await eventually(lambda: goods_recorded(finance, order, 1), timeout=120,
                         what="the receipt")
        await finance.post("bills", {"supplier_id": str(supplier), "number": "B-80",
                                     "net": "1000", "tax": "130", "order_id": str(order),
                                     "billed_on": "2022-04-02", "due_on": "2022-05-02"})
        other = await finance.post("bills", {"supplier_id": str(supplier), "number": "B-81",
                                             "net": "500", "tax": "65",
                                             "billed_on": "2022-04-02", "due_on": "2022-05-02"})
        await send(infra, back, new_id())

        async def debit_note() -> Any:
            async with finance.db.session() as session:
                return (await session.execute(select(bill_table.c.id).where(
                    bill_table.c.supplier_id == supplier, bill_table.c.total < 0))).scalar()
        await eventually(debit_note, timeout=120, what="the debit note")
        note = await finance.get(f"bills/{await debit_note()}")
        assert (note["total"], note["open_amount"], note["due_on"]) == (
            "-339.00", "-339.00", "2022-04-02")

        aged = await finance.get("reports/ap-aging", as_of="2022-04-20")
        assert (aged["buckets"]["current"], aged["buckets"]["1-30"], aged["total"]) == (
            "1695.00", "-339.00", "1356.00")  # the debit note reduces what we owe
        assert (await _balances(finance, "2022-04-20"))["2202"] == "-1356.00"

        path = f"bills/{note['id']}/apply"
        await _refused(finance, path, [
            ({"allocations": [{"bill_id": other["id"], "amount": "339.01"}]}, 409,
             "over_allocation"),
            ({"allocations": [{"bill_id": str(uuid.uuid4()), "amount": "1"}]}, 422,
             "unknown_document"),
        ], unchanged=[f"bills/{note['id']}", f"bills/{other['id']}"])
        before = await finance.ledger_size()
        applied = await finance.post(path, {"applied_on": "2022-04-03", "allocations": [
            {"bill_id": other["id"], "amount": "339"}]})
        assert (applied["allocated"], applied["open_amount"]) == ("-339.00", "0.00")
        assert await finance.ledger_size() == before
        assert (await finance.get(f"bills/{other['id']}"))["open_amount"] == "226.00"
        aged = await finance.get("reports/ap-aging", as_of="2022-04-20")
        assert (aged["buckets"]["1-30"], aged["total"]) == ("0.00", "1356.00")


async def test_concurrent_applications_never_exceed_what_is_left(finance: Finance) -> None:
    customer = str(uuid.uuid4())
    invoices = [await finance.post("invoices", {"customer_id": customer, "net": "1000",
                                                "issued_on": "2023-07-01"}) for _ in range(2)]
    note = await finance.post("invoices", {"customer_id": customer, "net": "-300",
                                           "issued_on": "2023-07-02"})
    advance = await finance.post("receipts", {"customer_id": customer, "amount": "300",
                                              "received_on": "2023-07-02"})

    async def apply(path: str, n: int) -> int:
        # Alternate the order of the documents: the locks are taken in id order.
        targets = invoices if n % 2 else invoices[::-1]
        response = await finance.client.post(f"/api/v1/finance/{path}", json={
            "applied_on": "2023-07-03",
            "allocations": [{"invoice_id": i["id"], "amount": "50"} for i in targets]})
        return response.status_code
    outcomes = await asyncio.gather(*(apply(p, n) for n in range(6) for p in (
        f"invoices/{note['id']}/apply", f"receipts/{advance['id']}/allocations")))
    assert sorted(outcomes) == [201] * 6 + [409] * 6
    assert (await finance.get(f"invoices/{note['id']}"))["open_amount"] == "0.00"
    assert (await finance.get(f"receipts/{advance['id']}"))["unapplied"] == "0.00"
    assert [(await finance.get(f"invoices/{i['id']}"))["open_amount"] for i in invoices] == [
        "700.00", "700.00"]
    entries = await finance.get("journal-entries", source_type="finance.Application")
    assert len(entries["items"]) == 3


async def test_a_bad_debt_is_written_off(finance: Finance) -> None:
    customer = str(uuid.uuid4())
    invoice = await finance.post("invoices", {"customer_id": customer, "net": "100", "tax": "13",
                                              "issued_on": "2023-01-05"})
    await finance.post("receipts", {"customer_id": customer, "amount": "100.00",
                                    "received_on": "2023-02-01",
                                    "allocations": [{"invoice_id": invoice["id"],
                                                     "amount": "100.00"}]})
    note = await finance.post("invoices", {"customer_id": customer, "net": "-10", "tax": "0",
                                           "issued_on": "2023-01-06"})
    path = f"invoices/{invoice['id']}/write-off"
    await _refused(finance, path, [
        ({"amount": "13.01", "reason": "gone", "written_off_on": "2023-06-30"}, 409,
         "over_allocation"),
        ({"amount": "1.001", "reason": "gone", "written_off_on": "2023-06-30"}, 422,
         "validation_error"),
    ], unchanged=[f"invoices/{invoice['id']}"])
    refused = await finance.post(f"invoices/{note['id']}/write-off",
                                 {"amount": "1.00", "reason": "x"}, expect=422)
    assert refused["code"] == "not_an_invoice"

    written = await finance.post(path, {"amount": "13.00", "reason": "customer insolvent",
                                        "written_off_on": "2023-06-30"})
    assert written["open_amount"] == "0.00"
    listed = (await finance.get("applications", document_id=invoice["id"]))["items"]
    assert [(a["kind"], a["amount"], a["applied_on"]) for a in listed] == [
        ("write_off", "13.00", "2023-06-30")]
    assert await _lines(finance, listed[0]["entry_id"]) == [
        ("6711", "13.00", "0.00"), ("1122", "0.00", "13.00")]
    balances = await _balances(finance, "2023-06-30")
    assert balances["6711"] == "13.00"
    assert balances["1122"] == "-10.00", "only the open credit note is left"
