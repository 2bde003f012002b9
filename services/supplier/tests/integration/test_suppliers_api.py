"""The supplier master over HTTP: the new fields, filters, block / unblock,
permissions and refused input."""

from __future__ import annotations

import httpx

from .conftest import Supplier

FULL = {
    "tax_id": "91310000MA1FL0XX1X",
    "email": "sales@acme.example",
    "contacts": [{"name": "王芳", "phone": "+86 21 5555 0101", "email": "wang@acme.example",
                  "role": "sales"}],
    "addresses": [{"kind": "office", "street": "浦东新区世纪大道 100 号", "city": "上海",
                   "country": "CN"}],
    "bank": {"bank_name": "中国银行", "account_name": "ACME 有限公司",
             "account_number": "6222 0000 1111", "branch": "浦东支行"},
    "currency": "CNY", "payment_terms_days": 45, "category": "packaging",
}


async def test_create_with_every_field_and_announce_it(supplier: Supplier) -> None:
    created = await supplier.new_supplier("ACME", **FULL)
    assert created["status"] == "approved" and created["version"] == 1
    assert created["contacts"][0]["name"] == "王芳"
    assert created["bank"]["branch"] == "浦东支行"
    assert created["addresses"][0]["city"] == "上海"
    fetched = await supplier.get(f"suppliers/{created['id']}")
    assert fetched == created

    [event] = await supplier.outbox("SupplierUpserted")
    assert event["supplier_id"] == created["id"]
    assert (event["status"], event["currency"], event["email"], event["category"],
            event["payment_terms_days"], event["version"]) == (
        "approved", "CNY", "sales@acme.example", "packaging", 45, 1)


async def test_patch_block_unblock_and_filters(supplier: Supplier) -> None:
    acme = await supplier.new_supplier("ACME", category="packaging")
    await supplier.new_supplier("BOLT", category="hardware")
    changed = await supplier.call("PATCH", f"suppliers/{acme['id']}",
                                  {"currency": "USD", "contacts": []},
                                  headers={"If-Match": 'W/"1"'})
    assert changed["currency"] == "USD" and changed["version"] == 2

    blocked = await supplier.post(f"suppliers/{acme['id']}/block",
                                  {"reason": "failed quality audit"}, expect=200)
    assert (blocked["status"], blocked["status_reason"], blocked["version"]) == (
        "blocked", "failed quality audit", 3)
    again = await supplier.post(f"suppliers/{acme['id']}/block", {"reason": "again"},
                                expect=200)
    assert again["version"] == 3  # already blocked: nothing changes

    assert [s["code"] for s in (await supplier.get("suppliers", status="blocked"))["items"]] \
        == ["ACME"]
    assert [s["code"] for s in (await supplier.get("suppliers", category="hardware"))["items"]] \
        == ["BOLT"]
    page = await supplier.get("suppliers", limit=1)
    assert [s["code"] for s in page["items"]] == ["ACME"] and page["next_cursor"]

    unblocked = await supplier.post(f"suppliers/{acme['id']}/unblock", expect=200)
    assert (unblocked["status"], unblocked["version"]) == ("approved", 4)
    statuses = [(e["status"], e["version"]) for e in await supplier.outbox("SupplierUpserted")
                if e["supplier_id"] == acme["id"]]
    assert statuses == [("approved", 1), ("approved", 2), ("blocked", 3), ("approved", 4)]


async def test_refused_input_is_problem_json_and_changes_nothing(supplier: Supplier) -> None:
    acme = await supplier.new_supplier("ACME")
    before = await supplier.outbox()
    bad = await supplier.post("suppliers", {"code": "X", "name": "x",
                                            "bank": {"bank_name": "b"}}, expect=422)
    assert {e["field"] for e in bad["errors"]} >= {"bank.account_name", "bank.account_number"}
    await supplier.post("suppliers", {"code": "Y", "name": "y", "currency": "yuan"}, expect=422)
    await supplier.post("suppliers", {"code": "ACME", "name": "again"}, expect=409)
    status = await supplier.call("PATCH", f"suppliers/{acme['id']}", {"status": "blocked"},
                                 expect=422)
    assert status["code"] == "validation_error"
    await supplier.post(f"suppliers/{acme['id']}/block", {"reason": ""}, expect=422)
    null_name = await supplier.call("PATCH", f"suppliers/{acme['id']}", {"name": None},
                                    expect=422)
    assert "name cannot be null" in null_name["errors"][0]["message"]
    stale = await supplier.call("PATCH", f"suppliers/{acme['id']}", {"name": "n"},
                                expect=412, headers={"If-Match": 'W/"7"'})
    assert stale["code"] == "precondition_failed"
    assert await supplier.outbox() == before


async def test_permissions(supplier: Supplier) -> None:
    reader = supplier.issuer.headers("supplier:read")
    async with httpx.AsyncClient(base_url=str(supplier.client.base_url), headers=reader) as c:
        denied = await c.post("/api/v1/supplier/suppliers", json={"code": "A", "name": "a"})
        assert denied.status_code == 403
        assert denied.headers["content-type"] == "application/problem+json"
        assert (await c.get("/api/v1/supplier/suppliers")).status_code == 200
        assert (await c.get("/api/v1/supplier/classification")).status_code == 200
    async with httpx.AsyncClient(base_url=str(supplier.client.base_url)) as anonymous:
        assert (await anonymous.get("/api/v1/supplier/suppliers")).status_code == 401
