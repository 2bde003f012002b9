"""Receiving goods against purchase orders, returning them to the supplier,
and emailing an order, over HTTP on real infrastructure."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import httpx
from openpyxl import load_workbook

from jxc.contracts import topics
from jxc.platform.testing import Infrastructure, eventually, serving, smtp_server, topic_reader

from .conftest import Procurement, procurement_app

APPROVER = ("procurement:read", "procurement:approve")


async def approved_order(procurement: Procurement, *quantities: int,
                         expected_at: str | None = "2030-03-01T09:00:00Z") -> dict[str, Any]:
    body: dict[str, Any] = {
        "supplier_id": await procurement.supplier(),
        "warehouse_id": await procurement.warehouse(),
        "lines": [{"product_id": await procurement.product(), "quantity": q,
                   "unit_price": "8.50"} for q in quantities or (10,)]}
    if expected_at:
        body["expected_at"] = expected_at
    order = await procurement.post("purchase-orders", body, expect=201)
    await procurement.post(f"purchase-orders/{order['id']}/submit")
    return await procurement.post(f"purchase-orders/{order['id']}/approve",
                                  client=procurement.as_user(*APPROVER))


async def test_partial_receipts_backorders_and_goods_received(
        procurement: Procurement) -> None:
    order = await approved_order(procurement, 10, 5)
    oid = order["id"]
    tea, cups = (line["product_id"] for line in order["lines"])
    first = await procurement.post(f"purchase-orders/{oid}/receipts", {
        "received_at": "2030-03-02T10:00:00Z", "lines": [
            {"product_id": tea, "quantity": "6", "rejected_quantity": "1",
             "rejection_reason": "crushed box", "lot": "L1", "expiry": "2031-01-01"},
            {"line_no": 2, "quantity": "5"}]}, expect=201)
    assert first["status"] == "partially_received"
    assert [(x["received"], x["rejected"], x["backorder"]) for x in first["lines"]] == [
        ("6.0000", "1.0000", "4.0000"), ("5.0000", "0.0000", "0.0000")]
    received = await procurement.events("GoodsReceived")
    assert len(received) == 1
    event = received[0]
    assert (event["order_id"], event["number"], event["received_at"][:19],
            event["due_at"][:19]) == (oid, order["number"], "2030-03-02T10:00:00",
                                      "2030-03-01T09:00:00")
    assert [(x["product_id"], x["quantity"], x["unit_cost"], x["tax_rate"], x["lot"],
             x["expiry"], x["rejected_quantity"], x["rejection_reason"])
            for x in event["lines"]] == [
        (tea, "6.0000", "8.5000", "0.1300", "L1", "2031-01-01", "1.0000", "crushed box"),
        (cups, "5.0000", "8.5000", "0.1300", None, None, "0.0000", None)]

    done = await procurement.post(f"purchase-orders/{oid}/receipts", {"lines": [
        {"product_id": tea, "quantity": 4}]}, expect=201)
    assert done["status"] == "received" and len(done["receipts"]) == 2
    assert [x["backorder"] for x in done["lines"]] == ["0.0000", "0.0000"]
    # Fully received stays 'received' (returns and bills still follow); closing is explicit.
    assert await procurement.events("PurchaseOrderClosed") == []
    closed = await procurement.post(f"purchase-orders/{oid}/close")
    assert closed["status"] == "closed"


async def test_over_receipt_is_refused_beyond_the_tolerance(procurement: Procurement) -> None:
    order = await approved_order(procurement, 10)
    oid, tea = order["id"], order["lines"][0]["product_id"]
    await procurement.post(f"purchase-orders/{oid}/receipts", {"lines": [
        {"product_id": tea, "quantity": 7}]}, expect=201)
    problem = await procurement.post(f"purchase-orders/{oid}/receipts", {"lines": [
        {"product_id": tea, "quantity": "3.5"}]}, expect=409)
    assert (problem["code"], problem["line_no"], problem["allowed"]) == (
        "over_receipt", 1, "3.0000")
    buyer = procurement.as_user("procurement:read", "procurement:write")
    refused = await buyer.put(f"/api/v1/procurement/purchase-orders/{oid}/receipt-tolerance",
                              json={"over_receipt_tolerance_pct": 5})
    assert refused.status_code == 403
    widened = await procurement.client.put(
        f"/api/v1/procurement/purchase-orders/{oid}/receipt-tolerance",
        json={"over_receipt_tolerance_pct": 5})
    assert widened.json()["over_receipt_tolerance_pct"] == "5.0000"
    over = await procurement.post(f"purchase-orders/{oid}/receipts", {"lines": [
        {"product_id": tea, "quantity": "3.5"}]}, expect=201)
    assert (over["status"], over["lines"][0]["received"], over["lines"][0]["backorder"]) == (
        "received", "10.5000", "0.0000")
    assert len(await procurement.events("GoodsReceived")) == 2


async def test_service_tolerance_setting(procurement: Procurement,
                                         infra: Infrastructure) -> None:
    order = await approved_order(procurement, 10)
    app = procurement_app(procurement.url, infra, procurement.issuer, role="api",
                          over_receipt_tolerance_pct=10)
    async with serving(app) as base, httpx.AsyncClient(
            base_url=base, headers=procurement.issuer.headers("procurement:*")) as client:
        url = f"/api/v1/procurement/purchase-orders/{order['id']}/receipts"
        response = await client.post(url, json={"lines": [{"line_no": 1, "quantity": "11.5"}]})
        assert response.status_code == 409 and response.json()["allowed"] == "11.0000"
        response = await client.post(url, json={"lines": [{"line_no": 1, "quantity": 11}]})
        assert response.status_code == 201, response.text
        assert response.json()["status"] == "received"


async def test_receipts_refused_in_the_wrong_state_or_with_bad_lines(
        procurement: Procurement) -> None:
    draft = await procurement.post("purchase-orders", {
        "supplier_id": await procurement.supplier(),
        "warehouse_id": await procurement.warehouse(),
        "lines": [{"product_id": await procurement.product(), "quantity": 1,
                   "unit_price": 1}]}, expect=201)
    problem = await procurement.post(f"purchase-orders/{draft['id']}/receipts", {"lines": [
        {"line_no": 1, "quantity": 1}]}, expect=409)
    assert problem["code"] == "invalid_state"
    await procurement.post(f"purchase-orders/{draft['id']}/cancel", {"reason": "no"})
    problem = await procurement.post(f"purchase-orders/{draft['id']}/receipts", {"lines": [
        {"line_no": 1, "quantity": 1}]}, expect=409)
    assert problem["code"] == "invalid_state"

    order = await approved_order(procurement, 10)
    oid = order["id"]
    for lines in ([{"quantity": 1}],
                  [{"line_no": 9, "quantity": 1}],
                  [{"line_no": 1, "quantity": 1}, {"line_no": 1, "quantity": 1}],
                  [{"line_no": 1, "quantity": 0}],
                  [{"line_no": 1, "quantity": 1, "rejected_quantity": 1}],
                  [{"line_no": 1, "quantity": 1, "expiry": "tomorrow"}],
                  []):
        problem = await procurement.post(f"purchase-orders/{oid}/receipts", {"lines": lines},
                                         expect=422)
        assert problem["code"] == "validation_error", lines
    await procurement.post("purchase-orders/not-a-uuid/receipts", {"lines": []}, expect=422)
    clerk = procurement.as_user("procurement:read", "procurement:receive",
                                warehouses=["00000000-0000-0000-0000-000000000000"])
    hidden = await clerk.post(f"/api/v1/procurement/purchase-orders/{oid}/receipts",
                              json={"lines": [{"line_no": 1, "quantity": 1}]})
    assert hidden.status_code == 404
    await procurement.post(f"purchase-orders/{oid}/receipts", {"lines": [
        {"line_no": 1, "quantity": 2}]}, expect=201)
    closed = await procurement.post(f"purchase-orders/{oid}/close")
    assert closed["status"] == "closed"
    problem = await procurement.post(f"purchase-orders/{oid}/receipts", {"lines": [
        {"line_no": 1, "quantity": 1}]}, expect=409)
    assert problem["code"] == "invalid_state"
    assert len(await procurement.events("GoodsReceived")) == 1


async def test_returns_to_supplier(procurement: Procurement) -> None:
    order = await approved_order(procurement, 10)
    oid, tea = order["id"], order["lines"][0]["product_id"]
    await procurement.post(f"purchase-orders/{oid}/returns", {"lines": [
        {"product_id": tea, "quantity": 1, "reason": "faulty"}]}, expect=409)
    await procurement.post(f"purchase-orders/{oid}/receipts", {"lines": [
        {"product_id": tea, "quantity": 6}]}, expect=201)
    returned = await procurement.post(f"purchase-orders/{oid}/returns", {"lines": [
        {"product_id": tea, "quantity": 4, "reason": "faulty"}]}, expect=201)
    assert returned["lines"][0]["returned"] == "4.0000"
    assert returned["returns"][0]["lines"][0]["reason"] == "faulty"
    problem = await procurement.post(f"purchase-orders/{oid}/returns", {"lines": [
        {"product_id": tea, "quantity": 3, "reason": "faulty"}]}, expect=409)
    assert (problem["code"], problem["allowed"]) == ("over_return", "2.0000")
    await procurement.post(f"purchase-orders/{oid}/returns", {"lines": [
        {"product_id": tea, "quantity": 1, "reason": " "}]}, expect=422)
    receiver = procurement.as_user("procurement:read", "procurement:receive")
    refused = await receiver.post(f"/api/v1/procurement/purchase-orders/{oid}/returns",
                                  json={"lines": [{"product_id": tea, "quantity": 1,
                                                   "reason": "x"}]})
    assert refused.status_code == 403
    events = await procurement.events("GoodsReturned")
    assert [(e["order_id"], e["lines"][0]["quantity"], e["lines"][0]["unit_cost"],
             e["lines"][0]["reason"]) for e in events] == [(oid, "4.0000", "8.5000", "faulty")]


async def test_email_sends_the_order_with_a_sheet(procurement: Procurement,
                                                  infra: Infrastructure) -> None:
    order = await approved_order(procurement, 10, 3)
    unavailable = await procurement.post(f"purchase-orders/{order['id']}/email", expect=503)
    assert unavailable["code"] == "mail_unavailable"
    async with smtp_server() as smtp:
        app = procurement_app(procurement.url, infra, procurement.issuer, role="api",
                              smtp_host=smtp.host, smtp_port=smtp.port,
                              smtp_from="buyer@jxc.example")
        async with serving(app) as base, httpx.AsyncClient(
                base_url=base, headers=procurement.issuer.headers("procurement:*")) as client:
            url = f"/api/v1/procurement/purchase-orders/{order['id']}/email"
            sent = await client.post(url)
            assert sent.status_code == 200, sent.text
            assert sent.json()["to"] == "orders@supplier.example"
            csv_sent = await client.post(url, json={"format": "csv", "to": "x@y.example"})
            assert csv_sent.status_code == 200, csv_sent.text
            assert (await client.post(url, json={"to": "not an address"})).status_code == 422
    xlsx_mail, csv_mail = smtp.messages
    assert xlsx_mail["To"] == "orders@supplier.example"
    assert order["number"] in xlsx_mail["Subject"]
    assert "total 124.87 CNY" in xlsx_mail.get_body(("plain",)).get_content()
    sheet = next(xlsx_mail.iter_attachments())
    assert sheet.get_filename() == f"{order['number']}.xlsx"
    rows = list(load_workbook(io.BytesIO(sheet.get_content())).active.values)
    assert rows[0][0] == "line" and [r[4] for r in rows[1:]] == ["10.0000", "3.0000"]
    attachment = next(csv_mail.iter_attachments())
    assert attachment.get_filename() == f"{order['number']}.csv"
    detail = await procurement.get(f"purchase-orders/{order['id']}")
    assert detail["emailed_at"] is not None

    draft = await procurement.post("purchase-orders", {
        "supplier_id": await procurement.supplier(),
        "warehouse_id": await procurement.warehouse(),
        "lines": [{"product_id": await procurement.product(), "quantity": 1,
                   "unit_price": 1}]}, expect=201)
    problem = await procurement.post(f"purchase-orders/{draft['id']}/email", expect=409)
    assert problem["code"] == "invalid_state"


async def test_events_reach_kafka_keyed_by_the_order(procurement: Procurement,
                                                     infra: Infrastructure) -> None:
    order = await approved_order(procurement, 2)
    await procurement.post(f"purchase-orders/{order['id']}/receipts", {"lines": [
        {"line_no": 1, "quantity": 2}]}, expect=201)
    relay = procurement_app(procurement.url, infra, procurement.issuer, role="worker")
    async with serving(relay), topic_reader(infra.kafka_bootstrap,
                                            topics.PROCUREMENT_EVENTS) as reader:
        async def both() -> list[Any]:
            """Each read fetches once more; the topic also holds other tests' events."""
            mine = [r for r in await reader.read(1, timeout=60)
                    if r.key == order["id"].encode()]
            return mine if len(mine) >= 2 else []
        records = await eventually(both, timeout=120, what="the order's events on Kafka")
    types = [reader.headers(r)["ce_type"] for r in records]
    assert types == ["jxc.procurement.PurchaseOrderApproved.v1",
                     "jxc.procurement.GoodsReceived.v1"]
    assert reader.headers(records[0])["ce_subject"] == order["id"]


async def test_concurrent_receipts_never_exceed_the_order(procurement: Procurement) -> None:
    order = await approved_order(procurement, 10)
    url = f"/api/v1/procurement/purchase-orders/{order['id']}/receipts"
    responses = await asyncio.gather(*(procurement.client.post(url, json={"lines": [
        {"line_no": 1, "quantity": 3}]}) for _ in range(5)))
    assert sorted(r.status_code for r in responses) == [201, 201, 201, 409, 409]
    detail = await procurement.get(f"purchase-orders/{order['id']}")
    assert (detail["lines"][0]["received"], len(detail["receipts"])) == ("9.0000", 3)
    assert len(await procurement.events("GoodsReceived")) == 3
