"""The whole system as separate processes, started the way ``make dev`` does,
driven through the gateway: a product created in inventory reaches the
replicas of sales and procurement over Kafka, and a low-stock alert becomes a
requisition, an approved purchase order and two receipts at two prices that
inventory, finance and the supplier's scorecard all agree on."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from jxc.platform.infra import free_port
from jxc.platform.infra.stack import SERVICES, LocalStack, StackPorts
from jxc.platform.testing import eventually

pytestmark = pytest.mark.e2e
ADMIN_PASSWORD = "e2e-admin-password"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    ports = StackPorts(gateway=free_port(), broker=free_port(), redis=free_port(),
                       postgres=free_port(), services={name: free_port() for name in SERVICES})
    root: Path = tmp_path_factory.mktemp("stack")
    local = LocalStack(root, ports, extra_env={"JXC_ADMIN_PASSWORD": ADMIN_PASSWORD,
                                               "JXC_OUTBOX_POLL_SECONDS": "0.5"})
    try:
        local.start()
        yield local
    finally:
        local.stop()


async def _login(client: httpx.AsyncClient, username: str = "admin",
                 password: str = ADMIN_PASSWORD) -> dict[str, str]:
    response = await client.post("/api/v1/identity/token",
                                 data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_walking_skeleton_through_the_gateway(stack: LocalStack) -> None:
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=30) as client:
        assert (await client.get("/api/v1/inventory/products")).status_code == 401
        wrong = await client.post("/api/v1/identity/token",
                                  data={"username": "admin", "password": "wrong"})
        assert wrong.status_code == 401
        assert wrong.headers["content-type"] == "application/problem+json"

        auth = await _login(client)
        me = await client.get("/api/v1/identity/me", headers=auth)
        assert me.status_code == 200
        assert me.json()["username"] == "admin"

        created = await client.post("/api/v1/inventory/products", headers=auth, json={
            "sku": "TEA-001", "name": "Longjing tea 250g", "unit": "box",
            "sale_price": "88.50", "tax_rate": "0.13", "costing_method": "average"})
        assert created.status_code == 201, created.text
        product = created.json()
        assert product["sale_price"] == "88.5000"
        product_id = product["id"]

        async def replicated(service: str, version: int) -> dict[str, object] | None:
            response = await client.get(f"/api/v1/{service}/products/{product_id}",
                                        headers=auth)
            if response.status_code == 200 and response.json()["version"] == version:
                return response.json()  # type: ignore[no-any-return]
            return None

        in_sales = await eventually(lambda: replicated("sales", 1), timeout=120,
                                    what="the product in sales")
        assert in_sales["name"] == "Longjing tea 250g"
        assert in_sales["sale_price"] == "88.5000"
        in_procurement = await eventually(lambda: replicated("procurement", 1), timeout=120,
                                          what="the product in procurement")
        assert in_procurement["sku"] == "TEA-001"

        renamed = await client.patch(f"/api/v1/inventory/products/{product_id}",
                                     headers={**auth, "If-Match": created.headers["etag"]},
                                     json={"name": "Longjing tea 250g (spring)"})
        assert renamed.status_code == 200, renamed.text
        stale = await client.patch(f"/api/v1/inventory/products/{product_id}",
                                   headers={**auth, "If-Match": created.headers["etag"]},
                                   json={"name": "lost update"})
        assert stale.status_code == 412
        in_sales = await eventually(lambda: replicated("sales", 2), timeout=60,
                                    what="the rename in sales")
        assert in_sales["name"] == "Longjing tea 250g (spring)"

        docs = await client.get("/openapi.json")
        assert docs.status_code == 200
        paths = docs.json()["paths"]
        assert "/api/v1/inventory/products" in paths
        assert "/api/v1/identity/token" in paths
        assert (await client.get("/docs")).status_code == 200
        assert (await client.get("/.well-known/jwks.json")).json()["keys"]


async def test_every_service_is_ready_with_metrics(stack: LocalStack) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        for name in SERVICES:
            base = stack.service_url(name)
            ready = await client.get(f"{base}/readyz")
            assert ready.status_code == 200, (name, ready.text)
            assert ready.json()["checks"] == {"database": "ok", "migrations": "ok",
                                              "broker": "ok"}
            metrics = await client.get(f"{base}/metrics")
            assert "jxc_http_requests_total" in metrics.text
            assert (await client.get(f"{base}/openapi.json")).status_code == 200


async def test_every_service_has_its_consumer_group_on_the_bus(stack: LocalStack) -> None:
    """Each group has partitions assigned: the service reports their lag."""
    groups = {"identity": "identity.directory", "inventory": "inventory.commands",
              "procurement": "procurement.catalogue", "sales": "sales.catalogue",
              "finance": "finance.credit", "crm": "crm.sales_activity",
              "supplier": "supplier.scorecard", "reporting": "reporting.projections"}
    async with httpx.AsyncClient(timeout=10) as client:
        for service, group in groups.items():
            async def assigned(url: str = f"{stack.service_url(service)}/metrics",
                               label: str = f'group="{group}"') -> bool:
                return label in (await client.get(url)).text
            await eventually(assigned, timeout=60, what=f"{group} assigned partitions")


async def _created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_purchasing_from_a_low_stock_alert_to_the_scorecard(stack: LocalStack) -> None:
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=30) as client:
        admin = await _login(client)
        await _created(await client.post("/api/v1/identity/users", headers=admin, json={
            "username": "manager-e2e", "display_name": "Purchasing manager",
            "password": "Approve-2026-e2e", "roles": ["manager"],
            "must_change_password": False}))
        manager = await _login(client, "manager-e2e", "Approve-2026-e2e")

        warehouse = (await _created(await client.post(
            "/api/v1/inventory/warehouses", headers=admin,
            json={"code": "WH-BUY", "name": "Purchasing e2e"})))["id"]
        product = (await _created(await client.post(
            "/api/v1/inventory/products", headers=admin, json={
                "sku": "TEA-BUY-1", "name": "Biluochun 500g", "unit": "box",
                "sale_price": "260", "tax_rate": "0.13", "costing_method": "average"})))["id"]
        supplier = (await _created(await client.post(
            "/api/v1/supplier/suppliers", headers=admin, json={
                "code": "SUP-TEA", "name": "Dongting tea farm",
                "email": "orders@dongting.example"})))["id"]

        async def price_listed() -> bool:  # once supplier knows the product
            response = await client.post(f"/api/v1/supplier/suppliers/{supplier}/prices",
                                         headers=admin, json={
                                             "product_id": product, "unit_price": "100",
                                             "min_quantity": "1", "lead_time_days": 5,
                                             "valid_from": "2020-01-01"})
            return response.status_code == 201
        await eventually(price_listed, timeout=120, what="the price list line")
        preferred = await client.put(f"/api/v1/supplier/products/{product}/preferred-supplier",
                                     headers=admin, json={"supplier_id": supplier})
        assert preferred.status_code == 200, preferred.text

        async def procurement_knows_the_offer() -> bool:
            response = await client.get(f"/api/v1/procurement/products/{product}/offers",
                                        headers=admin)
            return response.status_code == 200 and \
                response.json()["preferred_supplier_id"] == supplier
        await eventually(procurement_knows_the_offer, timeout=120,
                         what="the preferred supplier in procurement")

        # No stock below a minimum of 10: inventory raises StockLevelLow.
        await _created(await client.post("/api/v1/inventory/reorder-rules", headers=admin, json={
            "product_id": product, "warehouse_id": warehouse, "min_qty": "10",
            "max_qty": "20"}))

        async def requisition() -> dict[str, Any] | None:
            response = await client.get("/api/v1/procurement/requisitions", headers=admin,
                                        params={"warehouse_id": warehouse})
            items = response.json()["items"] if response.status_code == 200 else []
            return items[0] if items else None
        raised = await eventually(requisition, timeout=120, what="the requisition")
        assert raised["source"] == "auto"
        assert [(x["product_id"], x["quantity"], x["supplier_id"]) for x in raised["lines"]] == [
            (product, "20.0000", supplier)]

        async def converted() -> dict[str, Any] | None:
            response = await client.post("/api/v1/procurement/requisitions/convert",
                                         headers=admin,
                                         json={"requisition_ids": [raised["id"]]})
            return response.json() if response.status_code == 201 else None
        order_id = (await eventually(converted, timeout=120, what="the purchase order"))[
            "orders"][0]["order_id"]
        orders = f"/api/v1/procurement/purchase-orders/{order_id}"
        draft = (await client.get(orders, headers=admin)).json()
        assert [(x["quantity"], x["unit_price"]) for x in draft["lines"]] == [
            ("20.0000", "100.0000")]
        promised = (datetime.now(UTC) + timedelta(days=7)).isoformat()
        changed = await client.patch(orders, headers=admin, json={"expected_at": promised})
        assert changed.status_code == 200, changed.text
        assert (await client.post(f"{orders}/submit", headers=admin)).status_code == 200

        own = await client.post(f"{orders}/approve", headers=admin, json={})
        assert own.status_code == 403 and own.json()["reason"] == "self_approval_forbidden"
        inbox = (await client.get("/api/v1/procurement/approvals/inbox",
                                  headers=manager)).json()["items"]
        assert [i["id"] for i in inbox] == [order_id]
        approved = await client.post(inbox[0]["approve_url"], headers=manager, json={})
        assert approved.status_code == 200 and approved.json()["status"] == "approved"

        async def receive(quantity: str) -> dict[str, Any]:
            return await _created(await client.post(f"{orders}/receipts", headers=admin, json={
                "lines": [{"product_id": product, "quantity": quantity}]}))
        await receive("8")
        # The farm raises its price for the rest: a revision, approved again.
        revised = await client.patch(orders, headers=admin, json={"lines": [
            {"product_id": product, "quantity": "20", "unit_price": "130"}]})
        assert revised.status_code == 200 and revised.json()["status"] == "submitted"
        again = await client.post(f"{orders}/approve", headers=manager, json={})
        assert again.json()["status"] == "partially_received", again.text
        await receive("12")
        closed = await client.post(f"{orders}/close", headers=admin, json={})
        assert closed.status_code == 200 and closed.json()["status"] == "closed", closed.text

        async def stocked() -> dict[str, Any] | None:
            items = (await client.get("/api/v1/inventory/stock", headers=admin, params={
                "product_id": product, "warehouse_id": warehouse})).json()["items"]
            return items[0] if items and items[0]["on_hand"] == "20.0000" else None
        stock = await eventually(stocked, timeout=120, what="both receipts in stock")
        # 8 × 100 + 12 × 130 = 2,360 at a moving average of 118.
        assert (stock["value"], stock["unit_cost"], stock["incoming"]) == (
            "2360.0000", "118.0000", "0.0000")

        async def booked() -> dict[str, str] | None:
            items = (await client.get("/api/v1/finance/trial-balance",
                                      headers=admin)).json()["items"]
            balances = {i["account_code"]: i["balance"] for i in items}
            return balances if balances.get("1405") == "2360.00" else None
        balances = await eventually(booked, timeout=120, what="the postings in finance")
        assert balances["220202"] == "-2360.00", "goods received, not yet invoiced"

        async def scored() -> dict[str, Any] | None:
            totals = (await client.get(f"/api/v1/supplier/suppliers/{supplier}/scorecard",
                                       headers=admin)).json()["totals"]
            return totals if totals["fill_rate"] is not None and totals["deliveries"] == 2 \
                else None
        card = await eventually(scored, timeout=120, what="the supplier's scorecard")
        assert Decimal(card["fill_rate"]) == 100
        assert Decimal(card["on_time_rate"]) == 100
        assert Decimal(card["quality_acceptance_rate"]) == 100
