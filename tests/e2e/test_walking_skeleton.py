"""The whole system as separate processes, started the way ``make dev`` does,
driven through the gateway: a product created in inventory reaches the
replicas of sales and procurement over Kafka."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

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


async def _login(client: httpx.AsyncClient) -> dict[str, str]:
    response = await client.post("/api/v1/identity/token",
                                 data={"username": "admin", "password": ADMIN_PASSWORD})
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
