"""The interactions log: notes are stored, emails go through a real SMTP
server on loopback, and an email the server cannot take is kept as failed
(503 problem) and resent later."""

from __future__ import annotations

import asyncio

import httpx

from jxc.platform.infra import free_port
from jxc.platform.testing import Infrastructure, serving

from .conftest import Supplier, supplier_app


async def test_note_and_email_to_the_supplier(supplier: Supplier) -> None:
    acme = await supplier.new_supplier("ACME", email="sales@acme.example")
    path = f"suppliers/{acme['id']}/interactions"
    note = await supplier.post(path, {"kind": "call", "subject": "交期确认",
                                      "body": "Promised delivery on Friday.",
                                      "occurred_at": "2026-05-04T09:30:00+08:00"})
    assert (note["status"], note["recipients"], note["created_by"]) == ("recorded", [], "tester")
    assert note["occurred_at"].startswith("2026-05-04T01:30:00")

    mail = await supplier.post(path, {"kind": "email", "subject": "Quotation request",
                                      "body": "Please quote 500 cartons."})
    assert mail["status"] == "sent" and mail["attempts"] == 1
    assert mail["recipients"] == ["sales@acme.example"]
    [received] = supplier.smtp.messages
    assert received["Message-ID"] == mail["message_id"]
    assert received["To"] == "sales@acme.example"
    assert received["From"] == "buyer@jxc.example"
    assert received["Subject"] == "Quotation request"
    assert "500 cartons" in received.get_content()

    other = await supplier.post(path, {"kind": "email", "subject": "cc", "body": "b",
                                       "to": ["ops@acme.example", "qa@acme.example"]})
    assert supplier.smtp.messages[-1]["To"] == "ops@acme.example, qa@acme.example"
    assert other["recipients"] == ["ops@acme.example", "qa@acme.example"]

    listed = await supplier.get(path, limit=2)
    assert [i["id"] for i in listed["items"]] == [note["id"], mail["id"]]
    rest = await supplier.get(path, cursor=listed["next_cursor"])
    assert [i["id"] for i in rest["items"]] == [other["id"]]
    assert [i["kind"] for i in (await supplier.get(path, kind="call"))["items"]] == ["call"]


async def test_refused_interactions(supplier: Supplier) -> None:
    quiet = await supplier.new_supplier("QUIET")
    path = f"suppliers/{quiet['id']}/interactions"
    no_address = await supplier.post(path, {"kind": "email", "subject": "s"}, expect=422)
    assert no_address["errors"][0]["field"] == "to"
    await supplier.post(path, {"kind": "note", "subject": "s", "to": ["a@b.example"]},
                        expect=422)
    await supplier.post(path, {"kind": "fax", "subject": "s"}, expect=422)
    await supplier.post(path, {"kind": "note", "subject": "s",
                               "occurred_at": "2026-05-04T09:30:00"}, expect=422)
    await supplier.post(path, {"kind": "email", "subject": "s", "to": ["not-an-address"]},
                        expect=422)
    assert (await supplier.get(path))["items"] == []
    assert supplier.smtp.messages == []


async def test_unreachable_mail_server_keeps_the_email_as_failed(
        supplier: Supplier, infra: Infrastructure) -> None:
    acme = await supplier.new_supplier("ACME", email="sales@acme.example")
    path = f"suppliers/{acme['id']}/interactions"
    broken = supplier_app(supplier.url, infra, supplier.issuer, role="api",
                          smtp_host="127.0.0.1", smtp_port=free_port(), smtp_timeout_seconds=2)
    async with serving(broken) as base, httpx.AsyncClient(
            base_url=base, headers=supplier.issuer.headers("supplier:*"), timeout=60) as client:
        response = await client.post(f"/api/v1/supplier/{path}",
                                     json={"kind": "email", "subject": "PO", "body": "b"})
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "mail_unavailable"
    [failed] = (await supplier.get(path))["items"]
    assert failed["id"] == problem["interaction_id"]
    assert (failed["status"], failed["attempts"], failed["message_id"]) == ("failed", 1, None)
    assert failed["error"]
    assert supplier.smtp.messages == []

    url = f"/api/v1/supplier/{path}/{failed['id']}/resend"
    first, second = await asyncio.gather(supplier.client.post(url), supplier.client.post(url))
    assert sorted([first.status_code, second.status_code]) == [200, 409]
    resent = (first if first.status_code == 200 else second).json()
    refused = (second if first.status_code == 200 else first).json()
    assert (resent["status"], resent["attempts"], resent["error"]) == ("sent", 2, None)
    assert refused["code"] == "not_resendable"
    assert [m["Message-ID"] for m in supplier.smtp.messages] == [resent["message_id"]]
    again = await supplier.post(f"{path}/{failed['id']}/resend", expect=409)
    assert again["interaction_status"] == "sent"
