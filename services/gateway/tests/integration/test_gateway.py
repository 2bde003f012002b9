"""The gateway in front of a real service: token checks before forwarding,
public routes, request ids, unknown services and unreachable upstreams."""

from __future__ import annotations

import httpx

from jxc.gateway.app import create_gateway
from jxc.gateway.settings import GatewaySettings
from jxc.platform.app import create_app
from jxc.platform.infra import free_port
from jxc.platform.testing import Infrastructure, TokenIssuer, serving

from probe_app import probe_database, probe_spec

PROBLEM = "application/problem+json"


async def test_gateway_routes_checks_tokens_and_reports_upstream_trouble(
        infra: Infrastructure) -> None:
    issuer = TokenIssuer()
    service = create_app(probe_spec(infra, await probe_database(infra), issuer), role="api")
    async with serving(service) as service_url:
        settings = GatewaySettings(
            upstreams={"probe": service_url, "gone": f"http://127.0.0.1:{free_port()}"},
            jwks_url=f"{service_url}/.well-known/jwks.json",
            public_routes=("GET /api/v1/probe/nothing-here",))
        async with serving(create_gateway(settings)) as url, \
                httpx.AsyncClient(base_url=url) as client:
            anonymous = await client.get("/api/v1/probe/whoami")
            assert anonymous.status_code == 401
            assert anonymous.headers["content-type"] == PROBLEM
            assert anonymous.headers["x-request-id"]

            expired = await client.get("/api/v1/probe/whoami",
                                       headers=issuer.headers("*", expires_in=-5))
            assert expired.status_code == 401

            me = await client.get("/api/v1/probe/whoami", params={"x": "1"},
                                  headers={**issuer.headers("sales:read"),
                                           "X-Request-ID": "req-42"})
            assert me.status_code == 200
            assert me.json()["permissions"] == ["sales:read"]
            assert me.headers["x-request-id"] == "req-42"

            public = await client.get("/api/v1/probe/nothing-here")
            assert public.status_code == 404  # reached the service without a token
            assert public.json()["instance"] == "/api/v1/probe/nothing-here"

            created = await client.post("/api/v1/probe/pings", json={"aggregate": "g", "seq": 1},
                                        headers=issuer.headers("*"))
            assert created.status_code == 201

            unknown = await client.get("/api/v1/nowhere/x", headers=issuer.headers("*"))
            assert unknown.status_code == 404
            assert unknown.json()["code"] == "unknown_service"

            down = await client.get("/api/v1/gone/x", headers=issuer.headers("*"))
            assert down.status_code == 503
            assert down.headers["content-type"] == PROBLEM
            assert down.json()["code"] == "upstream_unavailable"

            events = await client.get("/asyncapi.json")
            assert events.json()["asyncapi"] == "3.0.0"
            assert "inventory_events_v1" in events.json()["channels"]
            assert (await client.get("/readyz")).status_code == 200
            assert "jxc_http_requests_total" in (await client.get("/metrics")).text
